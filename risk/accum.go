package risk

import (
	"encoding/binary"
	"math"
	"slices"
)

// Genotype states of a sample that differs from the baseline, as the
// accumulator tells them apart.
const (
	stMissing = iota
	stHaploid0
	stHaploid1
	stDiploid0
	stDiploid1
	stDiploid2
	nStates
)

// state returns the genotype state of dosage d at ploidy p (0: missing).
func state(d, p int8) int {
	switch p {
	case 0:
		return stMissing
	case 1:
		return stHaploid0 + int(d)
	}
	return stDiploid0 + int(d)
}

// counts are one sample's counters for one score, as differences from the
// score's baseline (2 alleles and the baseline dosage per used variant).
type counts struct {
	missing, alleleDef, denomDef, dosage int32
}

func (c *counts) add(d counts) {
	c.missing += d.missing
	c.alleleDef += d.alleleDef
	c.denomDef += d.denomDef
	c.dosage += d.dosage
}

// pendingUse is one score's use of a decoding: the sum each state adds
// beyond the baseline.
type pendingUse struct {
	k     int
	delta [nStates]float64
}

// accum holds every score's totals in one pass: per score the baseline
// shared by all samples, per sample × score (sample-major, so that the
// scores sharing a variant update neighbouring memory) the sums the
// sample's genotypes added beyond it, and the counters in count groups.
//
// A decoding adds the same counters to every score using it, so they are
// kept once per set of scores that share decodings (a group), not once per
// score: group k < scores is score k alone; sets of several scores get
// their own groups, up to maxSharedGroups of them (further sets add to
// each score's own group). A score's counters are the sum of the groups
// naming it.
type accum struct {
	k                int // number of scores
	n                int // number of samples
	baseSum          []float64
	baseDosage       []int
	baseAlleles      []int // 2 per used variant (DENOM too)
	sums             []float64
	groups           []countGroup
	groupOf          map[string]int // a shared group by its key
	key              []byte         // scratch for group
	scores           []int          // scratch for apply
	deltas           []float64      // scratch for addSums
	noMeanImputation bool
}

// countGroup is the counters of the samples for the decodings used by one
// set of scores (a score listed twice uses each decoding twice).
type countGroup struct {
	scores []int
	counts []counts // per sample; nil until first added to
}

// maxSharedGroups bounds the groups of several scores: each holds a
// counter per sample.
const maxSharedGroups = 16

func newAccum(scores, samples int, noMeanImputation bool) *accum {
	a := &accum{k: scores, n: samples, baseSum: make([]float64, scores), baseDosage: make([]int, scores), baseAlleles: make([]int, scores),
		sums: make([]float64, scores*samples), groupOf: map[string]int{}, noMeanImputation: noMeanImputation}
	for k := range scores {
		a.groups = append(a.groups, countGroup{scores: []int{k}})
	}
	return a
}

// group returns the counters of the group of scores (the scores of a
// decoding's pending uses, in order), or nil when the set has no group and
// no room for one more.
func (a *accum) group(scores []int) []counts {
	g := -1
	if len(scores) == 1 {
		g = scores[0]
	} else {
		a.key = a.key[:0]
		for _, k := range scores {
			a.key = binary.LittleEndian.AppendUint32(a.key, uint32(k))
		}
		var ok bool
		if g, ok = a.groupOf[string(a.key)]; !ok {
			if len(a.groupOf) >= maxSharedGroups {
				return nil
			}
			g = len(a.groups)
			a.groupOf[string(a.key)] = g
			a.groups = append(a.groups, countGroup{scores: slices.Clone(scores)})
		}
	}
	return a.countsOf(g)
}

// own returns score k's own group's counters.
func (a *accum) own(k int) []counts { return a.countsOf(k) }

func (a *accum) countsOf(g int) []counts {
	if a.groups[g].counts == nil {
		a.groups[g].counts = make([]counts, a.n)
	}
	return a.groups[g].counts
}

// addCounts adds the counters of a decoding's differing samples (cnt by
// genotype state).
func addCounts(cs []counts, v *dosages, cnt *[nStates]counts) {
	for j, i := range v.idx {
		cs[i].add(cnt[v.st[j]])
	}
}

// use adds score k's baseline for one used variant (weight w) and queues
// the differing samples' part on the decoding. A missing genotype counts as
// ploidy 2 × f (additive) or f (dominant, recessive), as plink2 imputes
// it, or nothing with no-mean-imputation or no frequency.
func (a *accum) use(v *dosages, k int, w float64, dominant, recessive bool) {
	xb := weighted(v.base, 2, dominant, recessive)
	a.baseSum[k] += w * xb
	a.baseDosage[k] += int(v.base)
	a.baseAlleles[k] += 2
	u := pendingUse{k: k}
	for _, d := range []int8{0, 1} {
		u.delta[state(d, 1)] = w * (weighted(d, 1, dominant, recessive) - xb)
	}
	for _, d := range []int8{0, 1, 2} {
		u.delta[state(d, 2)] = w * (weighted(d, 2, dominant, recessive) - xb)
	}
	u.delta[stMissing] = -w * xb
	if a.imputes(v) {
		impute := 2 * v.freq
		if dominant || recessive {
			impute = v.freq
		}
		u.delta[stMissing] = w * (impute - xb)
	}
	v.pending = append(v.pending, u)
}

func (a *accum) imputes(v *dosages) bool { return !a.noMeanImputation && !math.IsNaN(v.freq) }

// apply adds the differing samples of a decoding to every score queued on
// it, visiting each sample once.
func (a *accum) apply(v *dosages) {
	if len(v.pending) == 0 {
		return
	}
	var cnt [nStates]counts
	b := int32(v.base)
	cnt[stMissing] = counts{missing: 1, alleleDef: 2, dosage: -b}
	if !a.imputes(v) {
		cnt[stMissing].denomDef = 2
	}
	for d := range int32(2) {
		cnt[stHaploid0+d] = counts{alleleDef: 1, denomDef: 1, dosage: d - b}
	}
	for d := range int32(3) {
		cnt[stDiploid0+d] = counts{dosage: d - b}
	}
	a.addSums(v)
	if cs := a.group(a.scores); cs != nil {
		addCounts(cs, v, &cnt)
	} else {
		for _, k := range a.scores {
			addCounts(a.own(k), v, &cnt)
		}
	}
	v.pending = v.pending[:0]
}

// addSums adds each differing sample's sum to every score queued on a
// decoding, from a table of the uses' deltas by state (use-minor), into
// the sample's run of scores when the uses are consecutive scores (as when
// the scores share their variants). It leaves the uses' scores in
// a.scores.
func (a *accum) addSums(v *dosages) {
	m := len(v.pending)
	a.scores = a.scores[:0]
	a.deltas = slices.Grow(a.deltas[:0], nStates*m)[:nStates*m]
	run := true
	for p := range v.pending {
		u := &v.pending[p]
		a.scores = append(a.scores, u.k)
		run = run && u.k == v.pending[0].k+p
		for st := range nStates {
			a.deltas[st*m+p] = u.delta[st]
		}
	}
	if run {
		k0 := a.scores[0]
		for j, i := range v.idx {
			st := int(v.st[j])
			d := a.deltas[st*m : st*m+m]
			s := a.sums[int(i)*a.k+k0:][:len(d)]
			p := 0
			for ; p+4 <= len(s); p += 4 {
				s4, d4 := s[p:p+4:p+4], d[p:p+4:p+4]
				s4[0] += d4[0]
				s4[1] += d4[1]
				s4[2] += d4[2]
				s4[3] += d4[3]
			}
			for ; p < len(s); p++ {
				s[p] += d[p]
			}
		}
		return
	}
	for j, i := range v.idx {
		st := int(v.st[j])
		d := a.deltas[st*m : st*m+m]
		row := int(i) * a.k
		for p, k := range a.scores {
			a.sums[row+k] += d[p]
		}
	}
}

// weighted returns the value a dosage contributes under the variant's
// inheritance model: dominant min(d, 1); recessive max(d − 1, 0) for a
// diploid genotype.
func weighted(d, ploidy int8, dominant, recessive bool) float64 {
	switch {
	case dominant:
		return float64(min(d, 1))
	case recessive && ploidy == 2:
		return float64(max(d-1, 0))
	}
	return float64(d)
}

// merge adds another accumulator's totals (of other variants) to a.
func (a *accum) merge(o *accum) {
	for k := range a.baseSum {
		a.baseSum[k] += o.baseSum[k]
		a.baseDosage[k] += o.baseDosage[k]
		a.baseAlleles[k] += o.baseAlleles[k]
	}
	for i := range a.sums {
		a.sums[i] += o.sums[i]
	}
	for _, g := range o.groups {
		if g.counts == nil {
			continue
		}
		if cs := a.group(g.scores); cs != nil {
			addAll(cs, g.counts)
			continue
		}
		for _, k := range g.scores {
			addAll(a.own(k), g.counts)
		}
	}
}

func addAll(dst, src []counts) {
	for i := range dst {
		dst[i].add(src[i])
	}
}

// fill writes score k's totals into its result's samples.
func (a *accum) fill(k int, r *ScoreResult) {
	c := make([]counts, a.n)
	for _, g := range a.groups {
		if g.counts == nil {
			continue
		}
		for _, gk := range g.scores {
			if gk == k {
				addAll(c, g.counts)
			}
		}
	}
	for i := range r.Samples {
		s := &r.Samples[i]
		s.Sum = a.baseSum[k] + a.sums[i*a.k+k]
		s.DosageSum = float64(a.baseDosage[k] + int(c[i].dosage))
		s.AlleleCount = a.baseAlleles[k] - int(c[i].alleleDef)
		s.Denom = a.baseAlleles[k] - int(c[i].denomDef)
		s.Missing = int(c[i].missing)
	}
}
