package access

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/store"
)

// TestLoadDirectoryFromIngestedStore generates a synthetic biobank,
// ingests its FHIR records with package clinical, loads the directory from
// the store and checks it against the NDJSON read directly.
func TestLoadDirectoryFromIngestedStore(t *testing.T) {
	ctx := context.Background()
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 400, Seed: 11, BackgroundSites: -1}, NoGenotypes: true, Now: synth.DefaultAsOf})
	gen, st := bb.Src, bb.Store
	d, err := LoadDirectory(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.persons) != 400 {
		t.Errorf("%d persons, want 400", len(d.persons))
	}
	if len(d.licences) == 0 {
		t.Error("no licences loaded")
	}

	// Expected: the consent events and parents straight from the NDJSON.
	want := map[string][]consent.Event{}
	readNDJSON(t, filepath.Join(gen, "fhir", "Consent.ndjson"), func(r fhir.Resource) {
		e, ok, err := consent.FromFHIR(r.(*fhir.Consent).Model())
		if err != nil || !ok {
			t.Fatalf("ok=%v err=%v", ok, err)
		}
		want[e.Person] = append(want[e.Person], e)
	})
	if len(d.consents) != len(want) {
		t.Errorf("%d consent histories, want %d", len(d.consents), len(want))
	}
	for p, evs := range want {
		h := d.consents[p]
		if h == nil {
			t.Fatalf("no history for %s", p)
		}
		wh, err := consent.Load(p, evs)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wh.StateAt(synth.DefaultAsOf), h.StateAt(synth.DefaultAsOf), cmpopts.EquateEmpty(), cmpopts.EquateApproxTime(0)); diff != "" {
			t.Fatalf("state of %s (-ndjson +store):\n%s", p, diff)
		}
	}
	parents := map[string][]string{}
	readNDJSON(t, filepath.Join(gen, "fhir", "RelatedPerson.ndjson"), func(r fhir.Resource) {
		rp := r.(*fhir.RelatedPerson)
		child := rp.Patient.Reference[len("Patient/"):]
		parents[child] = append(parents[child], rp.Identifier[0].Value)
	})
	for child, ps := range parents {
		got := d.persons[child].Guardians
		if len(got) != len(ps) {
			t.Errorf("guardians of %s: %v, want %v", child, got, ps)
		}
	}
}

func readNDJSON(t *testing.T, path string, fn func(fhir.Resource)) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := fhir.NewReader(fhir.NewNDJSONReader(f, path), fhir.NewDecoder(fhir.Config{Now: synth.DefaultAsOf}))
	for {
		it, err := r.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		fn(it.Resource)
	}
}

// TestMissingConsentTableFailsClosed pins issue 8 item 6: a store whose
// consent table was removed from the manifest (or lost rows) refuses every
// decision, treatment included, instead of reading "no consent recorded".
func TestMissingConsentTableFailsClosed(t *testing.T) {
	ctx := context.Background()
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 40, Seed: 12, BackgroundSites: -1}, NoGenotypes: true, NoSampleLinks: true, Now: synth.DefaultAsOf})
	dir, st := bb.Dir, bb.Store
	if _, _, err := OpenStore(ctx, st); err != nil {
		t.Fatalf("intact store: %v", err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	var m map[string]any
	json.Unmarshal(b, &m)
	delete(m["tables"].(map[string]any), "consents")
	b, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644)
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenStore(ctx, st); !errors.Is(err, clinical.ErrDamaged) {
		t.Fatalf("store without its consent table: %v, want clinical.ErrDamaged", err)
	}
}
