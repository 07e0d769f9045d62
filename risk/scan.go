package risk

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
)

// varRef is one scoring variant: score k, variant j.
type varRef struct{ k, j int }

// scorer holds the state of one pass over the genotypes.
type scorer struct {
	results []*ScoreResult
	cohort  *cohort
	cfg     *Config
	byLocus map[genome.Locus][]varRef
	loci    []genome.Locus

	// scratch, one entry per cohort sample
	dos    []int8 // effect allele dosage; -1 missing
	ploidy []int8
	buf    []int
	// dosFor is what dos holds (the single record and allele index it
	// was decoded for) and dosFreq its frequency: scores sharing a
	// variant decode it once.
	dosFor  recIndex
	dosFreq float64
}

func newScorer(results []*ScoreResult, c *cohort, cfg *Config) *scorer {
	sc := &scorer{results: results, cohort: c, cfg: cfg, byLocus: map[genome.Locus][]varRef{},
		dos: make([]int8, len(c.names)), ploidy: make([]int8, len(c.names))}
	for k, r := range results {
		for j, m := range r.Matches {
			l := genome.Locus{Chrom: m.Variant.Chrom, Pos: m.Variant.Pos}
			if _, ok := sc.byLocus[l]; !ok {
				sc.loci = append(sc.loci, l)
			}
			sc.byLocus[l] = append(sc.byLocus[l], varRef{k, j})
		}
	}
	slices.SortFunc(sc.loci, func(a, b genome.Locus) int {
		ra, na := genome.ChromRank(a.Chrom)
		rb, nb := genome.ChromRank(b.Chrom)
		return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(na, nb), cmp.Compare(a.Pos, b.Pos))
	})
	return sc
}

// windows splits the sorted loci into reads of at most as many loci as
// the memory budget allows codes for (one read may span chromosomes, so
// each stored row group of calls is decoded about once).
func (sc *scorer) windows() [][]genome.Locus {
	maxLoci := max(int(sc.cfg.MemoryBudget/int64(4*len(sc.cohort.names)+64)), 64)
	var out [][]genome.Locus
	for start := 0; start < len(sc.loci); start += maxLoci {
		out = append(out, sc.loci[start:min(start+maxLoci, len(sc.loci))])
	}
	return out
}

// run reads every window and scores the records at the scoring loci.
func (sc *scorer) run(ctx context.Context, gs *genotypes.Store, permit genotypes.Permit) error {
	ws := sc.windows()
	for wi, w := range ws {
		recs, err := gs.SitesAt(ctx, permit, w, sc.cohort.names)
		if err != nil {
			return fmt.Errorf("risk: reading the genotypes: %w", err)
		}
		for start := 0; start < len(recs); {
			end := start + 1
			for end < len(recs) && recs[end].Pos == recs[start].Pos && recs[end].Chrom == recs[start].Chrom {
				end++
			}
			sc.group(recs[start:end])
			start = end
		}
		sc.dosFor = recIndex{} // the window's records are released
		if sc.cfg.Progress != nil {
			sc.cfg.Progress(wi+1, len(ws))
		}
	}
	return ctx.Err()
}

// recIndex is the effect allele's index at one record.
type recIndex struct {
	rec   *genotypes.Record
	index int
}

// group scores the records at one position for every scoring variant
// there.
func (sc *scorer) group(recs []*genotypes.Record) {
	l := genome.Locus{Chrom: recs[0].Chrom, Pos: recs[0].Pos}
	for _, vr := range sc.byLocus[l] {
		sc.variant(vr, recs)
	}
}

func (sc *scorer) variant(vr varRef, recs []*genotypes.Record) {
	r := sc.results[vr.k]
	m := &r.Matches[vr.j]
	v := &m.Variant
	var hits []recIndex
	orient := AlleleMismatch
	for _, rec := range recs {
		sm := matchAlleles(v.EffectAllele, v.OtherAllele, rec.Ref, rec.Alts)
		if sm.index < 0 {
			continue
		}
		if len(hits) == 0 {
			orient = sm.orient
			m.Ref = rec.Ref
		}
		hits = append(hits, recIndex{rec, sm.index})
	}
	if len(hits) == 0 {
		m.Orient = AlleleMismatch
		var seen []string
		for _, rec := range recs {
			seen = append(seen, rec.Ref+">"+strings.Join(rec.Alts, ","))
		}
		m.Why = fmt.Sprintf("store has %s, the file %s/%s", strings.Join(seen, " and "), v.EffectAllele, orDot(v.OtherAllele))
		return
	}
	if orient == AmbiguousDropped {
		f := sc.dosages(hits)
		keep, flip, why := resolveAmbiguous(v.EffectFreq, f)
		if !keep {
			m.Orient, m.Why = AmbiguousDropped, why
			r.Report.AmbiguousDropped++
			return
		}
		orient = AmbiguousResolved
		if flip {
			for i := range hits {
				hits[i].index = alleleIndex(v.OtherAllele, hits[i].rec)
			}
		}
	}
	f := sc.dosages(hits)
	m.Orient, m.Why, m.Index, m.CohortFreq = orient, "", hits[0].index, f
	m.Alt = alleleAt(hits[0].rec, hits[0].index)
	m.Alts = strings.Join(hits[0].rec.Alts, ",")
	sc.count(r, m, hits)
	sc.add(r, m, f)
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}

// alleleIndex is the index of allele a at rec; -1 when absent.
func alleleIndex(a string, rec *genotypes.Record) int {
	if strings.EqualFold(rec.Ref, a) {
		return 0
	}
	for k, x := range rec.Alts {
		if strings.EqualFold(x, a) {
			return k + 1
		}
	}
	return -1
}

func alleleAt(rec *genotypes.Record, i int) string {
	if i == 0 {
		return rec.Ref
	}
	return rec.Alts[i-1]
}

// dosages fills sc.dos and sc.ploidy with each sample's effect allele
// dosage (the first record where the sample is genotyped wins) and returns
// the effect allele frequency in the reference cohort (NaN when nobody
// there is genotyped).
func (sc *scorer) dosages(hits []recIndex) float64 {
	if len(hits) == 1 && hits[0] == sc.dosFor {
		return sc.dosFreq
	}
	sc.dosFor = recIndex{}
	if len(hits) == 1 {
		defer func() { sc.dosFor = hits[0] }()
	}
	sc.dosFreq = sc.frequency(hits)
	return sc.dosFreq
}

// frequency decodes the dosages of hits into sc.dos and returns the effect
// allele frequency in the reference cohort.
func (sc *scorer) frequency(hits []recIndex) float64 {
	var alleles, count float64
	for i := range sc.dos {
		sc.dos[i], sc.ploidy[i] = -1, 0
		for _, h := range hits {
			if h.index < 0 {
				continue
			}
			if d, p, ok := sc.dosage(h.rec.Codes[i], h.index); ok {
				sc.dos[i], sc.ploidy[i] = d, p
				break
			}
		}
		if sc.dos[i] >= 0 && sc.cohort.ref[i] {
			alleles += float64(sc.ploidy[i])
			count += float64(sc.dos[i])
		}
	}
	if alleles == 0 {
		return math.NaN()
	}
	return count / alleles
}

// dosage decodes a genotype code: the copies of allele index a, the
// ploidy, and false when any allele is missing (plink2 reads a half-call
// as missing).
func (sc *scorer) dosage(code int32, a int) (int8, int8, bool) {
	sc.buf, _ = genome.DecodeGT(code, sc.buf[:0])
	if len(sc.buf) == 0 {
		return 0, 0, false
	}
	var d int8
	for _, x := range sc.buf {
		if x == genome.Missing {
			return 0, 0, false
		}
		if x == a {
			d++
		}
	}
	return d, int8(len(sc.buf)), true
}

// count adds a used variant to the match report.
func (sc *scorer) count(r *ScoreResult, m *VariantMatch, hits []recIndex) {
	rep := &r.Report
	rep.Matched++
	switch m.Orient {
	case Direct:
		rep.Direct++
	case Swapped:
		rep.Swapped++
	case Flipped, FlippedSwapped:
		rep.Flipped++
	case AmbiguousResolved:
		rep.AmbiguousResolved++
	}
	for _, h := range hits {
		if len(h.rec.Alts) > 1 {
			rep.MultiAllelic++
			break
		}
	}
	if m.Variant.Dominant {
		rep.Dominant++
	}
	if m.Variant.Recessive {
		rep.Recessive++
	}
}

// add adds a used variant's contribution to every sample's score. A missing
// genotype counts as ploidy 2 × f (additive) or f (dominant, recessive), as
// plink2 imputes them.
func (sc *scorer) add(r *ScoreResult, m *VariantMatch, f float64) {
	v := &m.Variant
	impute := 2 * f
	if v.Dominant || v.Recessive {
		impute = f
	}
	for i := range sc.dos {
		s := &r.Samples[i]
		d := sc.dos[i]
		if d < 0 {
			m.Missing++
			r.Report.MissingGenotypes++
			s.Missing++
			if !sc.cfg.NoMeanImputation && !math.IsNaN(f) {
				s.Sum += v.Weight * impute
				s.Denom += 2
			}
			continue
		}
		x := float64(d)
		switch {
		case v.Dominant:
			x = min(x, 1)
		case v.Recessive && sc.ploidy[i] == 2:
			x = max(x-1, 0)
		}
		s.Sum += v.Weight * x
		s.AlleleCount += int(sc.ploidy[i])
		s.Denom += int(sc.ploidy[i])
		s.DosageSum += float64(d)
	}
}
