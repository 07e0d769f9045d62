package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestAlertsCLI runs the README chain: datasets synth → ingest fhir →
// pgx call → alerts.
func TestAlertsCLI(t *testing.T) {
	gen, st := t.TempDir(), filepath.Join(t.TempDir(), "store")
	calls := filepath.Join(t.TempDir(), "calls.json")
	steps := [][]string{
		{"datasets", "synth", "--people", "600", "--seed", "9", "--background", "0", "--out", gen},
		{"ingest", "fhir", "--store", st, "--biobank-samples", filepath.Join(gen, "biobank", "samples.tsv"), filepath.Join(gen, "fhir")},
		{"pgx", "call", filepath.Join(gen, "genotypes.vcf.gz"), "--outside-calls", filepath.Join(gen, "biobank", "outside-calls.tsv"), "--format", "json", "-o", calls},
	}
	for _, s := range steps {
		if _, stderr, err := run(t, s...); err != nil {
			t.Fatalf("varamu %s: %v\n%s", strings.Join(s, " "), err, stderr)
		}
	}
	out, stderr, err := run(t, "alerts", "--store", st, "--calls", calls, "--at", "2026-01-01", "--format", "json")
	if err != nil {
		t.Fatalf("alerts: %v\n%s", err, stderr)
	}
	var list []struct {
		Person, Drug, Action string
		Genes                []struct{ Gene, Phenotype string }
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 || !strings.Contains(stderr, "denied by consent") {
		t.Fatalf("%d alerts; stderr %q", len(list), stderr)
	}
	for _, a := range list {
		if a.Person == "" || a.Drug == "" || len(a.Genes) == 0 {
			t.Errorf("alert %+v", a)
		}
	}
	table, _, err := run(t, "alerts", "--store", st, "--calls", calls, "--at", "2026-01-01", "--since", "2025-12-01")
	if err != nil || !strings.HasPrefix(table, "PERSON") {
		t.Fatalf("table: %v\n%s", err, table)
	}
	for _, bad := range [][]string{
		{"alerts", "--store", st, "--calls", calls, "--format", "xml"},
		{"alerts", "--store", st}, // no pgx_calls table and no --calls
		{"alerts", "--calls", calls},
		{"alerts", "--store", st, "--calls", calls, "--since", "yesterday"},
	} {
		if _, _, err := run(t, bad...); err == nil {
			t.Errorf("varamu %s succeeded", strings.Join(bad, " "))
		}
	}
}
