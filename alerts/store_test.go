package alerts

import (
	"time"

	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/varamu/varamu/clinical/consent"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/clinicaltest"
	"github.com/varamu/varamu/datasets/synth"
	gstore "github.com/varamu/varamu/genome/store"
	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/store"
)

// TestEndToEnd: synthetic biobank → FHIR ingest into a store → PGx calls
// of the VCF → alerts from the store under the consents ingested.
func TestEndToEnd(t *testing.T) {
	ctx := context.Background()
	gen := t.TempDir()
	if _, err := synth.Generate(ctx, gen, synth.Config{People: 1500, Seed: 21, BackgroundSites: -1}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.TempDir(), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clinical.Ingest(ctx, st, []string{filepath.Join(gen, "fhir")}, clinical.Config{Now: synth.DefaultAsOf,
		BiobankSamples: []string{filepath.Join(gen, "biobank", "samples.tsv")}}); err != nil {
		t.Fatal(err)
	}
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	caller, err := calling.New(db, calling.Config{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(gen, "biobank", "outside-calls.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	outside, err := calling.ParseOutsideCalls(f, "outside-calls.tsv")
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	r, err := vcf.Open(filepath.Join(gen, "genotypes.vcf.gz"))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := caller.CallVCF(ctx, r, calling.VCFOptions{Outside: outside})
	r.Close()
	if err != nil {
		t.Fatal(err)
	}

	dir, err := access.LoadDirectory(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	log, err := audit.Open(st.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	dec, err := access.New(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	got, stats, err := Run(ctx, NewStoreSource(st, &cs), eng, dec, Config{At: synth.DefaultAsOf})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stats %+v", stats)
	if stats.Alerts == 0 || stats.Candidates < 50 || stats.Denied == 0 || stats.NoCalls != 0 {
		t.Errorf("stats %+v: want alerts, candidates, some denied by consent, calls for everyone", stats)
	}
	drugs := map[string]int{}
	for _, a := range got {
		drugs[a.Drug]++
		h, err := dir.Consent(ctx, a.Person)
		if err != nil || h == nil {
			t.Fatalf("alert for %s without consent history", a.Person)
		}
		s := h.StateAt(synth.DefaultAsOf)
		if !s.ReturnOfResults || s.RecordClosed || s.Withdrawn {
			t.Errorf("alert for %s, whose consent is %+v", a.Person, s)
		}
		if !strings.HasPrefix(a.Sample, "V") || len(a.Genes) == 0 || a.Text == "" {
			t.Errorf("alert %+v", a)
		}
		hasWeight := false
		for _, fct := range a.Facts {
			hasWeight = hasWeight || strings.HasPrefix(fct, "weight ")
		}
		if !hasWeight {
			t.Errorf("alert for %s lacks the weight behind it: %v", a.Person, a.Facts)
		}
	}
	t.Logf("alerts by drug: %v", drugs)
	if drugs["clopidogrel"] == 0 {
		t.Errorf("no clopidogrel alerts among %d: %v", len(got), drugs)
	}
	if _, err := audit.Verify(ctx, st.Dir(), nil); err != nil {
		t.Fatal(err)
	}
}

// TestAnnotatedStoreMatchesCallSet: alerts from the store's pgx_calls
// (genome store ingest + varamu annotate) equal the alerts from a call set
// made by calling the same VCF directly.
func TestAnnotatedStoreMatchesCallSet(t *testing.T) {
	ctx := context.Background()
	gen := t.TempDir()
	// The dataset's "today" is today: the alerts are asked about now, as
	// the annotation was recorded now (a question about a past date sees
	// only data recorded up to it).
	y, m, d := time.Now().In(consent.Tallinn).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, consent.Tallinn)
	if _, err := synth.Generate(ctx, gen, synth.Config{People: 250, Seed: 33, BackgroundSites: 50, AsOf: today}); err != nil {
		t.Fatal(err)
	}
	vcfPath := filepath.Join(gen, "genotypes.vcf.gz")
	dir := t.TempDir()
	if _, err := gstore.Ingest(ctx, dir, []string{vcfPath}, gstore.IngestOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := annotate.Run(ctx, dir, annotate.Options{}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clinical.Ingest(ctx, st, []string{filepath.Join(gen, "fhir")}, clinical.Config{Now: today,
		BiobankSamples: []string{filepath.Join(gen, "biobank", "samples.tsv")}}); err != nil {
		t.Fatal(err)
	}

	fromStore, stats, err := RunStore(ctx, dir, StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("from pgx_calls: %+v", stats)

	// Asked about yesterday, before the annotation was recorded, the
	// store has no PGx results to alert on (issue 8 item 1).
	_, past, err := RunStore(ctx, dir, StoreOptions{Config: Config{At: today.AddDate(0, 0, -1)}})
	if err != nil {
		t.Fatal(err)
	}
	if past.Alerts != 0 || past.NoCalls != past.Candidates-past.Denied || past.NoCalls == 0 {
		t.Errorf("alerts about yesterday used PGx results recorded today: %+v", past)
	}

	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	caller, err := calling.New(db, calling.Config{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := vcf.Open(vcfPath)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := caller.CallVCF(ctx, r, calling.VCFOptions{})
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(cs)
	if err != nil {
		t.Fatal(err)
	}
	callsPath := filepath.Join(t.TempDir(), "calls.json")
	if err := os.WriteFile(callsPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fromFile, _, err := RunStore(ctx, dir, StoreOptions{CallsPath: callsPath})
	if err != nil {
		t.Fatal(err)
	}
	if len(fromStore) == 0 {
		t.Fatal("no alerts from the annotated store")
	}
	strip := func(as []Alert) []Alert {
		out := slices.Clone(as)
		for i := range out {
			out[i].CallDataVersion, out[i].AuditIndex = "", 0
		}
		return out
	}
	if diff := cmp.Diff(strip(fromFile), strip(fromStore), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("alerts (-call set +pgx_calls):\n%s", diff)
	}
	if fromStore[0].CallDataVersion == "" || !strings.Contains(fromStore[0].CallDataVersion, "alleles") {
		t.Errorf("call data version %q", fromStore[0].CallDataVersion)
	}
}

// TestRelinkedSampleLeavesOldPerson: after a steward re-links a sample,
// the person who had it no longer gets its calls (the old reader picked
// the newest link per person before the newest row per sample, so the old
// person kept it and prescribing called the wrong person's genes; issue 8
// item 4).
func TestRelinkedSampleLeavesOldPerson(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(t.TempDir(), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	a, b := clinicaltest.Code("1970-01-01", "male", 1), clinicaltest.Code("1971-01-01", "female", 2)
	people := []string{clinicaltest.Patient(a, "1970-01-01", "male"), clinicaltest.Patient(b, "1971-01-01", "female")}
	for _, g := range []clinicaltest.Generation{
		{Resources: people, Samples: [][2]string{{"S0", a}, {"S1", a}}},
		{Resources: people[:1], Samples: [][2]string{{"S1", b}}, Relink: "swap"},
	} {
		if _, err := clinicaltest.Ingest(ctx, st, now, g); err != nil {
			t.Fatal(err)
		}
	}
	cs := pharmacogenomics.CallSet{DataVersion: "v", Samples: []pharmacogenomics.SampleCalls{{Sample: "S0"}, {Sample: "S1"}}}
	src := NewStoreSource(st, &cs)
	if err := src.Load(ctx, []string{a, b}); err != nil {
		t.Fatal(err)
	}
	for person, want := range map[string]string{a: "S0", b: "S1"} {
		c, _, ok, err := src.Calls(ctx, person)
		if err != nil || !ok || c.Sample != want {
			t.Errorf("%s: calls of %q (ok %v, %v), want %s", person, c.Sample, ok, err, want)
		}
	}
}
