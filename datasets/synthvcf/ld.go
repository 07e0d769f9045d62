package synthvcf

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
)

// Model names the genotype model of a Config.
type Model string

// The genotype models.
const (
	// ModelLD (the default) gives haplotype structure: each chromosome copy
	// of each sample is a mosaic of a small founder panel, as in the
	// Li–Stephens copying model. Along a chromosome a copy switches to a
	// founder chosen uniformly at random with probability 1-exp(-d/L) over
	// d bases since the previous site (L = founderTract). At a site with
	// ALT frequency f, floor(f·K) founders of the K carry the ALT; one more
	// founder carries it as a recent mutation on that haplotype background,
	// present on a copy of that founder with probability frac(f·K). The
	// expected ALT frequency is f, exactly as in ModelIndependent, but
	// neighbouring sites are in linkage disequilibrium and rare variants
	// sit on shared haplotypes. The two copies of a sample copy
	// independently, so genotypes keep Hardy–Weinberg proportions.
	ModelLD Model = "ld"
	// ModelIndependent draws every chromosome copy at every site
	// independently (no linkage disequilibrium): the model before LD.
	ModelIndependent Model = "independent"
)

// Fixed parts of the LD model.
const (
	// founderHaplotypes is the panel size K.
	founderHaplotypes = 64
	// founderTract is the mean length in bases of a copied segment:
	// K / (4·Ne·r) with Ne = 10,000 and r = 1e-8 per base (Li and
	// Stephens 2003's switch rate ρ/K with ρ = 4·Ne·r).
	founderTract = founderHaplotypes / (4 * 10000 * 1e-8)
	// founderOrderTract is the mean distance between changes of the
	// founders' genealogical order.
	founderOrderTract = 20000
)

// ParseModel parses a model name; "" is ModelLD.
func ParseModel(s string) (Model, error) {
	switch Model(s) {
	case "", ModelLD:
		return ModelLD, nil
	case ModelIndependent:
		return ModelIndependent, nil
	}
	return "", fmt.Errorf("synthvcf: model %q: want %q or %q", s, ModelLD, ModelIndependent)
}

// ldState is the copying state of every chromosome copy of the cohort.
type ldState struct {
	copying []uint8 // founder each chromosome copy copies (2 per sample)
	chrom   string
	pos     int64
	// Founder alleles of the current site: full[k] is the allele founder
	// k carries; partial[k] > 0 marks the founder carrying ALT partial[k]
	// on a copy with probability prob[k].
	full    [founderHaplotypes]int8
	partial [founderHaplotypes]int8
	prob    [founderHaplotypes]float64
	order   [founderHaplotypes]uint8
	ordered bool
}

func newLDState(slots int) *ldState {
	return &ldState{copying: make([]uint8, slots)}
}

// advance moves every copy to the site at chrom:pos, switching founders
// with the probability of a recombination since the previous site (every
// copy draws afresh on a new chromosome).
//
// It reports whether the founders' own order changes at this site (a
// recombination among founders, at rate 1/founderOrderTract per base).
func (s *ldState) advance(rng *rand.Rand, chrom string, pos int64) (moved bool) {
	p := 1.0
	if chrom == s.chrom && pos >= s.pos {
		d := float64(pos - s.pos)
		p = -math.Expm1(-d / founderTract)
		moved = rng.Float64() < -math.Expm1(-d/founderOrderTract)
	} else {
		s.ordered = false
	}
	s.chrom, s.pos = chrom, pos
	n := len(s.copying)
	if p >= 0.1 {
		for k := range s.copying {
			if p >= 1 || rng.Float64() < p {
				s.copying[k] = uint8(rng.IntN(founderHaplotypes))
			}
		}
		return moved
	}
	if p <= 0 {
		return moved
	}
	// Few switches: skip between them with geometric gaps.
	lq := math.Log1p(-p)
	for k := -1; ; {
		gap := math.Log(1-rng.Float64()) / lq
		if gap >= float64(n-k) {
			return moved
		}
		k += 1 + int(gap)
		if k >= n {
			return moved
		}
		s.copying[k] = uint8(rng.IntN(founderHaplotypes))
	}
}

// panel assigns the ALT alleles of frequencies afs to the founders. The
// founders themselves are related: they stand in a genealogical order
// that changes slowly along the chromosome (a founder moves to a new
// place at a recombination), and an allele is carried by a run of
// founders adjacent in that order, as a mutation on a branch of their
// tree is; so carrier sets of nearby sites nest or overlap.
func (s *ldState) panel(rng *rand.Rand, afs []float64, moved bool) {
	clear(s.full[:])
	clear(s.partial[:])
	if !s.ordered {
		for i := range s.order {
			s.order[i] = uint8(i)
		}
		rng.Shuffle(len(s.order), func(i, j int) { s.order[i], s.order[j] = s.order[j], s.order[i] })
		s.ordered = true
	} else if moved {
		// One founder recombines: it leaves its place and joins another.
		from, to := rng.IntN(founderHaplotypes), rng.IntN(founderHaplotypes)
		f := s.order[from]
		if from < to {
			copy(s.order[from:to], s.order[from+1:to+1])
		} else {
			copy(s.order[to+1:from+1], s.order[to:from])
		}
		s.order[to] = f
	}
	taken := 0
	for j, f := range afs {
		c := f * founderHaplotypes
		whole := int(c)
		frac := c - float64(whole)
		span := whole
		if frac > 0 {
			span++
		}
		if span == 0 || taken+span > founderHaplotypes {
			continue
		}
		// A run of span founders, starting at a multiple of the largest
		// power of two not above span: like a branch of a balanced tree,
		// so that sites of similar frequency often share carriers.
		g := 1 << (bits.Len(uint(span)) - 1)
		start := taken + g*rng.IntN((founderHaplotypes-taken-span)/g+1)
		for k := start; k < start+whole; k++ {
			s.full[s.order[k]] = int8(j + 1)
		}
		if frac > 0 {
			k := s.order[start+whole]
			s.partial[k], s.prob[k] = int8(j+1), frac
		}
		// A second ALT takes founders after the first's run.
		taken = start + span
	}
}

// alleles fills the non-haploid slots of al by copying the founders.
func (s *ldState) alleles(rng *rand.Rand, al []int) {
	for k, f := range s.copying {
		if al[k] == Haploid {
			continue
		}
		a := int(s.full[f])
		if s.partial[f] != 0 && rng.Float64() < s.prob[f] {
			a = int(s.partial[f])
		}
		al[k] = a
	}
}

// Copier draws the alleles of a set of chromosome copies site by site
// with the ModelLD copying model, for a generator that places its own
// sites (the synthetic biobank's background sites). Sites must come in
// chromosome, position order.
type Copier struct {
	s   *ldState
	rng *rand.Rand
}

// NewCopier returns a Copier of copies chromosome copies; the alleles it
// draws are a pure function of seed and the sites asked for.
func NewCopier(seed uint64, copies int) *Copier {
	return &Copier{s: newLDState(copies), rng: rand.New(rand.NewPCG(seed, 0x1d1d1d1d1d1d1d1d))}
}

// Alleles fills al (one entry per copy; entries equal to Haploid are left
// alone) with the alleles at chrom:pos of a site whose ALT alleles have
// frequencies afs.
func (c *Copier) Alleles(chrom string, pos int64, afs []float64, al []int) {
	moved := c.s.advance(c.rng, chrom, pos)
	c.s.panel(c.rng, afs, moved)
	c.s.alleles(c.rng, al)
}
