package main

import (
	"strings"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

func TestPgxGenes(t *testing.T) {
	out, err := runMerged(t, "pgx", "genes")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "# data version "+alleles.DataVersion) {
		t.Errorf("no data version in:\n%s", out)
	}
	for _, want := range []string{"CYP2C19  chr10", "G6PD", "CYP2D6", "outside call"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestPgxGenesFlagsOldRules(t *testing.T) {
	out, err := runMerged(t, "pgx", "genes", "--max-rule-age", "5", "--year", "2026")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"rules older than 5 years (published before 2021) are flagged OLD",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// IFNL3: CPIC 2014, 12 years old in 2026.
	if !hasLine(out, "CPIC PA166110235 2014 12 y OLD") || !hasLine(out, "IFNL3 chr19") {
		t.Errorf("the 2014 IFNL3 guideline is not flagged:\n%s", out)
	}
	// The NAT2 line: hydralazine (2025) is the only NAT2 guideline.
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "NAT2 ") && (!strings.HasSuffix(strings.TrimSpace(l), "2025") || strings.Contains(l, "OLD")) {
			t.Errorf("NAT2 line %q: want guidelines published 2025, not OLD", l)
		}
	}
	// A larger limit flags nothing dated.
	out, err = runMerged(t, "pgx", "genes", "--max-rule-age", "50", "--year", "2026")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, " y OLD") {
		t.Errorf("--max-rule-age 50 still flags rules:\n%s", out)
	}
	if _, err := runMerged(t, "pgx", "genes", "--max-rule-age", "-1"); err == nil {
		t.Error("negative --max-rule-age accepted")
	}
}

// hasLine reports whether a line of out starts with the given fields
// (whitespace-separated).
func hasLine(out, fields string) bool {
	want := strings.Fields(fields)
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= len(want) && strings.Join(f[:len(want)], " ") == strings.Join(want, " ") {
			return true
		}
	}
	return false
}
