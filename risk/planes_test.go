package risk

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk/pgs"
)

// planeVCF writes a VCF of n samples: chr22 sites (biallelic and
// multi-allelic, any majority genotype, missing and half-missing calls,
// some sites with one genotype nearly everywhere) and chrX sites where
// the last third of the samples are haploid, and returns its path and the
// sites' loci with their alleles.
func planeVCF(t *testing.T, rng *rand.Rand, dir string, n int) (string, []testSite, []string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.2\n##reference=GRCh37\n##contig=<ID=22,length=51304566>\n##contig=<ID=X,length=155270560>\n")
	b.WriteString("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n")
	b.WriteString("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + strings.Join(sampleNames(n), "\t") + "\n")
	var sites []testSite
	var chroms []string
	for i := range 240 {
		chrom, haploidFrom := "22", n
		if i >= 200 {
			chrom, haploidFrom = "X", 2*n/3
		}
		s := testSite{pos: int64(1000 + 10*i), ref: "A", alts: []string{"G"}}
		if i%5 == 0 {
			s.alts = []string{"G", "T"}
		}
		p := rng.Float64()
		if i%11 == 0 {
			p = 0.002 // nearly everyone has the default: difference lists
		}
		for j := range n {
			gt := drawGT(rng, p, len(s.alts))
			if j >= haploidFrom {
				gt = fmt.Sprint(min(rng.IntN(3), len(s.alts)))
				if rng.IntN(20) == 0 {
					gt = "."
				}
			}
			s.gts = append(s.gts, gt)
		}
		fmt.Fprintf(&b, "%s\t%d\t.\t%s\t%s\t.\tPASS\t.\tGT\t%s\n", chrom, s.pos, s.ref, strings.Join(s.alts, ","), strings.Join(s.gts, "\t"))
		sites = append(sites, s)
		chroms = append(chroms, chrom)
	}
	p := filepath.Join(dir, "planes.vcf")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p, sites, chroms
}

// planeScores returns three scores over the sites: additive, one with
// dominant and one with recessive weights on every third variant, each
// scoring REF or an ALT (the second of a multi-allelic site's too).
func planeScores(rng *rand.Rand, sites []testSite, chroms []string) []*pgs.Score {
	var out []*pgs.Score
	for k := range 3 {
		s := &pgs.Score{Path: fmt.Sprint("p", k), SHA256: strings.Repeat("0", 64), Header: pgs.Header{ID: fmt.Sprint("P", k), Build: genome.GRCh37}}
		for i, site := range sites {
			alleles := append([]string{site.ref}, site.alts...)
			e := rng.IntN(len(alleles))
			v := pgs.Variant{Chrom: "chr" + chroms[i], Pos: site.pos, EffectAllele: alleles[e], OtherAllele: alleles[(e+1)%len(alleles)],
				Weight: rng.NormFloat64(), EffectFreq: math.NaN()}
			v.Dominant = k == 1 && i%3 == 0
			v.Recessive = k == 2 && i%3 == 0
			s.Variants.Append(v)
		}
		out = append(out, s)
	}
	return out
}

// TestPlanesEqualLists: scoring a store through its plane rows (the dense
// read: sites of one batch, whole blocks, no haploid sample) gives the
// sums, counters, match reports and cohort frequencies of scoring the
// same records listed sample by sample (genotypes.Record, the list path),
// on a random store of 600 samples (two whole blocks and a part) with
// multi-allelic sites, missing and half-missing calls, haploid chrX
// calls (read by the list path), dominant and recessive weights, for
// every sample, a reference cohort that is a subset, and samples asked
// for in another order (read by the list path), with and without mean
// imputation.
func TestPlanesEqualLists(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 7))
	const n = 600
	vcf, sites, chroms := planeVCF(t, rng, t.TempDir(), n)
	_, gs := cohortStore(t, vcf)
	permit := stewardPermit(t, gs)
	scores := planeScores(rng, sites, chroms)
	var loci []genome.Locus
	for i, s := range sites {
		loci = append(loci, genome.Locus{Chrom: "chr" + chroms[i], Pos: s.pos})
	}
	names := sampleNames(n)
	everyThird := func(in []bool) {
		for i := range in {
			in[i] = i%3 == 1
		}
	}
	reversed := make([]string, n)
	for i, s := range names {
		reversed[n-1-i] = s
	}
	for _, tc := range []struct {
		name     string
		samples  []string
		ref      func([]bool)
		noImpute bool
		planes   bool // the plane path reads some sites
	}{
		{"all", names, nil, false, true},
		{"no-imputation", names, nil, true, true},
		{"reference-subset", names, everyThird, false, true},
		{"reordered", reversed, nil, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &cohort{names: tc.samples, scored: n, ref: make([]bool, n)}
			for i := range c.ref {
				c.ref[i] = true
			}
			if tc.ref != nil {
				tc.ref(c.ref)
			}
			recs, err := gs.SitesAt(context.Background(), permit, loci, tc.samples)
			if err != nil {
				t.Fatal(err)
			}
			if got := planeSites(t, gs, permit, loci, tc.samples); (got > 0) != tc.planes || (tc.planes && got == len(recs)) {
				t.Fatalf("%d of %d records read by their plane rows", got, len(recs))
			}
			lists := scoreWith(t, memSource(recs), scores, c, tc.noImpute)
			planes := scoreWith(t, storeSource{gs, permit}, scores, c, tc.noImpute)
			for k := range scores {
				comparePlaneResults(t, planes[k], lists[k])
			}
		})
	}
}

// planeSites counts the records at loci PlaneRows reads for samples.
func planeSites(t *testing.T, gs *genotypes.Store, permit genotypes.Permit, loci []genome.Locus, samples []string) int {
	t.Helper()
	n := 0
	err := gs.DenseSitesAt(context.Background(), permit, loci, samples, func(ds []*genotypes.DenseSite) error {
		for _, d := range ds {
			if _, ok := d.PlaneRows(0, func(*genotypes.PlaneRow) {}); ok {
				n++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func scoreWith(t *testing.T, src siteSource, scores []*pgs.Score, c *cohort, noImpute bool) []*ScoreResult {
	t.Helper()
	cfg := Config{NoMeanImputation: noImpute}
	cfg.defaults()
	var results []*ScoreResult
	for _, s := range scores {
		results = append(results, newResult(s, genome.GRCh37, c))
	}
	if err := newScorer(results, c, &cfg).run(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	return results
}

// comparePlaneResults requires equal reports, matches and per-sample
// totals (sums to 1e-12 relative: the two paths add in the same order).
func comparePlaneResults(t *testing.T, got, want *ScoreResult) {
	t.Helper()
	if got.Report != want.Report {
		t.Fatalf("%s: report\n%+v\nlists\n%+v", got.ID, got.Report, want.Report)
	}
	if want.Report.Matched < 200 || want.Report.MultiAllelic == 0 || want.Report.MissingGenotypes == 0 {
		t.Fatalf("%s: covers too little: %+v", want.ID, want.Report)
	}
	for j, m := range want.Matches() {
		g := got.Match(j)
		if g.Orient != m.Orient || g.Index != m.Index || g.Missing != m.Missing || !sameFloat(g.CohortFreq, m.CohortFreq) {
			t.Fatalf("%s variant %d: match %+v, lists %+v", got.ID, j, g, m)
		}
	}
	for i, s := range got.Samples {
		w := want.Samples[i]
		if math.Abs(s.Sum-w.Sum) > 1e-12*max(1, math.Abs(w.Sum)) || s.AlleleCount != w.AlleleCount || s.Denom != w.Denom ||
			s.Missing != w.Missing || s.DosageSum != w.DosageSum {
			t.Fatalf("%s sample %d: got %+v, lists %+v", got.ID, i, s, w)
		}
	}
}

func sameFloat(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }

// BenchmarkDenseScoring measures the scoring side of the dense read alone
// (decoding the stored rows of the records at the scoring loci, matching,
// accumulating; the rows already read), for 1 and 10 scores over every
// site of a generated store of 2,048 samples × 2,000 sites with
// rare-skewed allele frequencies, or over the first 5,000 variants of the
// scoring file RISK_BENCH_SCORE in the store RISK_BENCH_STORE.
func BenchmarkDenseScoring(b *testing.B) {
	ctx := context.Background()
	gs, variants := benchInputs(b)
	permit := stewardPermit(b, gs)
	names, err := gs.Samples()
	if err != nil {
		b.Fatal(err)
	}
	c := &cohort{names: names, scored: len(names), ref: make([]bool, len(names))}
	for i := range c.ref {
		c.ref[i] = true
	}
	rng := rand.New(rand.NewPCG(8, 9))
	for _, k := range []int{1, 10} {
		b.Run(fmt.Sprint(k, "scores"), func(b *testing.B) {
			cfg := Config{}
			cfg.defaults()
			var results []*ScoreResult
			for s := range k {
				sc := &pgs.Score{Path: fmt.Sprint("b", s), SHA256: strings.Repeat("0", 64), Header: pgs.Header{ID: fmt.Sprint("B", s)}}
				for _, v := range variants {
					v.Weight = rng.NormFloat64()
					sc.Variants.Append(v)
				}
				results = append(results, newResult(sc, gs.Build(), c))
			}
			sc := newScorer(results, c, &cfg)
			for _, r := range results {
				r.matches.ensure(0, r.matches.n)
			}
			ln := &lane{scorer: sc, acc: newAccum(k, len(names), false), reports: make([]MatchReport, k), listing: &listing{}}
			w := window{0, sc.nLoci()}
			ln.listLoci(w, sc.spans([]window{w}))
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			err := storeSource{gs, permit}.window(ctx, ln.wloci, names, nil, func(recs []record) error {
				start := threadCPU(b)
				for b.Loop() {
					ln.groups(recs)
				}
				b.ReportMetric(float64(threadCPU(b)-start)/float64(b.N), "cpu-ns/op")
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}

// threadCPU returns the CPU time of the calling thread (the machine may
// be shared: wall time then says little).
func threadCPU(b *testing.B) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(1, &ru); err != nil { // RUSAGE_THREAD
		b.Fatal(err)
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// benchInputs opens RISK_BENCH_STORE and reads RISK_BENCH_SCORE's first
// variants, or ingests a generated cohort and scores its sites.
func benchInputs(b *testing.B) (*genotypes.Store, []pgs.Variant) {
	var vs []pgs.Variant
	dir := os.Getenv("RISK_BENCH_STORE")
	if dir != "" {
		for _, v := range readScore(b, os.Getenv("RISK_BENCH_SCORE")).Variants.All() {
			if vs = append(vs, v); len(vs) == 5000 {
				break
			}
		}
	} else {
		rng := rand.New(rand.NewPCG(6, 7))
		var sites []testSite
		for i := range 2000 {
			s := testSite{pos: int64(1000 + 10*i), ref: "A", alts: []string{"G"}}
			x := rng.Float64()
			for range 2048 {
				s.gts = append(s.gts, drawGT(rng, 0.5*x*x*x, 1))
			}
			sites = append(sites, s)
			vs = append(vs, pgs.Variant{Chrom: "chr22", Pos: s.pos, EffectAllele: "G", OtherAllele: "A", EffectFreq: math.NaN()})
		}
		dir, _ = cohortStore(b, writeCohortVCF(b, b.TempDir(), "bench.vcf", sampleNames(2048), sites, nil))
	}
	gs, err := genotypes.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	return gs, vs
}
