package risk

import (
	"encoding/binary"
	"iter"
	"math"
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
// each (hits: the first record where a sample is called wins). ref marks
// the reference cohort, nRef counts it.
func (v *dosages) decode(hits []recIndex, ref []bool, nRef int) {
	n := len(ref)
	v.idx, v.st, v.missing = v.idx[:0], v.st[:0], 0
	v.base = 0
	def := genotypes.CodeDosage(hits[0].rec.DefaultGT, hits[0].index)
	if def.Ploidy() == 2 {
		v.base = int8(def.Count())
	}
	if ds, ok := hits[0].rec.d.(*genotypes.DenseSite); ok && len(hits) == 1 && def.Ploidy() == 2 && v.decodeExceptions(ds, hits[0].index, ref, nRef) {
		return
	}
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
		if ref[i] {
			alleles += d.Ploidy() - 2
			count += d.Count() - int(v.base)
		}
	}
	v.freq = math.NaN()
	if alleles > 0 {
		v.freq = float64(count) / float64(alleles)
	}
}

// stateCount and statePloidy are the copies and the ploidy of a genotype
// state.
var (
	stateCount  = [nStates]int{stHaploid1: 1, stDiploid1: 1, stDiploid2: 2}
	statePloidy = [nStates]int{stHaploid0: 1, stHaploid1: 1, stDiploid0: 2, stDiploid1: 2, stDiploid2: 2}
)

// decodeExceptions is decode of one record read densely, visiting only
// the samples its stored rows do not leave at the default genotype (the
// baseline): false when the site cannot be read so (nothing done).
func (v *dosages) decodeExceptions(ds *genotypes.DenseSite, index int, ref []bool, nRef int) bool {
	_, idx, st, ok := ds.AppendMappedExceptions(index, &stateOf, v.idx[:0], v.st[:0])
	if !ok {
		return false
	}
	alleles, count := 2*nRef, int(v.base)*nRef
	for j, i := range idx {
		s := st[j]
		if s == stMissing {
			v.missing++
		}
		if ref[i] {
			alleles += statePloidy[s] - 2
			count += stateCount[s] - int(v.base)
		}
	}
	v.idx, v.st = idx, st
	v.freq = math.NaN()
	if alleles > 0 {
		v.freq = float64(count) / float64(alleles)
	}
	return true
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
