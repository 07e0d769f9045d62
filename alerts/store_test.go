package alerts

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
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
	got, stats, err := Run(ctx, NewStoreSource(st, cs), eng, dec, Config{At: synth.DefaultAsOf})
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
