package risk

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk/pgs"
)

// Errors of Score.
var (
	// ErrBuildMismatch: the scoring file's build is not the store's.
	ErrBuildMismatch = errors.New("risk: genome build of the scoring file differs from the store's")
	// ErrNoBuild: the scoring file names no build and Config.Build is unset.
	ErrNoBuild = errors.New("risk: the scoring file names no genome build")
	// ErrNoOverlap: no variant of a scoring file is in the store.
	ErrNoOverlap = errors.New("risk: no variant of the scoring file is in the store")
	// ErrEmptyStore: the store holds no samples to score.
	ErrEmptyStore = errors.New("risk: the store holds no samples")
)

// Config tunes Score. The zero value is ready to use.
type Config struct {
	// Build is the build of scoring files that name none (PGS Catalog "NR");
	// it is refused for a file that names a different build. Empty: such
	// files are refused.
	Build genome.Build
	// Samples are the samples to score; nil means every live sample.
	Samples []string
	// Reference is the cohort for z-scores, percentiles and the allele
	// frequencies used for mean imputation; nil means every live sample.
	// Its samples are read (and their scores returned and stored) even
	// when they are not among Samples.
	Reference []string
	// NoMeanImputation leaves missing genotypes out (plink2
	// no-mean-imputation) instead of imputing ploidy × frequency.
	NoMeanImputation bool
	// MinMatchRate is the share of a score's variants that must be matched
	// for percentiles to be given; 0 means 0.75 (pgsc_calc's min_overlap).
	MinMatchRate float64
	// MaxMissingRate is the share of a person's matched variants that may be
	// missing (imputed) before their percentile is withheld; 0 means 0.1.
	MaxMissingRate float64
	// MinReference is the smallest reference cohort for percentiles; 0
	// means 100.
	MinReference int
	// MemoryBudget bounds the stored rows of calls held at once (each
	// lane's window of loci, counted as half a byte per sample and locus);
	// 0 means 512 MiB.
	MemoryBudget int64
	// Progress, when set, is called after each window with the windows done
	// and the total.
	Progress func(done, total int)
	// chunk, when set, is the variants a chunk of matches holds (and a
	// row group of risk_matches), instead of matchesChunk (tests), rounded
	// up to a power of two.
	chunk int
	// segment, when set, is the variants of each file RunFiles reads
	// ahead for a segment (tests).
	segment int
	// sortPart, when set, is the variants of each part RunFiles sorts of
	// a file not sorted (tests); else MemoryBudget / segmentBytes.
	sortPart int
}

func (c *Config) defaults() {
	if c.MinMatchRate <= 0 {
		c.MinMatchRate = 0.75
	}
	if c.MaxMissingRate <= 0 {
		c.MaxMissingRate = 0.1
	}
	if c.MinReference <= 0 {
		c.MinReference = 100
	}
	if c.MemoryBudget <= 0 {
		c.MemoryBudget = 512 << 20
	}
}

// VariantMatch is how one scoring variant was matched (ScoreResult.Match).
type VariantMatch struct {
	Variant pgs.Variant
	Orient  Orientation
	// Why explains a variant left out; empty for a used one.
	Why string
	// Ref and Alt are the store record's REF and the allele scored as the
	// effect allele (may be the REF); Index is its allele index.
	Ref, Alt string
	Index    int
	// Alts is the store record's ALT alleles, comma-separated.
	Alts string
	// CohortFreq is the effect allele's frequency among the genotyped
	// samples read; NaN when unmatched.
	CohortFreq float64
	// Missing counts samples whose genotype was missing here.
	Missing int
}

// MatchReport counts a score's variants by how they were matched.
type MatchReport struct {
	Variants          int // in the scoring file
	Matched           int // used in the score
	Direct, Swapped   int
	Flipped           int // strand flips (flipped and flipped-swapped)
	AmbiguousResolved int
	AmbiguousDropped  int
	NoSite            int // no record at the position
	AlleleMismatch    int // records at the position, other alleles
	MultiAllelic      int // matched at multi-allelic records
	Dominant          int // used with a dominant weight
	Recessive         int // used with a recessive weight
	// MissingGenotypes is the number of sample × variant genotypes that
	// were missing (mean-imputed unless NoMeanImputation).
	MissingGenotypes int
}

// add adds the counts of variants matched in another pass share (all but
// Variants, NoSite and AlleleMismatch, which are counted once at the end).
func (r *MatchReport) add(o MatchReport) {
	r.Matched += o.Matched
	r.Direct += o.Direct
	r.Swapped += o.Swapped
	r.Flipped += o.Flipped
	r.AmbiguousResolved += o.AmbiguousResolved
	r.AmbiguousDropped += o.AmbiguousDropped
	r.MultiAllelic += o.MultiAllelic
	r.Dominant += o.Dominant
	r.Recessive += o.Recessive
	r.MissingGenotypes += o.MissingGenotypes
}

// MatchRate is Matched / Variants.
func (r MatchReport) MatchRate() float64 {
	if r.Variants == 0 {
		return 0
	}
	return float64(r.Matched) / float64(r.Variants)
}

// SampleScore is one sample's score.
type SampleScore struct {
	Sample string
	// Sum is Σ weight × dosage (plink2 SCORE_SUM); Avg is Sum / Denom
	// (plink2 SCORE_AVG).
	Sum, Avg float64
	// AlleleCount is the number of alleles observed (plink2 ALLELE_CT);
	// Denom the number scored, imputed ones included (plink2 DENOM).
	AlleleCount, Denom int
	// DosageSum is the sum of observed effect allele dosages.
	DosageSum float64
	// Missing counts the matched variants where the genotype was missing
	// (mean-imputed unless Config.NoMeanImputation).
	Missing int
	// Z and Percentile place Sum in the reference cohort; NaN when
	// Abstain says why not.
	Z, Percentile float64
	Abstain       string
	// Reference is true when the sample is in the reference cohort.
	Reference bool
}

// ReferenceStats describes the reference cohort's distribution of Sum.
type ReferenceStats struct {
	N        int
	Mean, SD float64
	// Sums are the reference cohort's sums, sorted.
	Sums []float64
}

// ScoreResult is one scoring file's result.
type ScoreResult struct {
	ID, Path, SHA256 string
	// Version identifies the result: "ID@" + the first 12 hex digits of the
	// file checksum.
	Version string
	Build   genome.Build
	// Header is the scoring file's header values (trait, weight type...).
	Header map[string]string
	Report MatchReport
	// Variants are the scoring file's variants (shared with its Score);
	// Match tells how each was matched.
	Variants  *pgs.Table
	matches   *matchStore
	alleles   *alleleTable
	Samples   []SampleScore
	Reference ReferenceStats
	// Abstain, when set, is why no percentile is given for anyone.
	Abstain string
}

// VersionOf returns the result version of a scoring file.
func VersionOf(s *pgs.Score) string { return s.ID() + "@" + s.SHA256[:12] }

// checkBuild returns the build a score is in, or why it cannot be scored
// against a store of build store.
func checkBuild(s *pgs.Score, store, given genome.Build) (genome.Build, error) {
	b := s.Header.Build
	switch {
	case b == genome.UnknownBuild && given == genome.UnknownBuild:
		return "", fmt.Errorf("%s: %w (genome_build %q); give the build it uses (--build GRCh37 or GRCh38)", s.Path, ErrNoBuild, s.Header.BuildText)
	case b == genome.UnknownBuild:
		b = given
	case given != genome.UnknownBuild && given != b:
		return "", fmt.Errorf("%s: %w: the file says %s, --build says %s", s.Path, ErrBuildMismatch, b, given)
	}
	if b != store {
		return "", fmt.Errorf("%s: %w: the scoring file is %s, the store is %s; use a scoring file harmonised to %s (PGS Catalog hm_pos)", s.Path, ErrBuildMismatch, b, store, store)
	}
	return b, nil
}

// Score computes every scoring file's scores for the store's samples in
// one pass over the genotypes, holding each variant's match (see Match).
// Nothing is written: see Write, and Run, which writes the matches as it
// goes instead of holding them.
func Score(ctx context.Context, gs *genotypes.Store, permit genotypes.Permit, scores []*pgs.Score, cfg Config) ([]*ScoreResult, error) {
	results, cohort, err := prepare(gs, scores, &cfg)
	if err != nil {
		return nil, err
	}
	sc := newScorer(results, cohort, &cfg)
	if err := sc.run(ctx, storeSource{gs, permit}); err != nil {
		return nil, err
	}
	return results, finishAll(results, &cfg)
}

// prepare checks the scores' builds and makes their results for the
// cohort of cfg (defaults set).
func prepare(gs *genotypes.Store, scores []*pgs.Score, cfg *Config) ([]*ScoreResult, *cohort, error) {
	cfg.defaults()
	if len(scores) == 0 {
		return nil, nil, errors.New("risk: no scoring file")
	}
	cohort, err := cohortOf(gs, cfg)
	if err != nil {
		return nil, nil, err
	}
	results := make([]*ScoreResult, len(scores))
	for k, s := range scores {
		b, err := checkBuild(s, gs.Build(), cfg.Build)
		if err != nil {
			return nil, nil, err
		}
		results[k] = newResult(s, b, cohort)
		if cfg.chunk > 0 {
			results[k].matches = newMatchStore(s.Variants.Len(), cfg.chunk)
		}
	}
	return results, cohort, nil
}

// finishAll refuses a score none of whose variants matched, and computes
// the others' z-scores, percentiles and abstentions.
func finishAll(results []*ScoreResult, cfg *Config) error {
	for _, r := range results {
		if r.Report.Matched == 0 {
			return fmt.Errorf("%s: %w (0 of %d variants matched: %d positions without a record, %d with other alleles, %d strand-ambiguous dropped)",
				r.Path, ErrNoOverlap, r.Report.Variants, r.Report.NoSite, r.Report.AlleleMismatch, r.Report.AmbiguousDropped)
		}
	}
	for _, r := range results {
		finish(r, cfg)
	}
	return nil
}

// cohort is the samples read: the scored ones first, then reference-only
// ones.
type cohort struct {
	names  []string
	scored int    // names[:scored] are scored
	ref    []bool // in the reference cohort
}

func cohortOf(gs *genotypes.Store, cfg *Config) (*cohort, error) {
	all, err := gs.Samples()
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, ErrEmptyStore
	}
	scored := cfg.Samples
	if scored == nil {
		scored = all
	}
	reference := cfg.Reference
	if reference == nil {
		reference = all
	}
	for _, list := range [][]string{cfg.Samples, cfg.Reference} {
		for _, n := range list {
			if ok, err := gs.HasSample(n); err != nil {
				return nil, err
			} else if !ok {
				return nil, fmt.Errorf("risk: sample %q: %w", n, genotypes.ErrUnknownSample)
			}
		}
	}
	c := &cohort{names: slices.Clone(scored), scored: len(scored)}
	idx := map[string]int{}
	for i, n := range c.names {
		if _, dup := idx[n]; dup {
			return nil, fmt.Errorf("risk: sample %q named twice", n)
		}
		idx[n] = i
	}
	c.ref = make([]bool, len(c.names))
	for _, n := range reference {
		i, ok := idx[n]
		if !ok {
			i = len(c.names)
			c.names = append(c.names, n)
			c.ref = append(c.ref, false)
			idx[n] = i
		}
		c.ref[i] = true
	}
	return c, nil
}

func newResult(s *pgs.Score, b genome.Build, c *cohort) *ScoreResult {
	r := &ScoreResult{ID: s.ID(), Path: s.Path, SHA256: s.SHA256, Version: VersionOf(s), Build: b, Header: s.Header.Values,
		Variants: &s.Variants, matches: newMatchStore(s.Variants.Len(), matchesChunk)}
	r.Report.Variants = s.Variants.Len()
	r.Samples = make([]SampleScore, len(c.names))
	for i, n := range c.names {
		r.Samples[i] = SampleScore{Sample: n, Reference: c.ref[i]}
	}
	return r
}
