package clinical_test

import (
	"context"
	"testing"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
)

// TestIngestSynth ingests the synthetic biobank's Bulk NDJSON and sample
// map: every resource it wrote is ingested, every person keeps the
// isikukood it was generated with, every consent is a decision.
func TestIngestSynth(t *testing.T) {
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 400, Seed: 3, BackgroundSites: 1}, NoGenotypes: true, Now: synth.DefaultAsOf})
	sy, s, sum := bb.Summary, bb.Store, bb.Clinical
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
