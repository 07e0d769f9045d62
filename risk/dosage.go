package risk

import (
	"encoding/binary"
	"iter"
	"math"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/varamu/varamu/genome/genotypes"
)

// dosages is one effect allele's genotypes over the cohort, kept sparse: a
// baseline dosage that most diploid called samples have, and the samples
// that differ from it (another dosage, haploid, or missing). Scoring adds
// the baseline's contribution once per variant and visits only the
// differing samples, so a variant costs one pass to decode plus the
// differing samples × the scores that use it.
type dosages struct {
	base int8 // dosage of the baseline (diploid, called)
	// idx are the differing samples; st their genotype states (accum.go).
	idx []int32
	st  []uint8
	// freq is the effect allele frequency in the reference cohort (NaN
	// when nobody there is called); missing the samples without a call.
	freq    float64
	missing int

	// pending are the scores to add this decoding to (accum.apply).
	pending []pendingUse

	// dense scratch: one dosage per cohort sample, and a second for
	// another record at the same position.
	dense, other []genotypes.Dosage
}

// stateOf maps a genotypes.Dosage (copies | ploidy<<2) to its genotype
// state: ploidy 0 is missing whatever the count.
var stateOf = func() (t [16]uint8) {
	for d := range t {
		t[d] = uint8(state(int8(d&3), int8(d>>2)))
	}
	return t
}()

// decode fills v from the records' dosages of the effect allele's index in
// each (hits: the first record where a sample is called wins), for the
// reference cohort ref.
func (v *dosages) decode(hits []recIndex, ref *refCohort) {
	n, nRef := len(ref.in), ref.n
	v.idx, v.st, v.missing = v.idx[:0], v.st[:0], 0
	v.base = 0
	def := genotypes.CodeDosage(hits[0].rec.DefaultGT, hits[0].index)
	if def.Ploidy() == 2 {
		v.base = int8(def.Count())
	}
	if ds, ok := hits[0].rec.d.(*genotypes.DenseSite); ok && len(hits) == 1 && def.Ploidy() == 2 && v.decodePlanes(ds, hits[0].index, ref) {
		return
	}
	in := ref.in
	v.dense = hits[0].rec.d.Dosages(hits[0].index, v.dense)[:n]
	for _, h := range hits[1:] {
		if h.index < 0 {
			continue
		}
		v.other = h.rec.d.Dosages(h.index, v.other)[:n]
		for i, d := range v.dense {
			if d.Ploidy() == 0 {
				v.dense[i] = v.other[i]
			}
		}
	}
	baseline := genotypes.Dosage(v.base) | 2<<2
	// The reference cohort's alleles: the baseline for its samples that
	// do not differ, plus those that do.
	alleles, count := 2*nRef, int(v.base)*nRef
	for i := range differing(v.dense, baseline) {
		d := v.dense[i]
		v.idx = append(v.idx, int32(i))
		v.st = append(v.st, stateOf[d&15])
		if d.Ploidy() == 0 {
			v.missing++
		}
		if in[i] {
			alleles += d.Ploidy() - 2
			count += d.Count() - int(v.base)
		}
	}
	v.freq = math.NaN()
	if alleles > 0 {
		v.freq = float64(count) / float64(alleles)
	}
}

// refCohort is the reference cohort among the samples read: in marks it,
// n counts it, and plane, unless every sample is in it, is in as a 2-bit
// plane (0b11 for a sample in it, 32 samples a word) to mask plane words.
type refCohort struct {
	in    []bool
	n     int
	plane []uint64
}

func newRefCohort(in []bool) *refCohort {
	r := &refCohort{in: in}
	for _, x := range in {
		if x {
			r.n++
		}
	}
	if r.n == len(in) {
		return r
	}
	r.plane = make([]uint64, (len(in)+31)/32+1)
	for i, x := range in {
		if x {
			r.plane[i/32] |= 3 << (2 * (i % 32))
		}
	}
	return r
}

// word returns the mask of the 32 samples from position p on.
func (r *refCohort) word(p int32) uint64 {
	q, s := p/32, p%32
	w := r.plane[q] >> (2 * s)
	if s != 0 {
		w |= r.plane[q+1] << (64 - 2*s)
	}
	return w
}

// valueCounts adds to c[v] the 2-bit values v (1-3) of a plane word.
func valueCounts(word uint64, c *[4]int) {
	const lo = 0x5555555555555555
	l, h := word&lo, (word>>1)&lo
	c[1] += bits.OnesCount64(l &^ h)
	c[2] += bits.OnesCount64(h &^ l)
	c[3] += bits.OnesCount64(l & h)
}

// decodePlanes is decode of one record read densely, from its stored
// rows (genotypes.DenseSite.PlaneRows) in one pass: the differing samples
// of a plane found 2 bits at a time and skipped a word at a time, those of
// a list one by one; the reference cohort's allele counts and the missing
// calls counted per plane value a word at a time (masked by the cohort's
// plane when it is a subset). False when the site cannot be read so
// (nothing done).
func (v *dosages) decodePlanes(ds *genotypes.DenseSite, index int, ref *refCohort) bool {
	base := int(v.base)
	baseline := uint8(state(v.base, 2))
	alleles, count := 2*ref.n, base*ref.n
	idx, st := v.idx[:0], v.st[:0]
	_, ok := ds.PlaneRows(index, func(r *genotypes.PlaneRow) {
		var lut [4]uint8
		for val, d := range r.Levels {
			lut[val] = stateOf[d&15]
		}
		if r.Words != nil && (lut[1] != baseline || lut[2] != baseline || lut[3] != baseline) {
			var all, in [4]int
			planeCounts(r, ref, &all, &in)
			for val := 1; val < 4; val++ {
				d := r.Levels[val]
				if d.Ploidy() == 0 {
					v.missing += all[val]
				}
				alleles += in[val] * (d.Ploidy() - 2)
				count += in[val] * (d.Count() - base)
			}
			idx, st = appendPlane(idx, st, r.Words, r.First, &lut, baseline)
		}
		for j, o := range r.Listed {
			d := r.Dosages[j]
			s := stateOf[d&15]
			if s == baseline {
				continue
			}
			idx, st = append(idx, r.First+o), append(st, s)
			if s == stMissing {
				v.missing++
			}
			if ref.in[r.First+o] {
				alleles += d.Ploidy() - 2
				count += d.Count() - base
			}
		}
	})
	if !ok {
		return false
	}
	v.idx, v.st = idx, st
	v.freq = math.NaN()
	if alleles > 0 {
		v.freq = float64(count) / float64(alleles)
	}
	return true
}

// planeCounts counts a row's plane values 1-3 among all its samples and
// among those in the reference cohort.
func planeCounts(r *genotypes.PlaneRow, ref *refCohort, all, in *[4]int) {
	for w, word := range r.Words {
		if word == 0 {
			continue
		}
		valueCounts(uint64(word), all)
		if ref.plane != nil {
			valueCounts(uint64(word)&ref.word(r.First+int32(w*32)), in)
		}
	}
	if ref.plane == nil {
		*in = *all
	}
}

// appendPlane appends the position (first plus the block offset) and the
// state (lut of its plane value) of each sample of a plane whose state is
// not baseline.
func appendPlane(idx []int32, st []uint8, words []int64, first int32, lut *[4]uint8, baseline uint8) ([]int32, []uint8) {
	n := len(idx)
	idx = slices.Grow(idx, 32*len(words))[:n+32*len(words)]
	st = slices.Grow(st, 32*len(words))[:n+32*len(words)]
	for w, word := range words {
		at := first + int32(w*32)
		for u := uint64(word); u != 0; {
			tz := bits.TrailingZeros64(u) &^ 1
			s := lut[(u>>tz)&3]
			idx[n], st[n] = at+int32(tz/2), s
			if s != baseline {
				n++
			}
			u &^= 3 << tz
		}
	}
	return idx[:n], st[:n]
}

// differing yields the indices of the dosages other than baseline, eight
// samples at a time where all eight have it.
func differing(dense []genotypes.Dosage, baseline genotypes.Dosage) iter.Seq[int] {
	return func(yield func(int) bool) {
		b := unsafe.Slice((*byte)(unsafe.SliceData(dense)), len(dense)) // Dosage is a byte
		pattern := uint64(baseline) * 0x0101010101010101
		i := 0
		for ; i+8 <= len(b); i += 8 {
			if binary.LittleEndian.Uint64(b[i:]) == pattern {
				continue
			}
			for j := i; j < i+8; j++ {
				if dense[j] != baseline && !yield(j) {
					return
				}
			}
		}
		for ; i < len(b); i++ {
			if dense[i] != baseline && !yield(i) {
				return
			}
		}
	}
}
