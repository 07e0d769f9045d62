package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDatasetsSynthVCF(t *testing.T) {
	stdout, err := runMerged(t, "datasets", "synth-vcf", "--samples", "5", "--variants", "30", "--seed", "3",
		"--format", "GT,DS", "--missing", "0", "--phased", "1", "-o", "-")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	if lines[0] != "##fileformat=VCFv4.3" {
		t.Fatalf("first line %q", lines[0])
	}
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "#") {
			continue
		}
		n++
		f := strings.Split(l, "\t")
		if f[8] != "GT:DS" || len(f) != 14 {
			t.Fatalf("record %q: want GT:DS and 5 samples", l)
		}
		for _, s := range f[9:] {
			gt, _, _ := strings.Cut(s, ":")
			if strings.ContainsAny(gt, "./") {
				t.Fatalf("record %q: want phased calls without missing ones", l)
			}
		}
	}
	if n != 30 {
		t.Errorf("%d records, want 30", n)
	}

	dir := t.TempDir()
	gz := filepath.Join(dir, "out.vcf.gz")
	if _, err := runMerged(t, "datasets", "synth-vcf", "--samples", "5", "--variants", "30", "--seed", "3", "-o", gz); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{gz, gz + ".tbi"} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}

	for _, args := range [][]string{
		{"--samples", "0"},
		{"--format", "GT,PL"},
		{"--chromosomes", "chrQ"},
		{"--level", "11", "-o", filepath.Join(dir, "x.vcf.gz")},
	} {
		if _, err := runMerged(t, append([]string{"datasets", "synth-vcf"}, args...)...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
