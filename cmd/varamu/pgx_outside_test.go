package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics/calling"
)

// TestPgxOutsideCallsREADME runs the README's outside-calls example: lab
// notations give the guideline's answer; a contradicting line is refused
// with file and line.
func TestPgxOutsideCallsREADME(t *testing.T) {
	vcfPath := writePGxVCF(t, map[int64]string{94842866: "1/1"})
	dir := t.TempDir()
	outside := filepath.Join(dir, "outside.tsv")
	if err := os.WriteFile(outside, []byte("HLA-B\tHLA-B*57:01:01/B*08:01\nCYP2D6\t*1/*1x>=3\nHLA-A\t\tHLA-A*31:01 negative\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(dir, "o.json")
	if _, err := runMerged(t, "pgx", "call", vcfPath, "--outside-calls", outside, "--format", "json", "--output", calls); err != nil {
		t.Fatal(err)
	}
	out, err := runMerged(t, "pgx", "recommend", "--calls", calls, "--drug", "abacavir", "--drug", "codeine")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"abacavir  avoid", "HLA-B*57:01 positive", "codeine   avoid", "Ultrarapid Metabolizer (AS 4)"} {
		if !strings.Contains(out, want) {
			t.Errorf("recommend output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "standard") {
		t.Errorf("usual dosing in:\n%s", out)
	}
	bad := filepath.Join(dir, "bad.tsv")
	if err := os.WriteFile(bad, []byte("CYP2D6\t*1/*2\tUltrarapid Metabolizer\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = runMerged(t, "pgx", "call", vcfPath, "--outside-calls", bad, "--format", "json")
	if !errors.Is(err, calling.ErrContradiction) || !strings.Contains(err.Error(), "bad.tsv:1: phenotype:") {
		t.Errorf("contradiction: err = %v, want bad.tsv:1 wrapping ErrContradiction", err)
	}
}
