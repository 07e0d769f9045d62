package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDatasetsSynth(t *testing.T) {
	dir := t.TempDir()
	out, err := runMerged(t, "datasets", "synth", "--people", "40", "--seed", "5", "--background", "10", "--out", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "40 people") {
		t.Errorf("output %q", out)
	}
	for _, f := range []string{"genotypes.vcf.gz", "genotypes.vcf.gz.tbi", "fhir/Patient.ndjson", "fhir/Consent.ndjson", "biobank/samples.tsv", "synth.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := runMerged(t, "datasets", "synth", "--people", "0", "--out", dir); err == nil {
		t.Error("--people 0 accepted")
	}
}
