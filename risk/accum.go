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
// score's baseline (2 alleles and the baseline dosage per used variant):
// the dosage, the missing genotypes, those of them not imputed (they leave
// the denominator: 2 alleles each) and the haploid genotypes (1 allele
// each off both the allele count and the denominator); a missing genotype
// is 2 alleles off the allele count.
type counts struct {
	dosage, missing, unimputed, haploid int32
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
	// blk holds up to blockSites sites of a run of scores (block.go);
	// 0 adds every decoding at once. kernel adds a flushed block's tiles.
	blk        block
	blockSites int
	kernel     blockKernel
}

// countGroup is the counters of the samples for the decodings used by one
// set of scores (a score listed twice uses each decoding twice).
type countGroup struct {
	scores []int
	t      *tally // nil until first added to
}

// tally is one count group's counters per sample: the dosage and the
// missing count packed in one word (dm: missing<<32 + dosage, see pack), so
// that a differing sample's common update is one 8-byte addition; the
// unimputed and haploid counts (none, with mean imputation and autosomes)
// apart.
type tally struct {
	dm   []int64
	rare []rareCounts
}

// rareCounts are counts' unimputed and haploid.
type rareCounts struct{ unimputed, haploid int32 }

func newTally(n int) *tally { return &tally{dm: make([]int64, n), rare: make([]rareCounts, n)} }

// pack returns the dosage and missing count of c as one word: sums of
// packed words unpack to the sums of the counts while the dosage stays
// within an int32 (2 a variant: fewer than 10⁹ variants).
func pack(c *counts) int64 { return int64(c.missing)<<32 + int64(c.dosage) }

// unpack returns the dosage and missing count of a sum of packed words.
func unpack(x int64) (dosage, missing int32) {
	d := int64(int32(uint32(x))) // the low word, sign-extended
	return int32(d), int32((x - d) >> 32)
}

// add adds counters c to sample i.
func (t *tally) add(i int32, c *counts) {
	t.dm[i] += pack(c)
	if c.unimputed|c.haploid != 0 {
		r := &t.rare[i]
		r.unimputed += c.unimputed
		r.haploid += c.haploid
	}
}

// addAll adds another tally of as many samples.
func (t *tally) addAll(o *tally) {
	for i := range t.dm {
		t.dm[i] += o.dm[i]
		t.rare[i].unimputed += o.rare[i].unimputed
		t.rare[i].haploid += o.rare[i].haploid
	}
}

// maxSharedGroups bounds the groups of several scores: each holds a
// counter per sample.
const maxSharedGroups = 16

func newAccum(scores, samples int, noMeanImputation bool) *accum {
	a := &accum{k: scores, n: samples, baseSum: make([]float64, scores), baseDosage: make([]int, scores), baseAlleles: make([]int, scores),
		sums: make([]float64, scores*samples), groupOf: map[string]int{}, noMeanImputation: noMeanImputation,
		blockSites: defaultBlockSites, kernel: bestKernel()}
	for k := range scores {
		a.groups = append(a.groups, countGroup{scores: []int{k}})
	}
	return a
}

// group returns the counters of the group of scores (the scores of a
// decoding's pending uses, in order), or nil when the set has no group and
// no room for one more.
func (a *accum) group(scores []int) *tally {
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
func (a *accum) own(k int) *tally { return a.countsOf(k) }

func (a *accum) countsOf(g int) *tally {
	if a.groups[g].t == nil {
		a.groups[g].t = newTally(a.n)
	}
	return a.groups[g].t
}

// addCounts adds the counters of differing samples idx (cnt by their
// genotype states st).
func addCounts(cs *tally, idx []int32, st []uint8, cnt *[nStates]counts) {
	for j, i := range idx {
		cs.add(i, &cnt[st[j]])
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
// it, visiting each sample once: a run of several consecutive scores
// sharing counters joins the block of sites held (block.go), flushed when
// full or when another run comes; one use sharing counters takes one
// fused pass per list and plane; anything else goes sample by sample
// from lists. A block held is flushed before any other addition, so that
// every sum sees its sites in order.
func (a *accum) apply(v *dosages) {
	if len(v.pending) == 0 {
		return
	}
	cnt := a.countTable(v)
	run := a.prepare(v)
	cs := a.group(a.scores)
	if cs != nil && run && len(a.scores) > 1 && a.blockSites > 0 {
		if bound, ok := siteBound(v); ok {
			if !a.blk.joins(a.scores[0], len(a.scores), cs, bound) {
				a.flush()
			}
			a.holdFused(v, cs, &cnt, bound)
			if len(a.blk.sites) >= a.blockSites {
				a.flush()
			}
			v.pending = v.pending[:0]
			return
		}
	}
	a.flush()
	if cs != nil && (run || len(a.scores) == 1) {
		a.addFused(v, cs, &cnt)
	} else {
		v.expandPlanes()
		a.add(v.idx, v.st, run, cs, &cnt)
	}
	v.pending = v.pending[:0]
}

// countTable returns the counters a differing sample adds, by its
// genotype state.
func (a *accum) countTable(v *dosages) (cnt [nStates]counts) {
	b := int32(v.base)
	cnt[stMissing] = counts{missing: 1, dosage: -b}
	if !a.imputes(v) {
		cnt[stMissing].unimputed = 1
	}
	for d := range int32(2) {
		cnt[stHaploid0+d] = counts{haploid: 1, dosage: d - b}
	}
	for d := range int32(3) {
		cnt[stDiploid0+d] = counts{dosage: d - b}
	}
	return cnt
}

// add adds differing samples idx (genotype states st) to the sums of the
// uses prepared and to the counters: cs, or each score's own when nil. It
// takes what addFused does not: uses without shared counters, or several
// uses that are not a run of consecutive scores.
func (a *accum) add(idx []int32, st []uint8, run bool, cs *tally, cnt *[nStates]counts) {
	a.addSums(idx, st, run)
	if cs != nil {
		addCounts(cs, idx, st, cnt)
		return
	}
	for _, k := range a.scores {
		addCounts(a.own(k), idx, st, cnt)
	}
}

// prepare lists the scores queued on a decoding in a.scores and their
// deltas by state in a.deltas (state-major, use-minor), and reports
// whether the uses are consecutive scores (as when the scores share their
// variants).
func (a *accum) prepare(v *dosages) (run bool) {
	m := len(v.pending)
	a.scores = a.scores[:0]
	a.deltas = slices.Grow(a.deltas[:0], nStates*m)[:nStates*m]
	run = true
	for p := range v.pending {
		u := &v.pending[p]
		a.scores = append(a.scores, u.k)
		run = run && u.k == v.pending[0].k+p
		for st := range nStates {
			a.deltas[st*m+p] = u.delta[st]
		}
	}
	return run
}

// addSums adds each differing sample's deltas (its state's, of the
// prepared uses) to its sums: into the sample's run of scores when the
// uses are consecutive scores.
func (a *accum) addSums(idx []int32, st []uint8, run bool) {
	m := len(a.scores)
	if run {
		k0 := a.scores[0]
		for j, i := range idx {
			s := int(st[j])
			d := a.deltas[s*m : s*m+m]
			sum := a.sums[int(i)*a.k+k0:][:len(d)]
			p := 0
			for ; p+4 <= len(sum); p += 4 {
				s4, d4 := sum[p:p+4:p+4], d[p:p+4:p+4]
				s4[0] += d4[0]
				s4[1] += d4[1]
				s4[2] += d4[2]
				s4[3] += d4[3]
			}
			for ; p < len(sum); p++ {
				sum[p] += d[p]
			}
		}
		return
	}
	for j, i := range idx {
		s := int(st[j])
		d := a.deltas[s*m : s*m+m]
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
	a.flush()
	o.flush()
	for k := range a.baseSum {
		a.baseSum[k] += o.baseSum[k]
		a.baseDosage[k] += o.baseDosage[k]
		a.baseAlleles[k] += o.baseAlleles[k]
	}
	for i := range a.sums {
		a.sums[i] += o.sums[i]
	}
	for _, g := range o.groups {
		if g.t == nil {
			continue
		}
		if cs := a.group(g.scores); cs != nil {
			cs.addAll(g.t)
			continue
		}
		for _, k := range g.scores {
			a.own(k).addAll(g.t)
		}
	}
}

// fill writes score k's totals into its result's samples.
func (a *accum) fill(k int, r *ScoreResult) {
	a.flush()
	c := newTally(a.n)
	for _, g := range a.groups {
		if g.t == nil {
			continue
		}
		for _, gk := range g.scores {
			if gk == k {
				c.addAll(g.t)
			}
		}
	}
	for i := range r.Samples {
		s := &r.Samples[i]
		s.Sum = a.baseSum[k] + a.sums[i*a.k+k]
		rare := c.rare[i]
		dosage, missing := unpack(c.dm[i])
		s.DosageSum = float64(a.baseDosage[k] + int(dosage))
		s.AlleleCount = a.baseAlleles[k] - int(2*missing+rare.haploid)
		s.Denom = a.baseAlleles[k] - int(2*rare.unimputed+rare.haploid)
		s.Missing = int(missing)
	}
}
