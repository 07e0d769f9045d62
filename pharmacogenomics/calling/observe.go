package calling

import (
	"fmt"
	"math"
	"strings"

	"github.com/varamu/varamu/genome"
)

// obs is what the data says about one sample at one position of a gene.
type obs struct {
	ok      bool      // usable genotype
	missing string    // why not usable: "not covered", "no call", ...
	hap     [2]string // observed alleles, spelled as the definitions spell them
	ploidy  int
	phased  bool
	ps      int64
	prob    float64 // probability of this genotype (1 when unknown)
	hasProb bool
	note    string // something the clinician must know (reference mismatch, overlap)
	// af is the fraction of reads (FORMAT/AD) carrying a non-reference
	// allele, when hasAF; it shows heteroplasmy in a haploid chrM call.
	af    float64
	hasAF bool
	novel string // an observed allele no definition has at this position
}

// normalize respells an allele x of a record whose reference allele is
// recRef so that it reads against the definition's reference defRef at the
// same position: "C" → "CAT" when the record is C and the definition CAT.
func normalize(recRef, defRef, x string) (string, bool) {
	switch {
	case recRef == defRef:
		return x, true
	case strings.HasPrefix(defRef, recRef):
		return x + defRef[len(recRef):], true
	case strings.HasPrefix(recRef, defRef):
		tail := recRef[len(defRef):]
		if strings.HasSuffix(x, tail) && len(x) > len(tail) {
			return x[:len(x)-len(tail)], true
		}
		return "", false
	}
	return "", false
}

// observe turns the records at one locus into an observation. Records at
// the position itself win over records that only span it (a gVCF block or
// a deletion starting upstream), so that a phased SNV inside a reference
// span keeps its phase.
func observe(p *posModel, recs []genome.Genotype) obs {
	exact := 0
	for i := range recs {
		if recs[i].Pos == p.locus.Pos && recs[i].State != genome.NotCovered {
			exact++
		}
	}
	if exact > 0 && exact < len(recs) {
		kept := make([]genome.Genotype, 0, exact)
		for _, g := range recs {
			if g.Pos == p.locus.Pos && g.State != genome.NotCovered {
				kept = append(kept, g)
			}
		}
		recs = kept
	}
	var use []*genome.Genotype
	sawNoCall := false
	for i := range recs {
		g := &recs[i]
		switch g.State {
		case genome.NotCovered:
			continue
		case genome.HomRef:
			if g.Pos <= p.locus.Pos && (g.End >= p.locus.Pos || g.Pos == p.locus.Pos) {
				use = append(use, g)
			}
		case genome.NoCall:
			if g.Pos == p.locus.Pos || (g.Pos < p.locus.Pos && g.End >= p.locus.Pos) {
				if len(g.GP) > 0 {
					use = append(use, g)
					continue
				}
				sawNoCall = true
			}
		case genome.Called:
			if g.Pos == p.locus.Pos {
				use = append(use, g)
			} else if g.Pos < p.locus.Pos && g.End >= p.locus.Pos {
				return obs{missing: "overlapped by another variant",
					note:  fmt.Sprintf("%s is inside the variant %s:%d %s>%s, which no definition describes", p.locus, g.Chrom, g.Pos, g.Ref, strings.Join(g.Alts, ",")),
					novel: fmt.Sprintf("%s:%d %s>%s", g.Chrom, g.Pos, g.Ref, strings.Join(g.Alts, ","))}
			}
		}
	}
	if len(use) == 0 {
		if sawNoCall {
			return obs{missing: "no call"}
		}
		return obs{missing: "not covered"}
	}
	var o obs
	o.prob = 1
	merged := false
	for _, g := range use {
		r, ok := observeOne(p, g)
		if !ok {
			return r
		}
		if !merged {
			o = r
			merged = true
			continue
		}
		// Split multi-allelic records: a non-reference allele in either
		// record wins its slot; two different ones in one slot conflict.
		if r.ploidy != o.ploidy {
			return obs{missing: "conflicting records", note: fmt.Sprintf("%s: records of different ploidy", p.locus)}
		}
		if o.phased && r.phased {
			for i := 0; i < o.ploidy; i++ {
				switch {
				case r.hap[i] == p.pos.Ref:
				case o.hap[i] == p.pos.Ref:
					o.hap[i] = r.hap[i]
				case o.hap[i] != r.hap[i]:
					return obs{missing: "conflicting records", note: fmt.Sprintf("%s: records disagree", p.locus)}
				}
			}
		} else {
			var alts []string
			for _, h := range append(o.hap[:o.ploidy:o.ploidy], r.hap[:r.ploidy]...) {
				if h != p.pos.Ref {
					alts = append(alts, h)
				}
			}
			if len(alts) > o.ploidy {
				return obs{missing: "conflicting records", note: fmt.Sprintf("%s: records call more than %d alternate alleles", p.locus, o.ploidy)}
			}
			for i := 0; i < o.ploidy; i++ {
				o.hap[i] = p.pos.Ref
			}
			for i, a := range alts {
				o.hap[o.ploidy-1-i] = a
			}
			o.phased = false
		}
		if r.hasProb {
			o.prob *= r.prob
			o.hasProb = true
		}
	}
	return o
}

// observeOne reads one record.
func observeOne(p *posModel, g *genome.Genotype) (obs, bool) {
	o := obs{ok: true, prob: 1, phased: g.Phased, ps: g.PS}
	allelesIdx := g.Alleles
	if g.State == genome.HomRef && g.Pos != p.locus.Pos {
		// A gVCF reference block: reference over the whole position.
		o.ploidy = len(allelesIdx)
		if o.ploidy == 0 || o.ploidy > 2 {
			o.ploidy = 2
		}
		for i := 0; i < o.ploidy; i++ {
			o.hap[i] = p.pos.Ref
		}
		o.hasProb, o.prob = gqProb(g)
		return o, true
	}
	nAll := 1 + len(g.Alts)
	fromGP := false
	if (len(allelesIdx) == 0 || genome.StateOf(allelesIdx) == genome.NoCall) && len(g.GP) > 0 {
		idx, ok := argmaxGP(g.GP, nAll)
		if !ok {
			return obs{missing: "no call"}, false
		}
		allelesIdx = idx
		fromGP = true
	}
	if len(allelesIdx) == 0 || len(allelesIdx) > 2 {
		return obs{missing: "no call"}, false
	}
	for _, a := range allelesIdx {
		if a == genome.Missing {
			return obs{missing: "partly missing genotype", note: fmt.Sprintf("%s: genotype %s is partly missing", p.locus, g.GT())}, false
		}
		if a < 0 || a >= nAll {
			return obs{missing: "bad allele index", note: fmt.Sprintf("%s: allele index %d beyond the record's %d alleles", p.locus, a, nAll)}, false
		}
	}
	o.ploidy = len(allelesIdx)
	for i, a := range allelesIdx {
		if raw := g.Allele(a); raw == "*" || strings.HasPrefix(raw, "<") {
			return obs{missing: "symbolic allele", note: fmt.Sprintf("%s: allele %s (spanning deletion or symbolic) cannot be matched to the definitions", p.locus, raw)}, false
		}
		x, ok := normalize(g.Ref, p.pos.Ref, g.Allele(a))
		if !ok {
			if a == 0 {
				return obs{missing: "reference mismatch", note: fmt.Sprintf("%s: VCF reference %s does not match the definition's %s (check the genome build and normalisation)", p.locus, g.Ref, p.pos.Ref)}, false
			}
			x = g.Allele(a)
		}
		o.hap[i] = x
	}
	if fromGP {
		o.phased = false
	}
	o.af, o.hasAF = altFraction(g)
	// Probability of the genotype taken.
	if len(g.GP) > 0 {
		if pr, ok := gpOf(g.GP, allelesIdx, nAll); ok {
			o.prob, o.hasProb = pr, true
		}
	} else if len(g.DS) > 0 {
		if pr, ok := dsOf(g.DS, allelesIdx); ok {
			o.prob, o.hasProb = pr, true
		}
	} else {
		o.hasProb, o.prob = gqProb(g)
	}
	return o, true
}

// altFraction is the fraction of reads (FORMAT/AD) that carry a
// non-reference allele.
func altFraction(g *genome.Genotype) (float64, bool) {
	if len(g.AD) < 2 {
		return 0, false
	}
	var tot, alt int64
	for i, d := range g.AD {
		if d < 0 {
			return 0, false
		}
		tot += int64(d)
		if i > 0 {
			alt += int64(d)
		}
	}
	if tot == 0 {
		return 0, false
	}
	return float64(alt) / float64(tot), true
}

// gqProb converts a phred genotype quality into the probability that the
// genotype is right.
func gqProb(g *genome.Genotype) (bool, float64) {
	if g.GQ < 0 {
		return false, 1
	}
	return true, 1 - math.Pow(10, -float64(g.GQ)/10)
}

// gtIndex is the VCF GP/PL index of a genotype.
func gtIndex(idx []int) int {
	if len(idx) == 1 {
		return idx[0]
	}
	j, k := idx[0], idx[1]
	if j > k {
		j, k = k, j
	}
	return k*(k+1)/2 + j
}

func argmaxGP(gp []float32, nAll int) ([]int, bool) {
	best, bi := float32(-1), -1
	for i, v := range gp {
		if !genome.Absent(v) && v > best {
			best, bi = v, i
		}
	}
	if bi < 0 {
		return nil, false
	}
	switch len(gp) {
	case nAll:
		return []int{bi}, true
	case nAll * (nAll + 1) / 2:
		for k := 0; k < nAll; k++ {
			for j := 0; j <= k; j++ {
				if k*(k+1)/2+j == bi {
					return []int{j, k}, true
				}
			}
		}
	}
	return nil, false
}

func gpOf(gp []float32, idx []int, nAll int) (float64, bool) {
	want := nAll
	if len(idx) == 2 {
		want = nAll * (nAll + 1) / 2
	}
	if len(gp) != want {
		return 0, false
	}
	i := gtIndex(idx)
	if genome.Absent(gp[i]) {
		return 0, false
	}
	v := float64(gp[i])
	if v > 1 { // phred-scaled GP (some imputation servers): 10^(-v/10)
		v = math.Pow(10, -v/10)
	}
	return math.Max(0, math.Min(1, v)), true
}

// dsOf gives a certainty for a dosage: 1 minus the distance between the
// dosage and the genotype taken (a heuristic, not a probability: DS alone
// does not determine genotype probabilities).
func dsOf(ds []float32, idx []int) (float64, bool) {
	d := 0.0
	for ai, v := range ds {
		if genome.Absent(v) {
			return 0, false
		}
		k := 0
		for _, a := range idx {
			if a == ai+1 {
				k++
			}
		}
		d += math.Abs(float64(v) - float64(k))
	}
	return math.Max(0, 1-d), true
}

// formatObs spells an observation as a genotype of alleles ("G/A", "A|G",
// "A"), or "./." when the position is missing.
func formatObs(o obs) string {
	if !o.ok {
		return "./."
	}
	sep := "/"
	if o.phased {
		sep = "|"
	}
	return strings.Join(o.hap[:o.ploidy], sep)
}
