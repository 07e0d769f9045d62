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
	// idx are the differing samples listed one by one, st their genotype
	// states (accum.go).
	idx []int32
	st  []uint8
	// planes are the plane rows with samples that differ, not listed:
	// their words are in words.
	planes []planeSeg
	words  []int64
	// haploid counts the haploid samples listed.
	haploid int
	// freq is the effect allele frequency in the reference cohort (NaN
	// when nobody there is called); missing the samples without a call.
	freq    float64
	missing int
	// alleles and count are the reference cohort's called alleles and
	// effect alleles, while plane rows are added.
	alleles, count int

	// pending are the scores to add this decoding to (accum.apply).
	pending []pendingUse

	// dense scratch: one dosage per cohort sample, and a second for
	// another record at the same position (then the differing samples'
	// dosages, pos their positions).
	dense, other []genotypes.Dosage
	pos          []int32
}

// planeSeg is one plane row of a decoding: the samples from first on,
// words[from:to] of the decoding, and the genotype state of each plane
// value (lut[0] unused: value 0 is the baseline).
type planeSeg struct {
	first, from, to int32
	lut             [4]uint8
}

// reset forgets the differing samples.
func (v *dosages) reset() {
	v.idx, v.st, v.missing, v.haploid = v.idx[:0], v.st[:0], 0, 0
	v.planes, v.words = v.planes[:0], v.words[:0]
}

// stateFacts are what a genotype state adds to a decoding's counts:
// missing, haploid, and the called alleles beyond 2 and effect alleles
// of a sample in the reference cohort.
type stateFacts struct{ missing, haploid, allelesDef, count int8 }

var stateFact = [8]stateFacts{ // 8 so that a state masked by 7 needs no bounds check
	stMissing: {missing: 1, allelesDef: -2}, stHaploid0: {haploid: 1, allelesDef: -1},
	stHaploid1: {haploid: 1, allelesDef: -1, count: 1}, stDiploid0: {}, stDiploid1: {count: 1}, stDiploid2: {count: 2}}

// list lists the samples of positions pos (from first on) whose dosage
// ds is not the baseline, adding them to the decoding's counts (in a
// sample's own sums, so that no counter waits on the previous update).
func (v *dosages) list(pos []int32, first int32, ds []genotypes.Dosage, in []bool) {
	baseline := uint8(state(v.base, 2))
	n := len(v.idx)
	v.idx = slices.Grow(v.idx, len(pos))[:n+len(pos)]
	v.st = slices.Grow(v.st, len(pos))[:n+len(pos)]
	ds = ds[:len(pos)]
	var missing, haploid, nIn, alleles, count int
	for j, o := range pos {
		s := stateOf[ds[j]&15]
		i := first + o
		v.idx[n], v.st[n] = i, s
		if s == baseline {
			continue
		}
		n++
		f, isIn := &stateFact[s&7], -b2i(in[i]) // all ones when in
		missing += int(f.missing)
		haploid += int(f.haploid)
		nIn -= isIn
		alleles += int(f.allelesDef) & isIn
		count += int(f.count) & isIn
	}
	v.idx, v.st = v.idx[:n], v.st[:n]
	v.missing, v.haploid = v.missing+missing, v.haploid+haploid
	v.alleles, v.count = v.alleles+alleles, v.count+count-int(v.base)*nIn
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
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
	v.reset()
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
	v.alleles, v.count = 2*nRef, int(v.base)*nRef
	v.pos, v.other = v.pos[:0], v.other[:0]
	for i := range differing(v.dense, baseline) {
		v.pos, v.other = append(v.pos, int32(i)), append(v.other, v.dense[i])
	}
	v.list(v.pos, 0, v.other, in)
	v.endRows()
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
	b := valueBits(word)
	c[1] += bits.OnesCount64(b[0])
	c[2] += bits.OnesCount64(b[1])
	c[3] += bits.OnesCount64(b[2])
}

// decodePlanes is decode of one record read densely, from its stored
// rows (genotypes.DenseSite.PlaneRows) in one pass (startRows, addRow for
// each row, endRows). False when the site cannot be read so (nothing
// done).
func (v *dosages) decodePlanes(ds *genotypes.DenseSite, index int, ref *refCohort) bool {
	v.startRows(ref)
	_, ok := ds.PlaneRows(index, func(r *genotypes.PlaneRow) { v.addRow(r, ref) })
	if !ok {
		v.reset()
		return false
	}
	v.endRows()
	return true
}

// startRows begins a decoding from plane rows (v.base set): no sample
// differs yet, and the reference cohort's alleles are all the baseline's.
func (v *dosages) startRows(ref *refCohort) {
	v.reset()
	v.alleles, v.count = 2*ref.n, int(v.base)*ref.n
}

// addRow adds one stored row: its plane, when some value differs from
// the baseline, kept as words (accum.apply finds the differing samples),
// the differing samples of its list one by one; the reference cohort's
// allele counts and the missing calls counted per plane value a word at a
// time (masked by the cohort's plane when it is a subset).
func (v *dosages) addRow(r *genotypes.PlaneRow, ref *refCohort) {
	base := int(v.base)
	baseline := uint8(state(v.base, 2))
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
			v.alleles += in[val] * (d.Ploidy() - 2)
			v.count += in[val] * (d.Count() - base)
		}
		v.addPlane(r.Words, r.First, &lut)
	}
	if len(r.Listed) > 0 {
		v.list(r.Listed, r.First, r.Dosages, ref.in)
	}
}

// endRows sets the effect allele frequency from the counts.
func (v *dosages) endRows() {
	v.freq = math.NaN()
	if v.alleles > 0 {
		v.freq = float64(v.count) / float64(v.alleles)
	}
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

// addPlane keeps a plane's words (first: the position of its first
// sample, lut: each value's genotype state) as a planeSeg. A value whose
// state is the baseline (another phase of the default) is kept: it adds
// nothing.
func (v *dosages) addPlane(words []int64, first int32, lut *[4]uint8) {
	from := len(v.words)
	v.words = append(v.words, words...)
	v.planes = append(v.planes, planeSeg{first: first, from: int32(from), to: int32(len(v.words)), lut: *lut})
}

// m55 selects the low bit of each 2-bit value of a plane word.
const m55 = 0x5555555555555555

// valueBits returns the low bits of the 2-bit values 1, 2 and 3 of a
// plane word.
func valueBits(word uint64) [3]uint64 {
	lo, hi := word&m55, (word>>1)&m55
	return [3]uint64{lo &^ hi, hi &^ lo, lo & hi}
}

// expandPlanes lists the samples of the decoding's planes one by one (for
// the accumulator's general path).
func (v *dosages) expandPlanes() {
	for _, p := range v.planes {
		for w, word := range v.words[p.from:p.to] {
			at := p.first + int32(w*32)
			for u := uint64(word); u != 0; {
				tz := bits.TrailingZeros64(u) &^ 1
				v.idx, v.st = append(v.idx, at+int32(tz/2)), append(v.st, p.lut[(u>>tz)&3])
				u &^= 3 << tz
			}
		}
	}
	v.planes, v.words = v.planes[:0], v.words[:0]
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
