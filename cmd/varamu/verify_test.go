package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyStore: a changed data file, a rewritten history generation,
// a generation the log does not hold and a changed log entry are each
// found and named by varamu verify.
func TestVerifyStore(t *testing.T) {
	tmp := t.TempDir()
	bb, dir := filepath.Join(tmp, "bb"), filepath.Join(tmp, "store")
	if _, _, err := run(t, "datasets", "synth", "--people", "10", "--seed", "5", "--background", "5", "--out", bb); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "ingest", "vcf", "--store", dir, filepath.Join(bb, "genotypes.vcf.gz")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "ingest", "fhir", "--store", dir, filepath.Join(bb, "fhir")); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "verify", "--store", dir)
	if err != nil || !strings.Contains(out, "data files: every file of generation 2") || !strings.Contains(out, "history: every committed generation's manifest matches") {
		t.Fatalf("verify: %q %v", out, err)
	}
	// A rewritten history generation (the first, no longer current).
	h1 := filepath.Join(dir, "history", "00000001.json")
	b, _ := os.ReadFile(h1)
	os.WriteFile(h1, []byte(strings.Replace(string(b), `"generation": 1`, `"generation":1`, 1)+" "), 0o644)
	out, _, err = run(t, "verify", "--store", dir)
	if err == nil || !strings.Contains(out, "FAIL\tgeneration 1\t") {
		t.Errorf("rewritten history/00000001.json: %q %v", out, err)
	}
	os.WriteFile(h1, b, 0o644)
	// A generation the log does not hold (history/ and manifest.json
	// forged as generation 3, which no commit logged).
	forged := []byte(strings.Replace(string(b), `"generation": 1`, `"generation": 3`, 1))
	h3 := filepath.Join(dir, "history", "00000003.json")
	os.WriteFile(h3, forged, 0o644)
	mpath := filepath.Join(dir, "manifest.json")
	mb, _ := os.ReadFile(mpath)
	os.WriteFile(mpath, forged, 0o644)
	out, _, err = run(t, "verify", "--store", dir)
	if err == nil || !strings.Contains(out, "FAIL\tgeneration 3\t"+h3+"\tnot in the audit log") || !strings.Contains(out, "FAIL\tgeneration 3\t"+mpath+"\tnot in the audit log") {
		t.Errorf("generation 3 not in the log: %q %v", out, err)
	}
	os.Remove(h3)
	os.WriteFile(mpath, mb, 0o644)
	// A changed data file.
	files, _ := filepath.Glob(filepath.Join(dir, "data", "*", "genome", "*", "variants.parquet"))
	if len(files) == 0 {
		t.Fatal("no parquet file found")
	}
	pb, _ := os.ReadFile(files[0])
	os.WriteFile(files[0], append(pb, 0), 0o644)
	if out, _, err := run(t, "verify", "--store", dir); err == nil || !strings.Contains(err.Error(), "failed verification") || !strings.Contains(out, "changed since commit") {
		t.Errorf("changed data file: %q %v", out, err)
	}
}
