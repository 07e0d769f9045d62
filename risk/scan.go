package risk

import (
	"cmp"
	"context"
	"fmt"
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
	acc     *accum
	nRef    int // samples in the reference cohort

	// per position group, reused: the uses of the group and the decoded
	// dosages of each distinct record allele they read.
	uses    []use
	hits    []recIndex
	decoded []decodedHits
	pool    []*dosages
}

// use is one scoring variant matched at a position: the records and allele
// indices it reads (hits[from:to] of the scorer's hits).
type use struct {
	vr       varRef
	orient   Orientation
	from, to int
}

// decodedHits is the dosages decoded for one list of hits.
type decodedHits struct {
	hits []recIndex
	v    *dosages
}

func newScorer(results []*ScoreResult, c *cohort, cfg *Config) *scorer {
	sc := &scorer{results: results, cohort: c, cfg: cfg, byLocus: map[genome.Locus][]varRef{}}
	for _, r := range c.ref {
		if r {
			sc.nRef++
		}
	}
	for k, r := range results {
		for j, m := range r.Matches {
			l := genome.Locus{Chrom: m.Variant.Chrom, Pos: m.Variant.Pos}
			if _, ok := sc.byLocus[l]; !ok {
				sc.loci = append(sc.loci, l)
			}
			sc.byLocus[l] = append(sc.byLocus[l], varRef{k, j})
		}
	}
	sc.acc = newAccum(len(results), len(c.names), cfg.NoMeanImputation)
	slices.SortFunc(sc.loci, func(a, b genome.Locus) int {
		ra, na := genome.ChromRank(a.Chrom)
		rb, nb := genome.ChromRank(b.Chrom)
		return cmp.Or(cmp.Compare(ra, rb), cmp.Compare(na, nb), cmp.Compare(a.Pos, b.Pos))
	})
	return sc
}

// maxWindowLoci caps a window: the genotype store fills a window's
// records sample by sample, touching one cache line per record, so a
// window of a few thousand records stays in the CPU cache while
// neighbouring samples fill the same lines (at 2,000 × 92,000, 4,096 loci
// a window took 19.5 s of CPU and 318 MB against 30.1 s and 1.5 GB for
// 66,000; the store's row groups of calls are then decoded a few times
// instead of once, which costs less).
const maxWindowLoci = 4096

// windows splits the sorted loci into reads of at most as many loci as
// the memory budget allows codes for, and at most maxWindowLoci (one read
// may span chromosomes).
func (sc *scorer) windows() [][]genome.Locus {
	maxLoci := min(max(int(sc.cfg.MemoryBudget/int64(4*len(sc.cohort.names)+64)), 64), maxWindowLoci)
	var out [][]genome.Locus
	for start := 0; start < len(sc.loci); start += maxLoci {
		out = append(out, sc.loci[start:min(start+maxLoci, len(sc.loci))])
	}
	return out
}

// run reads every window and scores the records at the scoring loci, then
// writes the totals into the results.
func (sc *scorer) run(ctx context.Context, src siteSource) error {
	ws := sc.windows()
	for wi, w := range ws {
		err := src.window(ctx, w, sc.cohort.names, func(recs []*genotypes.Record) error {
			for start := 0; start < len(recs); {
				end := start + 1
				for end < len(recs) && recs[end].Pos == recs[start].Pos && recs[end].Chrom == recs[start].Chrom {
					end++
				}
				sc.group(recs[start:end])
				start = end
			}
			return ctx.Err()
		})
		if err != nil {
			return err
		}
		if sc.cfg.Progress != nil {
			sc.cfg.Progress(wi+1, len(ws))
		}
	}
	for k, r := range sc.results {
		sc.acc.fill(k, r)
	}
	return ctx.Err()
}

// recIndex is the effect allele's index at one record.
type recIndex struct {
	rec   *genotypes.Record
	index int
}

// group scores the records at one position for every scoring variant
// there: each variant is matched, each distinct record allele decoded
// once, and every score using it updated from the one decoding.
func (sc *scorer) group(recs []*genotypes.Record) {
	l := genome.Locus{Chrom: recs[0].Chrom, Pos: recs[0].Pos}
	sc.uses, sc.hits, sc.decoded = sc.uses[:0], sc.hits[:0], sc.decoded[:0]
	for _, vr := range sc.byLocus[l] {
		if u, ok := sc.match(vr, recs); ok {
			sc.uses = append(sc.uses, u)
		}
	}
	for _, u := range sc.uses {
		sc.score(u)
	}
	for _, d := range sc.decoded {
		sc.acc.apply(d.v)
	}
}

// match finds a scoring variant's effect allele among the records at its
// position; ok is false when the variant is left out (the reason is in
// its VariantMatch).
func (sc *scorer) match(vr varRef, recs []*genotypes.Record) (use, bool) {
	m := &sc.results[vr.k].Matches[vr.j]
	v := &m.Variant
	u := use{vr: vr, orient: AlleleMismatch, from: len(sc.hits)}
	for _, rec := range recs {
		sm := matchAlleles(v.EffectAllele, v.OtherAllele, rec.Ref, rec.Alts)
		if sm.index < 0 {
			continue
		}
		if u.from == len(sc.hits) {
			u.orient = sm.orient
			m.Ref = rec.Ref
		}
		sc.hits = append(sc.hits, recIndex{rec, sm.index})
	}
	u.to = len(sc.hits)
	if u.from == u.to {
		m.Orient = AlleleMismatch
		var seen []string
		for _, rec := range recs {
			seen = append(seen, rec.Ref+">"+strings.Join(rec.Alts, ","))
		}
		m.Why = fmt.Sprintf("store has %s, the file %s/%s", strings.Join(seen, " and "), v.EffectAllele, orDot(v.OtherAllele))
		return u, false
	}
	return u, true
}

// score resolves a strand-ambiguous use by frequency and adds a used
// variant to its score.
func (sc *scorer) score(u use) {
	r := sc.results[u.vr.k]
	m := &r.Matches[u.vr.j]
	v := &m.Variant
	hits := sc.hits[u.from:u.to]
	orient := u.orient
	if orient == AmbiguousDropped {
		keep, flip, why := resolveAmbiguous(v.EffectFreq, sc.dosagesOf(hits).freq)
		if !keep {
			m.Orient, m.Why = AmbiguousDropped, why
			r.Report.AmbiguousDropped++
			return
		}
		orient = AmbiguousResolved
		if flip {
			// A copy: the hits may be shared with a decoding cached
			// under the direct indices.
			flipped := make([]recIndex, len(hits))
			for i, h := range hits {
				flipped[i] = recIndex{h.rec, alleleIndex(v.OtherAllele, h.rec)}
			}
			hits = flipped
		}
	}
	d := sc.dosagesOf(hits)
	m.Orient, m.Why, m.Index, m.CohortFreq = orient, "", hits[0].index, d.freq
	m.Alt = alleleAt(hits[0].rec, hits[0].index)
	m.Alts = strings.Join(hits[0].rec.Alts, ",")
	m.Missing = d.missing
	r.Report.MissingGenotypes += d.missing
	sc.count(r, m, hits)
	sc.acc.use(d, u.vr.k, v.Weight, v.Dominant, v.Recessive)
}

// dosagesOf returns the decoded dosages of hits, decoding them once per
// position group.
func (sc *scorer) dosagesOf(hits []recIndex) *dosages {
	for _, d := range sc.decoded {
		if slices.Equal(d.hits, hits) {
			return d.v
		}
	}
	if len(sc.pool) <= len(sc.decoded) {
		sc.pool = append(sc.pool, &dosages{})
	}
	v := sc.pool[len(sc.decoded)]
	v.decode(hits, sc.cohort.ref, sc.nRef)
	sc.decoded = append(sc.decoded, decodedHits{hits, v})
	return v
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
