package risk

import "math/bits"

// The accumulator's fused paths (accum.apply): a decoding's differing
// samples added to the prepared uses (one, or a run of consecutive
// scores) and to shared counters straight from its lists and plane words,
// without listing the planes' samples first. Every differing sample adds
// its packed dosage and missing count (tally.dm) from a table by state (no
// branch); unimputed and haploid genotypes (none, with mean imputation
// and autosomes) take a second pass.

// addFused adds decoding v's differing samples to the prepared uses
// (a.scores, one or consecutive) and to the counters cs.
func (a *accum) addFused(v *dosages, cs *tally, cnt *[nStates]counts) {
	dd := packedTable(cnt)
	if len(a.scores) == 1 {
		a.listOne(v.idx, v.st, cs, &dd)
	} else {
		a.listRun(v.idx, v.st, cs, &dd)
	}
	for _, p := range v.planes {
		words := v.words[p.from:p.to]
		if len(a.scores) == 1 {
			a.planeOne(words, int(p.first), &p.lut, cs, &dd)
		} else {
			a.planeRun(words, int(p.first), &p.lut, cs, &dd)
		}
	}
	addRare(v, cs, cnt)
}

// holdFused is addFused for a decoding joining the block held: its sums
// and packed counters wait for the block's flush, its rare counts are
// added now (integer counts: their order does not matter).
func (a *accum) holdFused(v *dosages, cs *tally, cnt *[nStates]counts, bound int) {
	dd := packedTable(cnt)
	a.hold(v, cs, &dd, bound)
	addRare(v, cs, cnt)
}

// packedTable returns the packed dosage and missing change by state; 8
// so that a state masked by 7 needs no bounds check.
func packedTable(cnt *[nStates]counts) (dd [8]int64) {
	for s := range nStates {
		dd[s] = pack(&cnt[s])
	}
	return dd
}

// addRare adds the unimputed and haploid counts of a decoding's listed
// and plane samples.
func addRare(v *dosages, cs *tally, cnt *[nStates]counts) {
	if v.haploid > 0 || v.missing > 0 && cnt[stMissing].unimputed != 0 {
		listRare(v.idx, v.st, cs, cnt)
	}
	for _, p := range v.planes {
		planeRare(v.words[p.from:p.to], int(p.first), &p.lut, cs, cnt)
	}
}

// listOne adds listed samples idx (states st) to one use's sums and to
// their dosage and missing counts.
func (a *accum) listOne(idx []int32, st []uint8, cs *tally, dd *[8]int64) {
	var d [8]float64
	copy(d[:], a.deltas[:nStates])
	k, k0 := a.k, a.scores[0]
	sums, dm := a.sums, cs.dm
	for j, i := range idx {
		s := st[j] & 7
		sums[int(i)*k+k0] += d[s]
		dm[i] += dd[s]
	}
}

// listRun is listOne for a run of consecutive scores.
func (a *accum) listRun(idx []int32, st []uint8, cs *tally, dd *[8]int64) {
	m := len(a.scores)
	k0, dm := a.scores[0], cs.dm
	for j, i := range idx {
		s := int(st[j] & 7)
		sum, d := a.sums[int(i)*a.k+k0:][:m], a.deltas[s*m:s*m+m]
		p := 0 // as addSums, by hand: a call per sample costs more than it adds
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
		dm[i] += dd[s]
	}
}

// listRare adds the unimputed and haploid counts of listed samples.
func listRare(idx []int32, st []uint8, cs *tally, cnt *[nStates]counts) {
	for j, i := range idx {
		if c := &cnt[st[j]]; c.unimputed|c.haploid != 0 {
			r := &cs.rare[i]
			r.unimputed += c.unimputed
			r.haploid += c.haploid
		}
	}
}

// denseWord is the number of differing samples of a plane word (of 32)
// from which visiting all 32 in order costs less than finding each
// (BenchmarkRowScoring).
const denseWord = 10

// nonzero counts the nonzero 2-bit values of a plane word.
func nonzero(word uint64) int { return bits.OnesCount64((word | word>>1) & m55) }

// planeOne adds the samples of plane words (samples from first on, the
// states of their values lut) to one use's sums and to their dosage
// counters: a word's samples value by value, a set bit at a time, or all
// 32 in order (value 0 adding nothing) when many differ.
func (a *accum) planeOne(words []int64, first int, lut *[4]uint8, cs *tally, dd *[8]int64) {
	var d [4]float64 // by plane value; value 0 adds +0, which changes no sum
	var ddv [4]int64
	for val := 1; val < 4; val++ {
		s := lut[val] & 7
		d[val], ddv[val] = a.deltas[s], dd[s]
	}
	k, k0 := a.k, a.scores[0]
	sums, dm := a.sums, cs.dm
	for w, word := range words {
		if word == 0 {
			continue
		}
		at := first + 32*w
		if nonzero(uint64(word)) >= denseWord {
			dw := dm[at:min(at+32, len(dm))]
			if k == 1 {
				denseOne(sums[at:][:len(dw)], dw, uint64(word), &d, &ddv)
				continue
			}
			u := uint64(word)
			for j := range dw {
				val := u & 3
				sums[(at+j)*k+k0] += d[val]
				dw[j] += ddv[val]
				u >>= 2
			}
			continue
		}
		u := uint64(word)
		for m := (u | u>>1) & m55; m != 0; m &= m - 1 {
			tz := bits.TrailingZeros64(m)
			val, i := (u>>tz)&3, at+tz>>1
			sums[i*k+k0] += d[val]
			dm[i] += ddv[val]
		}
	}
}

// denseOne adds the deltas d and dosage changes dd of the 2-bit values of
// a plane word to the sums and packed dosage and missing counts of its samples, for a
// single score.
func denseOne(sums []float64, dm []int64, word uint64, d *[4]float64, dd *[4]int64) {
	dm = dm[:len(sums)]
	j := 0
	for ; j+4 <= len(sums); j += 4 {
		s4, d4 := sums[j:j+4:j+4], dm[j:j+4:j+4]
		v0, v1, v2, v3 := word&3, word>>2&3, word>>4&3, word>>6&3
		s4[0] += d[v0]
		s4[1] += d[v1]
		s4[2] += d[v2]
		s4[3] += d[v3]
		d4[0] += dd[v0]
		d4[1] += dd[v1]
		d4[2] += dd[v2]
		d4[3] += dd[v3]
		word >>= 8
	}
	for ; j < len(sums); j++ {
		val := word & 3
		sums[j] += d[val]
		dm[j] += dd[val]
		word >>= 2
	}
}

// planeRun is planeOne for a run of consecutive scores (visiting only the
// differing samples: their runs of sums cost more than finding them).
func (a *accum) planeRun(words []int64, first int, lut *[4]uint8, cs *tally, dd *[8]int64) {
	m := len(a.scores)
	k0, dm := a.scores[0], cs.dm
	for w, word := range words {
		if word == 0 {
			continue
		}
		at := first + 32*w
		u := uint64(word)
		for b := (u | u>>1) & m55; b != 0; b &= b - 1 {
			tz := bits.TrailingZeros64(b)
			s, i := int(lut[(u>>tz)&3]&7), at+tz>>1
			sum, d := a.sums[i*a.k+k0:][:m], a.deltas[s*m:s*m+m]
			p := 0 // as addSums, by hand
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
			dm[i] += dd[s]
		}
	}
}

// planeRare adds the unimputed and haploid counts of the plane values
// whose state has them (none, with mean imputation and autosomes).
func planeRare(words []int64, first int, lut *[4]uint8, cs *tally, cnt *[nStates]counts) {
	for val := range 3 {
		c := &cnt[lut[val+1]]
		if c.unimputed|c.haploid == 0 {
			continue
		}
		for w, word := range words {
			at := first + 32*w
			for b := valueBits(uint64(word))[val]; b != 0; b &= b - 1 {
				r := &cs.rare[at+bits.TrailingZeros64(b)>>1]
				r.unimputed += c.unimputed
				r.haploid += c.haploid
			}
		}
	}
}
