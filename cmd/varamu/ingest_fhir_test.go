package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/varamu/varamu/internal/testref"
)

// TestIngestFHIRCLI loads every Synthea reference bundle (zero errors).
func TestIngestFHIRCLI(t *testing.T) {
	synthea := testref.Path(t, "synthea-r4")
	st := filepath.Join(t.TempDir(), "store")
	out, stderr, err := run(t, "ingest", "fhir", "--store", st, synthea)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	for _, want := range []string{
		": 18 files, 4220 resources in ",
		"  ingested: Condition 142, Encounter 324, MedicationRequest 129, Observation 2085, Organization 27, Patient 17, Practitioner 129\n",
		"  skipped (types not kept): CarePlan 35, Claim 453, DiagnosticReport 151, ExplanationOfBenefit 324, Goal 26, ImagingStudy 15, Immunization 169, Procedure 194\n",
		"  persons: 17 (17 new)\n",
		"store " + st + " at generation 1\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if _, _, err := run(t, "ingest", "fhir", synthea); err == nil {
		t.Error("missing --store accepted")
	}
}

// TestIngestFHIRCLIBadInput: a bad file fails with a located error and
// changes nothing in a store that already holds records.
func TestIngestFHIRCLIBadInput(t *testing.T) {
	st := filepath.Join(t.TempDir(), "store")
	good := filepath.Join(t.TempDir(), "Patient.ndjson")
	os.WriteFile(good, []byte(`{"resourceType":"Patient","id":"p1","birthDate":"1980-01-01"}`+"\n"), 0o644)
	if _, stderr, err := run(t, "ingest", "fhir", "--store", st, good); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	before, _ := os.ReadFile(filepath.Join(st, "manifest.json"))
	bad := filepath.Join(t.TempDir(), "Patient.ndjson")
	os.WriteFile(bad, []byte(`{"resourceType":"Patient","id":"x","birthDate":"2091-01-01"}`+"\n"), 0o644)
	_, _, err := run(t, "ingest", "fhir", "--store", st, bad)
	if err == nil || err.Error() != bad+`:1: Patient.birthDate: "2091-01-01" is in the future` {
		t.Errorf("got %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(st, "manifest.json"))
	if string(before) != string(after) {
		t.Error("a failed ingest changed the manifest")
	}
}
