package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAudit(t *testing.T) {
	tmp := t.TempDir()
	bb, dir := filepath.Join(tmp, "bb"), filepath.Join(tmp, "store")
	if _, _, err := run(t, "datasets", "synth", "--people", "60", "--seed", "2", "--background", "5", "--out", bb); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "ingest", "fhir", "--store", dir, "--biobank-samples", filepath.Join(bb, "biobank", "samples.tsv"), filepath.Join(bb, "fhir")); err != nil {
		t.Fatal(err)
	}
	// A researcher session logs one decision per linked person.
	if _, _, err := run(t, "query", "--store", dir, "--use", "HMB", "--actor", "res-1", "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "audit", "verify", "--store", dir)
	if err != nil || !strings.Contains(out, "audit log verified: 60 entries") {
		t.Fatalf("verify: %q %v", out, err)
	}
	// The person sees who looked (and that request is logged too).
	samples, _ := os.ReadFile(filepath.Join(bb, "biobank", "samples.tsv"))
	person := strings.Fields(strings.Split(string(samples), "\n")[1])[1]
	out, _, err = run(t, "audit", "who", "--store", dir, "--person", person, "--actor", person)
	if err != nil || !strings.Contains(out, "res-1") || !strings.Contains(out, "researcher") {
		t.Fatalf("who: %q %v", out, err)
	}
	// Another person may not.
	other := strings.Fields(strings.Split(string(samples), "\n")[2])[1]
	if _, _, err := run(t, "audit", "who", "--store", dir, "--person", person, "--actor", other); err == nil {
		t.Error("a stranger read someone's access log")
	}
	// Tampering is detected.
	entries := filepath.Join(dir, "audit", "entries.jsonl")
	b, _ := os.ReadFile(entries)
	os.WriteFile(entries, []byte(strings.Replace(string(b), `"res-1"`, `"res-2"`, 1)), 0o644)
	if _, _, err := run(t, "audit", "verify", "--store", dir); err == nil {
		t.Error("a changed entry verified")
	}
}

func TestConsentExport(t *testing.T) {
	tmp := t.TempDir()
	bb, dir := filepath.Join(tmp, "bb"), filepath.Join(tmp, "store")
	if _, _, err := run(t, "datasets", "synth", "--people", "40", "--seed", "4", "--background", "5", "--out", bb); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "ingest", "fhir", "--store", dir, filepath.Join(bb, "fhir")); err != nil {
		t.Fatal(err)
	}
	samples, _ := os.ReadFile(filepath.Join(bb, "biobank", "samples.tsv"))
	lines := strings.Split(string(samples), "\n")
	person, other := strings.Fields(lines[1])[1], strings.Fields(lines[2])[1]
	out, _, err := run(t, "consent", "export", "--store", dir, "--person", person, "--actor", person)
	if err != nil {
		t.Fatal(err)
	}
	n := strings.Count(out, `"resourceType":"Consent"`)
	if n == 0 || n != strings.Count(out, "\n") {
		t.Errorf("export: %d Consent resources in %d lines:\n%.500s", n, strings.Count(out, "\n"), out)
	}
	// What was exported ingests again as the same history.
	re := filepath.Join(tmp, "Consent.ndjson")
	os.WriteFile(re, []byte(out), 0o644)
	if _, _, err := run(t, "ingest", "fhir", "--store", dir, re); err != nil {
		t.Errorf("re-ingest of exported consents: %v", err)
	}
	if _, _, err := run(t, "consent", "export", "--store", dir, "--person", person, "--actor", other); err == nil {
		t.Error("a stranger exported someone's consents")
	}
}
