package synth

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/clinical/isikukood"
)

func generate(t testing.TB, people int, seed uint64) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := Generate(context.Background(), dir, Config{People: people, Seed: seed}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// readAll returns every file of a generated biobank by relative path.
func readAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDeterministicPerSeed(t *testing.T) {
	a := readAll(t, generate(t, 150, 7))
	b := readAll(t, generate(t, 150, 7))
	c := readAll(t, generate(t, 150, 8))
	if len(a) != 13 {
		t.Errorf("%d files written, want 13: %v", len(a), sortedKeys(a))
	}
	for name, x := range a {
		if !bytes.Equal(x, b[name]) {
			t.Errorf("%s differs between two runs with seed 7", name)
		}
	}
	for _, name := range []string{"genotypes.vcf.gz", "fhir/Patient.ndjson", "fhir/Consent.ndjson"} {
		if bytes.Equal(a[name], c[name]) {
			t.Errorf("%s is the same for seeds 7 and 8", name)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{{People: 0}, {People: -1}, {People: 10, AsOf: time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC)}} {
		if _, err := Generate(context.Background(), t.TempDir(), cfg); err == nil {
			t.Errorf("Generate(%+v) succeeded", cfg)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, t.TempDir(), Config{People: 5000}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Generate: %v", err)
	}
}

func TestSampleCodesUnique(t *testing.T) {
	seen := map[string]int{}
	for i := range 300000 {
		c := SampleCode(42, i)
		if j, ok := seen[c]; ok {
			t.Fatalf("samples %d and %d share code %s", j, i, c)
		}
		seen[c] = i
	}
}

// TestClinicalRecordsDecode loads every NDJSON file with the FHIR decoder
// (which validates isikukood check digits against birth date and sex),
// and checks families, references and the consent histories.
func TestClinicalRecordsDecode(t *testing.T) {
	const n = 2000
	dir := generate(t, n, 3)
	dec := fhir.NewDecoder(fhir.Config{Now: DefaultAsOf})
	counts := map[string]int{}
	patients := map[string]*fhir.Patient{}
	ids := map[string]bool{}
	var items []fhir.Resource
	for _, typ := range resourceTypes {
		f, err := os.Open(filepath.Join(dir, "fhir", typ+".ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		r := fhir.NewReader(fhir.NewNDJSONReader(f, typ+".ndjson"), dec)
		for it, err := range r.All() {
			if err != nil {
				t.Fatal(err)
			}
			if it.Resource.Type() != typ {
				t.Fatalf("%s in %s.ndjson", it.Resource.Type(), typ)
			}
			counts[typ]++
			key := typ + "/" + it.Resource.ResourceID()
			if ids[key] {
				t.Fatalf("duplicate id %s", key)
			}
			ids[key] = true
			if p, ok := it.Resource.(*fhir.Patient); ok {
				patients[p.ID] = p
			}
			items = append(items, it.Resource)
		}
		f.Close()
	}
	if counts["Patient"] != n {
		t.Errorf("%d patients, want %d", counts["Patient"], n)
	}
	minors, withParents := 0, map[string]bool{}
	histories := map[string][]consent.Event{}
	drugs := map[string]int{}
	for _, res := range items {
		switch r := res.(type) {
		case *fhir.Patient:
			code, err := isikukood.Parse(r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if consent.IsMinor(code.BirthDate(), DefaultAsOf) {
				minors++
			}
		case *fhir.RelatedPerson:
			child := strings.TrimPrefix(r.Patient.Reference, "Patient/")
			parent := r.Identifier[0].Value
			if patients[child] == nil || patients[parent] == nil {
				t.Fatalf("RelatedPerson %s links unknown people", r.ID)
			}
			withParents[child] = true
			if patients[parent].BirthDate >= patients[child].BirthDate {
				t.Errorf("parent %s born after child %s", parent, child)
			}
		case *fhir.MedicationRequest:
			if r.Status == "active" {
				drugs[r.MedicationCodeableConcept.Text]++
			}
			checkRef(t, ids, r.Subject.Reference)
			checkRef(t, ids, r.Requester.Reference)
		case *fhir.Condition:
			checkRef(t, ids, r.Subject.Reference)
		case *fhir.DocumentReference:
			checkRef(t, ids, r.Subject.Reference)
		case *fhir.Consent:
			e, ok, err := consent.FromFHIR(r.Model())
			if err != nil || !ok {
				t.Fatalf("Consent/%s: ok=%v err=%v", r.ID, ok, err)
			}
			if e.Document != "" {
				checkRef(t, ids, "DocumentReference/"+e.Document)
			}
			if !e.At.Before(DefaultAsOf) {
				t.Errorf("Consent/%s at %s, after the dataset's today", r.ID, e.At)
			}
			histories[e.Person] = append(histories[e.Person], e)
		}
	}
	if minors < n/20 || len(withParents) < n/10 {
		t.Errorf("%d minors and %d people with parents among %d: want families with children", minors, len(withParents), n)
	}
	kinds := map[consent.Kind]int{}
	for p, evs := range histories {
		h, err := consent.Load(p, evs)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h.Events() {
			kinds[e.Kind]++
		}
	}
	for _, k := range []consent.Kind{consent.GiveResearch, consent.Withdraw, consent.CloseDocument, consent.CloseRecord, consent.Authorise, consent.ReturnOfResults} {
		if kinds[k] == 0 {
			t.Errorf("no %s consent events among %d people", k, n)
		}
	}
	if kinds[consent.GiveResearch] != n {
		t.Errorf("%d research consents for %d participants", kinds[consent.GiveResearch], n)
	}
	for _, d := range []string{"clopidogrel", "warfarin", "omeprazole", "citalopram", "ibuprofen", "tramadol"} {
		if drugs[d] == 0 {
			t.Errorf("no current prescription of %s among %d people: %v", d, n, drugs)
		}
	}
	t.Logf("resources %v; minors %d; consent events %v; current prescriptions %v", counts, minors, kinds, drugs)

	// The sample map links every sample code to a Patient.
	f, err := os.Open(filepath.Join(dir, "biobank", "samples.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	rows := 0
	for sc.Scan() {
		if rows++; rows == 1 {
			continue
		}
		s, p, _ := strings.Cut(sc.Text(), "\t")
		if patients[p] == nil || !strings.HasPrefix(s, "V") {
			t.Fatalf("samples.tsv line %d: %q", rows, sc.Text())
		}
	}
	if rows != n+1 {
		t.Errorf("samples.tsv has %d lines, want %d", rows, n+1)
	}
}

func checkRef(t *testing.T, ids map[string]bool, ref string) {
	t.Helper()
	if !ids[ref] {
		t.Fatalf("reference %s to a resource not written", ref)
	}
}
