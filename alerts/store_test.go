package alerts

import (
	"fmt"
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
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/genome/genotypes"
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
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 1500, Seed: 21, BackgroundSites: -1}, NoGenotypes: true, Now: synth.DefaultAsOf})
	gen, st := bb.Src, bb.Store
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
	cs, err := caller.CallVCF(ctx, r, calling.VCFConfig{Outside: outside})
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
	if _, err := genotypes.Ingest(ctx, dir, []string{vcfPath}, genotypes.IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, err := annotate.Run(ctx, dir, "test-annotate", annotate.Config{}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clinical.Ingest(ctx, st, []string{filepath.Join(gen, "fhir")}, clinical.Config{Now: today,
		BiobankSamples: []string{filepath.Join(gen, "biobank", "samples.tsv")}}); err != nil {
		t.Fatal(err)
	}

	fromStore, stats, err := RunStore(ctx, dir, StoreConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("from pgx_calls: %+v", stats)

	// Asked about yesterday, before the annotation was recorded, the
	// store has no PGx results to alert on (issue 8 item 1).
	_, past, err := RunStore(ctx, dir, StoreConfig{Config: Config{At: today.AddDate(0, 0, -1)}})
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
	cs, err := caller.CallVCF(ctx, r, calling.VCFConfig{})
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
	fromFile, _, err := RunStore(ctx, dir, StoreConfig{CallsPath: callsPath})
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
	checkStoredCallsWhole(t, st, cs, false)
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
	st, err := store.Open(t.TempDir(), store.Config{Create: true})
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

// checkStoredCallsWhole: every call read back from pgx_calls equals the
// caller's, including what makes a call incomplete or uncertain (untested
// alleles, alternative readings, carried alleles): without them a
// recommendation from stored calls would read an unknown as usual dosing
// (issue 9). The data must hold such calls, or the check proves nothing.
func checkStoredCallsWhole(t *testing.T, st *store.Store, cs pharmacogenomics.CallSet, need bool) {
	t.Helper()
	src := NewStoreSource(st, nil)
	src.calls = map[string]*pharmacogenomics.SampleCalls{}
	want := map[string]bool{}
	for _, sc := range cs.Samples {
		want[sc.Sample] = true
	}
	if err := src.loadPGx(context.Background(), want); err != nil {
		t.Fatal(err)
	}
	incomplete, uncertain := 0, 0
	for _, sc := range cs.Samples {
		got := src.calls[sc.Sample]
		if got == nil {
			t.Errorf("%s: no stored calls", sc.Sample)
			continue
		}
		for _, g := range sc.Genes {
			incomplete += min(len(g.Untested), 1)
			uncertain += min(len(g.Alternatives), 1)
			i := slices.IndexFunc(got.Genes, func(x pharmacogenomics.GeneCall) bool { return x.Gene == g.Gene })
			if i < 0 {
				t.Errorf("%s %s: not stored", sc.Sample, g.Gene)
				continue
			}
			if diff := cmp.Diff(g, got.Genes[i], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("%s %s (-called +stored):\n%s", sc.Sample, g.Gene, diff)
			}
		}
	}
	if need && (incomplete == 0 || uncertain == 0) {
		t.Errorf("the test data has %d incomplete and %d uncertain calls: the check needs both", incomplete, uncertain)
	}
}

// TestStoredCallsKeepUnknowns: a sample whose DPYD *2A position was not
// genotyped (incomplete) and one heterozygous at both TPMT *3A positions
// (two readings that differ in phenotype) keep both facts through varamu
// annotate's pgx_calls table, so that alerts made from stored calls give the
// same honest "unknown" as a fresh call (issue 9).
func TestStoredCallsKeepUnknowns(t *testing.T) {
	ctx := context.Background()
	vcfPath := filepath.Join(t.TempDir(), "unknowns.vcf")
	if err := os.WriteFile(vcfPath, []byte(unknownsVCF(t)), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := genotypes.Ingest(ctx, dir, []string{vcfPath}, genotypes.IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, err := annotate.Run(ctx, dir, "test-annotate", annotate.Config{}); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(dir, store.Config{})
	if err != nil {
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
	r, err := vcf.Open(vcfPath)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cs, err := caller.CallVCF(ctx, r, calling.VCFConfig{})
	if err != nil {
		t.Fatal(err)
	}
	checkStoredCallsWhole(t, st, cs, true)
}

// unknownsVCF writes every DPYD and TPMT position of the embedded
// definitions for two samples: U1 hom-ref everywhere but with the DPYD
// c.1905+1G>A (*2A) position absent; U2 heterozygous, unphased, at the TPMT
// c.460G>A and c.719A>G positions (*1/*3A or *3B/*3C).
func unknownsVCF(t *testing.T) string {
	t.Helper()
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.3\n##reference=GRCh38\n##contig=<ID=chr1,length=248956422>\n##contig=<ID=chr6,length=170805979>\n")
	b.WriteString("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n")
	b.WriteString("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tU1\tU2\n")
	het := map[string]bool{}
	for _, name := range []string{"DPYD", "TPMT"} {
		var g *alleles.Gene
		for i := range db.Genes {
			if db.Genes[i].Name == name {
				g = db.Genes[i]
			}
		}
		if g == nil {
			t.Fatalf("no %s in the embedded definitions", name)
		}
		ps := slices.Clone(g.Positions)
		slices.SortFunc(ps, func(a, b alleles.Position) int { return int(a.Pos - b.Pos) })
		for _, p := range ps {
			if strings.Contains(p.HGVS+p.RSID, "rs3918290") || p.RSID == "rs3918290" {
				continue // DPYD *2A: not genotyped
			}
			u2 := "0/0"
			if name == "TPMT" && (p.RSID == "rs1800460" || p.RSID == "rs1142345") {
				u2, het[p.RSID] = "0/1", true
			}
			fmt.Fprintf(&b, "%s\t%d\t%s\t%s\t%s\t.\tPASS\t.\tGT\t0/0\t%s\n", g.Chrom, p.Pos, p.RSID, p.Ref, strings.Join(p.Alts, ","), u2)
		}
	}
	if len(het) != 2 {
		t.Fatalf("TPMT *3A positions not found: %v", het)
	}
	return b.String()
}
