package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIngestVCF(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	out, _, err := run(t, "ingest", "vcf", "--store", dir, writeFile(t, "a.vcf", cliVCF))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "batch b0001, GRCh38, 2 samples, 3 records (4 variant rows)") {
		t.Errorf("output: %q", out)
	}
	manifest, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))

	other := strings.Replace(cliVCF, "\tP1\tP2", "\tQ1\tQ2", 1)
	bad := []struct{ name, body, want string }{
		{"bad gt", strings.Replace(other, "1/1\t./.", "1/x\t./.", 1), `bad.vcf:7: sample Q1: GT: "1/x": want allele index or "."`},
		{"columns", strings.Replace(other, "\t0/1\t0/0", "\t0/1", 1), "bad.vcf:6: want 11 tab-separated columns (8 fixed, FORMAT, 2 samples), found 10"},
		{"pos", strings.Replace(other, "94781859", "9478x", 1), `bad.vcf:7: POS: want a non-negative integer, found "9478x"`},
		{"empty", "", "bad.vcf:1: empty file"},
		{"duplicate", cliVCF, "sample P1 is in batch b0001"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := run(t, "ingest", "vcf", "--store", dir, writeFile(t, "bad.vcf", tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			now, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
			if string(now) != string(manifest) {
				t.Error("failed ingest changed the store")
			}
		})
	}
}
