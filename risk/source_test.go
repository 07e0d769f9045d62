package risk

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk/pgs"
)

// memSource holds records in memory (tests and benchmarks of the scoring
// side alone). Codes are in cohort order already.
type memSource []*genotypes.Record

func (m memSource) window(ctx context.Context, loci []genome.Locus, _ []string, _ *genotypes.DenseBuffers, fn func([]record) error) error {
	want := make(map[genome.Locus]bool, len(loci))
	for _, l := range loci {
		want[l] = true
	}
	var recs []record
	for _, r := range m {
		if want[genome.Locus{Chrom: r.Chrom, Pos: r.Pos}] {
			recs = append(recs, record{&r.SiteInfo, r})
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(recs)
}

// randomRecords returns n records at chr1:1..n with random genotype codes
// for samples: called diploid and haploid genotypes, missing and
// half-missing calls, and a second record (other ALT) at every 7th
// position.
func randomRecords(rng *rand.Rand, n, samples int) memSource {
	return genRecords(rng, n, samples, func() float64 { return rng.Float64() }, 0.03, 0.02, 0.1)
}

// realisticRecords are like a biobank's: rare-skewed allele frequencies,
// 1% missing calls, no haploid calls (autosomes).
func realisticRecords(rng *rand.Rand, n, samples int) memSource {
	return genRecords(rng, n, samples, func() float64 { x := rng.Float64(); return 0.5 * x * x * x }, 0.01, 0, 0)
}

// genRecords draws records with allele frequencies from freq and the
// given rates of missing, half-missing and haploid calls.
func genRecords(rng *rand.Rand, n, samples int, freq func() float64, missing, half, haploid float64) memSource {
	var out memSource
	for p := 1; p <= n; p++ {
		alts := []string{"G"}
		if p%5 == 0 {
			alts = []string{"G", "T"}
		}
		out = append(out, randomRecord(rng, int64(p), alts, samples, freq(), missing, half, haploid))
		if p%7 == 0 {
			out = append(out, randomRecord(rng, int64(p), []string{"C"}, samples, freq(), missing, half, haploid))
		}
	}
	return out
}

func randomRecord(rng *rand.Rand, pos int64, alts []string, samples int, f, missing, half, haploid float64) *genotypes.Record {
	r := &genotypes.Record{SiteInfo: genotypes.SiteInfo{Chrom: "chr1", Pos: pos, End: pos, Ref: "A", Alts: alts}, Codes: make([]int32, samples)}
	allele := func() int {
		if rng.Float64() < f {
			return 1 + rng.IntN(len(alts))
		}
		return 0
	}
	for i := range r.Codes {
		switch x := rng.Float64(); {
		case x < missing:
			r.Codes[i] = genome.EncodeDiploid(genome.Missing, genome.Missing, false)
		case x < missing+half:
			r.Codes[i] = genome.EncodeDiploid(allele(), genome.Missing, true)
		case x < missing+half+haploid:
			r.Codes[i] = genome.EncodeHaploid(allele())
		default:
			r.Codes[i] = genome.EncodeDiploid(allele(), allele(), x < 0.5)
		}
	}
	// The site default: the store keeps the majority genotype; random
	// records take any, missing and haploid ones too, to try every path.
	r.DefaultGT = r.Codes[0]
	if haploid == 0 {
		seen := map[int32]int{}
		for _, c := range r.Codes {
			if seen[c]++; seen[c] > seen[r.DefaultGT] {
				r.DefaultGT = c
			}
		}
	}
	return r
}

// denseSums is the plain reference computation: every sample, every used
// variant, from the records directly (the first record at the position
// where the sample is called).
func denseSums(recs memSource, r *ScoreResult, noImpute bool) []SampleScore {
	out := make([]SampleScore, len(r.Samples))
	for _, m := range r.Matches() {
		if !m.Orient.Used() {
			continue
		}
		type hit struct {
			rec   *genotypes.Record
			index int
		}
		var hits []hit
		for _, rec := range recs {
			if rec.Pos == m.Variant.Pos {
				if sm := matchAlleles(m.Variant.EffectAllele, m.Variant.OtherAllele, rec.Ref, rec.Alts); sm.index >= 0 {
					hits = append(hits, hit{rec, sm.index})
				}
			}
		}
		v := m.Variant
		for i := range out {
			d, p := int8(0), int8(0)
			for _, h := range hits {
				x := genotypes.CodeDosage(h.rec.Codes[i], h.index)
				if d, p = int8(x.Count()), int8(x.Ploidy()); p > 0 {
					break
				}
			}
			s := &out[i]
			if p == 0 {
				s.Missing++
				if !noImpute && !math.IsNaN(m.CohortFreq) {
					imp := 2 * m.CohortFreq
					if v.Dominant || v.Recessive {
						imp = m.CohortFreq
					}
					s.Sum += v.Weight * imp
					s.Denom += 2
				}
				continue
			}
			s.Sum += v.Weight * weighted(d, p, v.Dominant, v.Recessive)
			s.AlleleCount += int(p)
			s.Denom += int(p)
			s.DosageSum += float64(d)
		}
	}
	return out
}

// TestSparseEqualsDense checks the scorer's sparse accumulation (baseline
// plus differing samples, shared decodings) against the dense reference
// on random records, for several scores sharing variants at once: six
// scores each using a random three quarters of the variants, so that the
// sets of scores sharing a decoding outnumber maxSharedGroups (some
// counters go to shared groups, the rest to each score's own).
func TestSparseEqualsDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const samples, positions = 300, 400
	recs := randomRecords(rng, positions, samples)
	var scores []*pgs.Score
	for k := range 6 {
		s := &pgs.Score{Path: fmt.Sprintf("s%d.txt", k), SHA256: strings.Repeat("0", 64), Header: pgs.Header{ID: fmt.Sprintf("S%d", k)}}
		for p := 1; p <= positions; p++ {
			if rng.IntN(4) == 0 {
				continue
			}
			v := pgs.Variant{Chrom: "chr1", Pos: int64(p), EffectAllele: "G", OtherAllele: "A", Weight: rng.NormFloat64(), EffectFreq: math.NaN()}
			switch rng.IntN(4) {
			case 0:
				v.EffectAllele, v.OtherAllele = "A", "G" // effect on REF
			case 1:
				v.EffectAllele, v.OtherAllele = "C", "T" // strand flip of A>G
			}
			v.Dominant = k == 1 && p%3 == 0
			v.Recessive = k == 2 && p%3 == 0
			s.Variants.Append(v)
		}
		scores = append(scores, s)
	}
	names := make([]string, samples)
	for i := range names {
		names[i] = fmt.Sprint("S", i)
	}
	var reports [][]MatchReport
	for _, run := range []struct {
		noImpute bool
		budget   int64
	}{{false, 0}, {true, 0}, {false, 1}, {true, 1}} {
		// Budget 1: windows of 64 loci, dealt to every lane.
		noImpute := run.noImpute
		c := &cohort{names: names, scored: samples, ref: make([]bool, samples)}
		for i := range c.ref {
			c.ref[i] = i%4 != 0 // a reference cohort smaller than the scored samples
		}
		cfg := Config{NoMeanImputation: noImpute, MemoryBudget: run.budget}
		cfg.defaults()
		var results []*ScoreResult
		for _, s := range scores {
			results = append(results, newResult(s, "GRCh38", c))
		}
		sc := newScorer(results, c, &cfg)
		if n := len(sc.windows()); (run.budget == 1) != (n > lanes) {
			t.Fatalf("budget %d: %d windows", run.budget, n)
		}
		if err := sc.run(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		var reps []MatchReport
		for k, r := range results {
			reps = append(reps, r.Report)
			want := denseSums(recs, r, noImpute)
			if r.Report.Matched == 0 || r.Report.MultiAllelic == 0 || r.Report.MissingGenotypes == 0 {
				t.Fatalf("score %d covers too little: %+v", k, r.Report)
			}
			for i, s := range r.Samples {
				w := want[i]
				if math.Abs(s.Sum-w.Sum) > 1e-9*max(1, math.Abs(w.Sum)) || s.AlleleCount != w.AlleleCount || s.Denom != w.Denom ||
					s.Missing != w.Missing || math.Abs(s.DosageSum-w.DosageSum) > 1e-9 {
					t.Fatalf("%+v score %d sample %d: got sum %v alleles %d denom %d missing %d dosage %v, want %+v",
						run, k, i, s.Sum, s.AlleleCount, s.Denom, s.Missing, s.DosageSum, w)
				}
			}
		}
		reports = append(reports, reps)
	}
	// One window or many lanes: the same match reports.
	if !slices.Equal(reports[0], reports[2]) || !slices.Equal(reports[1], reports[3]) {
		t.Errorf("match reports differ between one window and many lanes:\n%+v\n%+v", reports[0], reports[2])
	}
}

// benchScores returns k scores over every position of recs with
// different weights.
func benchScores(rng *rand.Rand, recs memSource, k int) []*pgs.Score {
	var out []*pgs.Score
	for s := range k {
		sc := &pgs.Score{Path: fmt.Sprint("b", s), SHA256: strings.Repeat("0", 64), Header: pgs.Header{ID: fmt.Sprint("B", s)}}
		last := int64(0)
		for _, r := range recs {
			if r.Pos != last {
				sc.Variants.Append(pgs.Variant{Chrom: r.Chrom, Pos: r.Pos, EffectAllele: "G", OtherAllele: "A", Weight: rng.NormFloat64(), EffectFreq: math.NaN()})
				last = r.Pos
			}
		}
		out = append(out, sc)
	}
	return out
}

// BenchmarkScoringSide measures the scoring side alone (matching,
// decoding, accumulation; records already in memory) for 1 and 10 scores
// over 2,000 samples × 20,000 positions.
func BenchmarkScoringSide(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	const samples = 2000
	recs := realisticRecords(rng, 20000, samples)
	names := make([]string, samples)
	for i := range names {
		names[i] = fmt.Sprint("S", i)
	}
	for _, k := range []int{1, 10} {
		scores := benchScores(rng, recs, k)
		b.Run(fmt.Sprint(k, "scores"), func(b *testing.B) {
			for b.Loop() {
				c := &cohort{names: names, scored: samples, ref: make([]bool, samples)}
				for i := range c.ref {
					c.ref[i] = true
				}
				cfg := Config{}
				cfg.defaults()
				var results []*ScoreResult
				for _, s := range scores {
					results = append(results, newResult(s, "GRCh38", c))
				}
				if err := newScorer(results, c, &cfg).run(context.Background(), recs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMergeSortedEqualsIndex: the loci and the variants at each listed by
// merging sorted scoring files equal those listed through the map, with
// repeated positions, several chromosomes and scores over different
// variants; an unsorted file is refused by the merge and listed by the map.
func TestMergeSortedEqualsIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	c := &cohort{names: []string{"A"}, scored: 1, ref: []bool{true}}
	var results []*ScoreResult
	for k := range 5 {
		s := &pgs.Score{Path: fmt.Sprint(k), SHA256: strings.Repeat("0", 64), Header: pgs.Header{ID: fmt.Sprint("S", k)}}
		for _, chrom := range []string{"chr2", "chr10", "chrX", "chrUn_x"} {
			pos := int64(0)
			for range rng.IntN(40) {
				pos += int64(rng.IntN(3))
				s.Variants.Append(pgs.Variant{Chrom: chrom, Pos: pos, EffectAllele: "A", EffectFreq: math.NaN()})
			}
		}
		results = append(results, newResult(s, "GRCh38", c))
	}
	cfg := Config{}
	cfg.defaults()
	merged := &scorer{results: results}
	if !merged.mergeSorted() {
		t.Fatal("sorted files refused by the merge")
	}
	merged.sorted = true
	indexed := &scorer{results: results}
	indexed.indexAll()
	all := window{0, merged.nLoci()}
	mrefs, mat := merged.refsOf(all, merged.spans([]window{all}), nil, nil)
	irefs, iat := indexed.refsOf(all, indexed.spans([]window{all}), nil, nil)
	if merged.nLoci() == 0 || !slices.Equal(merged.start, indexed.start) || !slices.Equal(mrefs, irefs) || !slices.Equal(mat, iat) {
		t.Fatalf("loci differ:\n%v %v\n%v %v", merged.start, mrefs, indexed.start, irefs)
	}
	// Listed window by window, the variants are the same.
	var ws []window
	for from := 0; from < all.to; from += 7 {
		ws = append(ws, window{from, min(from+7, all.to)})
	}
	spans := merged.spans(ws)
	var byWindow []varRef
	for i, w := range ws {
		refs, _ := merged.refsOf(w, spans[i*len(results):(i+1)*len(results)], nil, nil)
		byWindow = append(byWindow, refs...)
	}
	if !slices.Equal(byWindow, mrefs) {
		t.Fatalf("listed by windows of 7 loci:\n%v\nwhole:\n%v", byWindow, mrefs)
	}
	for i := range merged.nLoci() {
		if merged.locus(i) != indexed.locus(i) {
			t.Fatalf("locus %d: merge %v, map %v", i, merged.locus(i), indexed.locus(i))
		}
	}
	var vs []pgs.Variant
	for _, v := range results[2].Variants.All() {
		vs = append(vs, v)
	}
	vs[0], vs[len(vs)-1] = vs[len(vs)-1], vs[0]
	swapped := pgs.TableOf(vs...)
	results[2].Variants = &swapped
	if (&scorer{results: results}).mergeSorted() {
		t.Fatal("an unsorted file merged")
	}
	sc := newScorer(results, c, &cfg)
	var loci []genome.Locus
	for i := range sc.nLoci() {
		loci = append(loci, sc.locus(i))
	}
	if len(loci) != indexed.nLoci() || !slices.IsSortedFunc(loci, func(a, b genome.Locus) int { return compareLoci(keyOfLocus(a), keyOfLocus(b)) }) {
		t.Fatalf("unsorted file: %d loci, want %d, sorted", len(loci), indexed.nLoci())
	}
}

// TestResultMemoryPerVariant: a scored result holds at most 40 bytes per
// variant of its scoring file beyond the file itself (a 32-byte match;
// the scorer's index of loci is gone once scored), for ten scores of
// 100,000 variants each.
func TestResultMemoryPerVariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	const samples, variants, k = 10, 100000, 10
	recs := realisticRecords(rng, 2000, samples)
	var scores []*pgs.Score
	for s := range k {
		sc := &pgs.Score{Path: fmt.Sprint("m", s), SHA256: strings.Repeat("0", 64), Header: pgs.Header{ID: fmt.Sprint("M", s)}}
		sc.Variants.Grow(variants)
		for p := 1; p <= variants; p++ {
			sc.Variants.Append(pgs.Variant{RsID: fmt.Sprint("rs", p), Chrom: "chr1", Pos: int64(p), EffectAllele: "G", OtherAllele: "A", Weight: rng.NormFloat64(), EffectFreq: math.NaN(), Line: p})
		}
		scores = append(scores, sc)
	}
	c := &cohort{names: sampleNames(samples), scored: samples, ref: slices.Repeat([]bool{true}, samples)}
	cfg := Config{}
	cfg.defaults()
	before := heapBytes()
	var results []*ScoreResult
	for _, s := range scores {
		results = append(results, newResult(s, "GRCh38", c))
	}
	if err := newScorer(results, c, &cfg).run(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	perVariant := float64(heapBytes()-before) / (k * variants)
	if results[3].Report.Matched != 2000 || results[3].Match(variants-1).Orient != NoSite {
		t.Fatalf("report %+v", results[3].Report)
	}
	t.Logf("%.1f bytes a variant and score", perVariant)
	if perVariant > 40 {
		t.Errorf("%.1f bytes a variant and score held by the results, want at most 40", perVariant)
	}
}

// heapBytes returns the live heap: after two collections, so that what
// sync.Pools held is gone too.
func heapBytes() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
