package risk

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// finish computes averages, the reference distribution, z-scores,
// percentiles and abstentions.
func finish(r *ScoreResult, cfg *Config) {
	var sums []float64
	for i := range r.Samples {
		s := &r.Samples[i]
		s.Avg = math.NaN()
		if s.Denom > 0 {
			s.Avg = s.Sum / float64(s.Denom)
		}
		if s.Reference {
			sums = append(sums, s.Sum)
		}
	}
	slices.Sort(sums)
	r.Reference = ReferenceStats{N: len(sums), Sums: sums}
	r.Reference.Mean, r.Reference.SD = meanSD(sums)
	r.Abstain = scoreAbstention(r, cfg)
	for i := range r.Samples {
		s := &r.Samples[i]
		s.Z, s.Percentile = math.NaN(), math.NaN()
		if s.Abstain = sampleAbstention(r, s, cfg); s.Abstain != "" {
			continue
		}
		s.Z = (s.Sum - r.Reference.Mean) / r.Reference.SD
		s.Percentile = Percentile(sums, s.Sum)
	}
}

// meanSD returns the mean and the sample standard deviation.
func meanSD(x []float64) (float64, float64) {
	if len(x) == 0 {
		return math.NaN(), math.NaN()
	}
	var sum float64
	for _, v := range x {
		sum += v
	}
	mean := sum / float64(len(x))
	if len(x) < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(ss / float64(len(x)-1))
}

// Percentile returns the mid-rank percentile of x among sorted: the share
// below x plus half the share equal to it, × 100.
func Percentile(sorted []float64, x float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	lo := sort.SearchFloat64s(sorted, x)
	hi := lo
	for hi < len(sorted) && sorted[hi] == x {
		hi++
	}
	return 100 * (float64(lo) + 0.5*float64(hi-lo)) / float64(len(sorted))
}

// scoreAbstention says why no percentile is given for anyone, or "".
func scoreAbstention(r *ScoreResult, cfg *Config) string {
	rep := r.Report
	switch {
	case rep.MatchRate() < cfg.MinMatchRate:
		return fmt.Sprintf("only %d of the score's %d variants (%.1f%%) were found in the store, below the %.0f%% needed: the score would not be the one published",
			rep.Matched, rep.Variants, 100*rep.MatchRate(), 100*cfg.MinMatchRate)
	case r.Reference.N < cfg.MinReference:
		return fmt.Sprintf("the reference cohort has %d people, fewer than the %d needed for a percentile", r.Reference.N, cfg.MinReference)
	case !(r.Reference.SD > 0):
		return "the score does not vary in the reference cohort"
	}
	return ""
}

// sampleAbstention says why one sample gets no percentile, or "".
func sampleAbstention(r *ScoreResult, s *SampleScore, cfg *Config) string {
	if r.Abstain != "" {
		return r.Abstain
	}
	if m := r.Report.Matched; m > 0 && float64(s.Missing)/float64(m) > cfg.MaxMissingRate {
		return fmt.Sprintf("%d of the %d matched variants (%.1f%%) have no genotype for this person, above the %.0f%% allowed: their score leans on the cohort average",
			s.Missing, m, 100*float64(s.Missing)/float64(m), 100*cfg.MaxMissingRate)
	}
	return ""
}
