package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDatasetsSynth(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	root := newRootCmd()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"datasets", "synth", "--people", "40", "--seed", "5", "--background", "10", "--out", dir})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "40 people") {
		t.Errorf("output %q", out.String())
	}
	for _, f := range []string{"genotypes.vcf.gz", "genotypes.vcf.gz.tbi", "fhir/Patient.ndjson", "fhir/Consent.ndjson", "biobank/samples.tsv", "synth.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	root = newRootCmd()
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"datasets", "synth", "--people", "0", "--out", dir})
	if err := root.Execute(); err == nil {
		t.Error("--people 0 accepted")
	}
}
