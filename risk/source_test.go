package risk

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk/pgs"
)

// memSource holds records in memory (tests and benchmarks of the scoring
// side alone). Codes are in cohort order already.
type memSource []*genotypes.Record

func (m memSource) window(ctx context.Context, loci []genome.Locus, _ []string, fn func([]*genotypes.Record) error) error {
	want := make(map[genome.Locus]bool, len(loci))
	for _, l := range loci {
		want[l] = true
	}
	var recs []*genotypes.Record
	for _, r := range m {
		if want[genome.Locus{Chrom: r.Chrom, Pos: r.Pos}] {
			recs = append(recs, r)
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
	var out memSource
	for p := 1; p <= n; p++ {
		alts := []string{"G"}
		if p%5 == 0 {
			alts = []string{"G", "T"}
		}
		out = append(out, randomRecord(rng, int64(p), alts, samples))
		if p%7 == 0 {
			out = append(out, randomRecord(rng, int64(p), []string{"C"}, samples))
		}
	}
	return out
}

func randomRecord(rng *rand.Rand, pos int64, alts []string, samples int) *genotypes.Record {
	r := &genotypes.Record{SiteInfo: genotypes.SiteInfo{Chrom: "chr1", Pos: pos, End: pos, Ref: "A", Alts: alts}, Codes: make([]int32, samples)}
	f := rng.Float64()
	allele := func() int {
		if rng.Float64() < f {
			return 1 + rng.IntN(len(alts))
		}
		return 0
	}
	for i := range r.Codes {
		switch x := rng.Float64(); {
		case x < 0.03:
			r.Codes[i] = genome.EncodeDiploid(genome.Missing, genome.Missing, false)
		case x < 0.05:
			r.Codes[i] = genome.EncodeDiploid(allele(), genome.Missing, true)
		case x < 0.15:
			r.Codes[i] = genome.EncodeHaploid(allele())
		default:
			r.Codes[i] = genome.EncodeDiploid(allele(), allele(), x < 0.5)
		}
	}
	return r
}

// denseSums is the plain reference computation: every sample, every used
// variant, from the records directly (the first record at the position
// where the sample is called).
func denseSums(recs memSource, r *ScoreResult, noImpute bool) []SampleScore {
	out := make([]SampleScore, len(r.Samples))
	for _, m := range r.Matches {
		if !m.Orient.Used() {
			continue
		}
		var hits []recIndex
		for _, rec := range recs {
			if rec.Pos == m.Variant.Pos {
				if sm := matchAlleles(m.Variant.EffectAllele, m.Variant.OtherAllele, rec.Ref, rec.Alts); sm.index >= 0 {
					hits = append(hits, recIndex{rec, sm.index})
				}
			}
		}
		v := m.Variant
		for i := range out {
			d, p := int8(0), int8(0)
			for _, h := range hits {
				if d, p = codeDosage(h.rec.Codes[i], int32(h.index+1)); p > 0 {
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
// on random records, for several scores sharing variants at once.
func TestSparseEqualsDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const samples, positions = 300, 400
	recs := randomRecords(rng, positions, samples)
	var scores []*pgs.Score
	for k := range 4 {
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
			s.Variants = append(s.Variants, v)
		}
		scores = append(scores, s)
	}
	names := make([]string, samples)
	for i := range names {
		names[i] = fmt.Sprint("S", i)
	}
	for _, noImpute := range []bool{false, true} {
		c := &cohort{names: names, scored: samples, ref: make([]bool, samples)}
		for i := range c.ref {
			c.ref[i] = i%4 != 0 // a reference cohort smaller than the scored samples
		}
		cfg := Config{NoMeanImputation: noImpute}
		cfg.defaults()
		var results []*ScoreResult
		for _, s := range scores {
			results = append(results, newResult(s, "GRCh38", c))
		}
		if err := newScorer(results, c, &cfg).run(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		for k, r := range results {
			want := denseSums(recs, r, noImpute)
			if r.Report.Matched == 0 || r.Report.MultiAllelic == 0 || r.Report.MissingGenotypes == 0 {
				t.Fatalf("score %d covers too little: %+v", k, r.Report)
			}
			for i, s := range r.Samples {
				w := want[i]
				if math.Abs(s.Sum-w.Sum) > 1e-9*max(1, math.Abs(w.Sum)) || s.AlleleCount != w.AlleleCount || s.Denom != w.Denom ||
					s.Missing != w.Missing || math.Abs(s.DosageSum-w.DosageSum) > 1e-9 {
					t.Fatalf("noImpute %v score %d sample %d: got sum %v alleles %d denom %d missing %d dosage %v, want %+v",
						noImpute, k, i, s.Sum, s.AlleleCount, s.Denom, s.Missing, s.DosageSum, w)
				}
			}
		}
	}
}
