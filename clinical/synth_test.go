package clinical_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/store"
)

// TestIngestSynth ingests the synthetic biobank's Bulk NDJSON and sample
// map: every resource it wrote is ingested, every person keeps the
// isikukood it was generated with, every consent is a decision.
func TestIngestSynth(t *testing.T) {
	gen := t.TempDir()
	sy, err := synth.Generate(context.Background(), gen, synth.Config{People: 400, Seed: 3, BackgroundSites: 1})
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(t.TempDir(), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := clinical.Ingest(context.Background(), s, []string{filepath.Join(gen, "fhir")}, clinical.Config{
		Now: synth.DefaultAsOf, BiobankSamples: []string{filepath.Join(gen, "biobank", "samples.tsv")}})
	if err != nil {
		t.Fatal(err)
	}
	for typ, n := range sy.Resources {
		if sum.Resources[typ] != int64(n) {
			t.Errorf("%s: ingested %d of %d", typ, sum.Resources[typ], n)
		}
	}
	if len(sum.Skipped) != 0 || sum.Persons != 400 || sum.NewPersons != 400 || sum.Samples != 400 {
		t.Errorf("summary %+v", sum)
	}
	// The generator's Patients carry their isikukood: no synthetic codes.
	if sum.Rows["id_map"] != 800 || sum.Rows["consents"] != int64(sy.Resources["Consent"]) {
		t.Errorf("rows %v", sum.Rows)
	}
	evs, err := clinical.ConsentEvents(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		n += len(e)
	}
	if n != sy.Resources["Consent"] {
		t.Errorf("%d consent events from %d Consent resources", n, sy.Resources["Consent"])
	}
}
