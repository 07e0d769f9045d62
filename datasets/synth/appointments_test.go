package synth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestAppointmentsLeaveTheRestUnchanged: with Appointments a third or so
// of the people get one, and every other file is byte for byte the same.
func TestAppointmentsLeaveTheRestUnchanged(t *testing.T) {
	without, with := t.TempDir(), t.TempDir()
	for _, c := range []struct {
		dir string
		on  bool
	}{{without, false}, {with, true}} {
		if _, err := Generate(context.Background(), c.dir, Config{People: 150, Seed: 7, BackgroundSites: -1, Appointments: c.on}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(filepath.Join(without, "fhir", "Appointment.ndjson")); !os.IsNotExist(err) {
		t.Errorf("Appointment.ndjson written without Appointments: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(with, "fhir", "Appointment.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n < 25 || n > 75 {
		t.Errorf("%d appointments for 150 people, want about 50", n)
	}
	for _, name := range []string{"fhir/Patient.ndjson", "fhir/Consent.ndjson", "fhir/DocumentReference.ndjson", "fhir/MedicationRequest.ndjson", "biobank/samples.tsv"} {
		x, _ := os.ReadFile(filepath.Join(without, name))
		y, _ := os.ReadFile(filepath.Join(with, name))
		if !bytes.Equal(x, y) {
			t.Errorf("%s changed when appointments were added", name)
		}
	}
}
