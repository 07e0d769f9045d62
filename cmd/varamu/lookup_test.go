package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/varamu/varamu/audit"
)

func TestLookup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if _, _, err := run(t, "ingest", "vcf", "--store", dir, writeFile(t, "a.vcf", cliVCF)); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "lookup", "--store", dir, "--sample", "P2", "-l", "chr10:94761900,chr10:94781859,chr10:94842866,chr10:1")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"chr10:94761900  hom-ref      0/0",
		"chr10:94781859  no-call      ./.",
		"chr10:94842866  hom-ref      0|0",
		"chr10:1         not-covered  .",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, _, err = run(t, "lookup", "--store", dir, "--sample", "P1", "-l", "chr10:94761900,chr10:94781859,chr10:1", "-q")
	if err != nil || strings.TrimSpace(out) != "3 positions: 2 called, 0 hom-ref, 0 no-call, 1 not covered" {
		t.Errorf("summary: %q %v", out, err)
	}
	if _, _, err := run(t, "lookup", "--store", dir, "--sample", "P1", "-l", "chr10:x"); err == nil {
		t.Error("bad position accepted")
	}
}

// TestGenomeReadsAreLogged: view and lookup read coded person-level data as
// a steward; each is in the audit log before data leaves.
func TestGenomeReadsAreLogged(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if _, _, err := run(t, "ingest", "vcf", "--store", dir, writeFile(t, "a.vcf", cliVCF)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runAs(t, "gc-staff-1", "lookup", "--store", dir, "--sample", "P2", "-l", "chr10:94761900"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runAs(t, "gc-staff-2", "view", "--store", dir, "-r", "chr10", "-s", "P1"); err != nil {
		t.Fatal(err)
	}
	// The log keeps a commitment for each person; ByPerson resolves it.
	var got []string
	for _, who := range []string{"unlinked sample P2", "unlinked sample P1"} {
		es, err := audit.ByPerson(context.Background(), dir, who)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			got = append(got, e.Actor+" "+e.Role+" "+who+": "+e.Rule)
		}
	}
	want := []string{
		"gc-staff-1 steward unlinked sample P2: data steward: lookup at 1 positions (sample P2)",
		"gc-staff-2 steward unlinked sample P1: data steward: view chr10 (sample P1)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
