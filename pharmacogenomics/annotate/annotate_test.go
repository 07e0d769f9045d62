package annotate

import (
	"context"
	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// Three CYP2C19 positions (GRCh38): rs12248560 (*17), rs4244285 (*2),
// rs4986893 (*3).
const vcfText = `##fileformat=VCFv4.3
##reference=GRCh38
##contig=<ID=chr10,length=133797422>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	P1	P2	P3
chr10	94761900	rs12248560	C	T	.	PASS	.	GT	0/1	0/0	1/1
chr10	94780653	rs4986893	G	A	.	PASS	.	GT	0/0	0/0	0/0
chr10	94781859	rs4244285	G	A	.	PASS	.	GT	0/1	0/0	0/0
`

func ingest(t *testing.T, dir, body string, replace bool) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.vcf")
	os.WriteFile(p, []byte(body), 0o644)
	if _, err := genotypes.Ingest(context.Background(), dir, []string{p}, genotypes.IngestConfig{Replace: replace}); err != nil {
		t.Fatal(err)
	}
}

// tableRows reads a table's rows (current data version) as "sample gene value".
func tableRows(t *testing.T, dir, table string, cols ...string) []string {
	t.Helper()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range st.Manifest().Tables[table] {
		err := rows.ScanFile(context.Background(), st.Path(f), cols, func(r *rows.Row) error {
			var parts []string
			for i, c := range cols {
				if c == "diplotypes" {
					parts = append(parts, strings.Join(r.Strs(i), " or "))
				} else {
					parts = append(parts, r.Str(i))
				}
			}
			out = append(out, strings.Join(parts, " | "))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestAnnotateMatchesDirectCalling(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	ingest(t, dir, vcfText, false)
	res, err := Run(ctx, dir, "test-annotate", Config{ChunkSamples: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Annotated != 3 || res.Skipped != 0 {
		t.Fatalf("result %+v", res)
	}
	// The same calls as calling each sample through Lookup.
	s, _ := genotypes.Open(dir)
	g, err := access.OpenSteward(ctx, s.Base(), access.StewardAccess{Actor: "test", Scope: "test"})
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(ctx context.Context, sample string, loci []genome.Locus) ([][]genome.Genotype, error) {
		return s.Lookup(ctx, g, sample, loci)
	}
	db, _ := alleles.Load()
	c, _ := calling.New(db, calling.Config{})
	var want []string
	for _, smp := range []string{"P1", "P2", "P3"} {
		sc, err := c.Call(ctx, calling.SourceFunc(lookup), calling.Subject{Sample: smp})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range sc.Genes {
			if g.Gene == "CYP2C19" {
				want = append(want, smp+" | CYP2C19 | "+strings.Join(g.Diplotypes, " or ")+" | "+g.Phenotype)
			}
		}
	}
	var got []string
	for _, r := range tableRows(t, dir, TableCalls, "sample", "gene", "diplotypes", "phenotype") {
		if strings.Contains(r, "| CYP2C19 |") {
			got = append(got, r)
		}
	}
	if diff := cmp.Diff(want, got, cmpSorted); diff != "" {
		t.Errorf("annotate vs direct calling (-direct +annotate):\n%s", diff)
	}
	// rs28399504 (*4) is not in the file: *17 and *4 share rs12248560, so
	// the call says both, never silently one.
	if !strings.Contains(strings.Join(got, "\n"), "P1 | CYP2C19 | *2/*4 or *2/*17 | Indeterminate") {
		t.Errorf("P1 should be *2/*4 or *2/*17: %v", got)
	}
	if n := len(tableRows(t, dir, TableCalls, "sample")); n != 3*len(c.Genes()) {
		t.Errorf("%d pgx_calls rows, want %d", n, 3*len(c.Genes()))
	}
	recs := tableRows(t, dir, TableRecommendations, "sample", "drug", "action")
	if !strings.Contains(strings.Join(recs, "\n"), "P1 | clopidogrel |") {
		t.Errorf("no clopidogrel recommendation for P1 in %d rows", len(recs))
	}
	// Everything done: a second run skips all.
	res, err = Run(ctx, dir, "test-annotate", Config{})
	if err != nil || res.Annotated != 0 || res.Skipped != 3 {
		t.Fatalf("rerun: %+v %v", res, err)
	}
}

func TestAnnotateResumesAndReportsChanges(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	ingest(t, dir, vcfText, false)
	// An interrupted run: only P1 got done.
	if _, err := Run(ctx, dir, "test-annotate", Config{Samples: []string{"P1"}, version: "v1"}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, dir, "test-annotate", Config{version: "v1"})
	if err != nil || res.Annotated != 2 || res.Skipped != 1 {
		t.Fatalf("resume: %+v %v", res, err)
	}
	// P3's genotype is corrected (re-sequenced): *1/*1 instead of *17/*17.
	ingest(t, dir, strings.Replace(vcfText, "0/1\t0/0\t1/1", "0/1\t0/0\t0/0", 1), true)
	res, err = Run(ctx, dir, "test-annotate", Config{version: "v2"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Previous != "v1" || res.Changed != 1 || res.Annotated != 3 {
		t.Errorf("v2 run: %+v\n%s", res, strings.Join(tableRows(t, dir, TableChanges, "sample", "kind", "subject", "field", "old", "new"), "\n"))
	}
	var p3 []string
	for _, r := range tableRows(t, dir, TableChanges, "sample", "kind", "subject", "field", "old", "new") {
		if strings.HasPrefix(r, "P3 | gene | CYP2C19") {
			p3 = append(p3, r)
		}
	}
	want := []string{
		"P3 | gene | CYP2C19 | diplotype | *4/*4 or *4/*17 or *17/*17 | *1/*1 or *1/*38 or *38/*38",
		"P3 | gene | CYP2C19 | phenotype | Indeterminate | Normal Metabolizer",
	}
	if diff := cmp.Diff(want, p3); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
}

var cmpSorted = cmp.Transformer("sort", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})
