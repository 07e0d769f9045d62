package risk

import (
	"math"

	"github.com/varamu/varamu/genome"
)

// dosages is one effect allele's genotypes over the cohort, kept sparse: a
// baseline dosage that most diploid called samples have, and the samples
// that differ from it (another dosage, haploid, or missing). Scoring adds
// the baseline's contribution once per variant and visits only the
// differing samples, so a variant costs one pass to decode plus the
// differing samples × the scores that use it.
type dosages struct {
	base int8 // dosage of the baseline (diploid, called)
	// idx are the differing samples; dos and ploidy theirs (ploidy 0:
	// missing).
	idx         []int32
	dos, ploidy []int8
	// freq is the effect allele frequency in the reference cohort (NaN
	// when nobody there is called); missing the samples without a call.
	freq    float64
	missing int

	// pending are the scores to add this decoding to (accum.apply).
	pending []pendingUse

	// dense scratch for several records at one position: one entry per
	// cohort sample.
	dDos, dPloidy []int8
}

// codeDosage decodes a genotype code (package genome) into the copies of
// the allele whose index + 1 is a1 and the ploidy; ploidy 0 when the code
// is missing or partly missing (plink2 reads a half-call as missing).
func codeDosage(code, a1 int32) (d, ploidy int8) {
	if code&genome.NoGT != 0 {
		return 0, 0
	}
	x, y := code&0xFFF, (code>>12)&0xFFF
	if x == 0 || y == 0 {
		return 0, 0
	}
	if x == a1 {
		d = 1
	}
	if y == 0xFFF {
		return d, 1
	}
	if y == a1 {
		d++
	}
	return d, 2
}

// decode fills v from the records' codes at the effect allele's index in
// each (hits: the first record where a sample is called wins). ref marks
// the reference cohort, nRef counts it.
func (v *dosages) decode(hits []recIndex, ref []bool, nRef int) {
	v.idx, v.dos, v.ploidy, v.missing = v.idx[:0], v.dos[:0], v.ploidy[:0], 0
	v.base = 0
	if d, p := codeDosage(hits[0].rec.DefaultGT, int32(hits[0].index+1)); p == 2 {
		v.base = d
	}
	if len(hits) == 1 {
		v.decodeOne(hits[0], len(ref))
	} else {
		v.decodeMany(hits, len(ref))
	}
	// The reference cohort's alleles: the baseline for its samples that
	// do not differ, plus those that do.
	alleles, count := 0, 0
	for j, i := range v.idx {
		if ref[i] {
			nRef--
			alleles += int(v.ploidy[j])
			count += int(v.dos[j])
		}
	}
	alleles += 2 * nRef
	count += int(v.base) * nRef
	v.freq = math.NaN()
	if alleles > 0 {
		v.freq = float64(count) / float64(alleles)
	}
}

// decodeOne keeps the samples whose genotype at one record allele differs
// from the baseline. The site's default genotype, which most samples
// have, is recognised without decoding it.
func (v *dosages) decodeOne(h recIndex, n int) {
	a1 := int32(h.index + 1)
	// The default, phased or not (-1: the default differs from the
	// baseline and is decoded like any other code).
	def, defPhased := h.rec.DefaultGT&^gtPhased, h.rec.DefaultGT|gtPhased
	if d, p := codeDosage(def, a1); p != 2 || d != v.base {
		def, defPhased = -1, -1
	}
	last, ld, lp := int32(-1), int8(0), int8(0)
	for i, c := range h.rec.Codes[:n] {
		if c == def || c == defPhased {
			continue
		}
		if c != last {
			last = c
			ld, lp = codeDosage(c, a1)
		}
		if lp == 2 && ld == v.base {
			continue
		}
		v.keep(i, ld, lp)
	}
}

// decodeMany decodes several records at one position (the first where a
// sample is called wins) through dense scratch vectors.
func (v *dosages) decodeMany(hits []recIndex, n int) {
	if cap(v.dDos) < n {
		v.dDos, v.dPloidy = make([]int8, n), make([]int8, n)
	}
	dos, pl := v.dDos[:n], v.dPloidy[:n]
	clear(pl)
	for _, h := range hits {
		if h.index < 0 {
			continue
		}
		a1 := int32(h.index + 1)
		for i, c := range h.rec.Codes[:n] {
			if pl[i] == 0 {
				dos[i], pl[i] = codeDosage(c, a1)
			}
		}
	}
	for i := range dos {
		if pl[i] != 2 || dos[i] != v.base {
			v.keep(i, dos[i], pl[i])
		}
	}
}

// keep records a sample that differs from the baseline.
func (v *dosages) keep(i int, d, p int8) {
	if p == 0 {
		v.missing++
	}
	v.idx = append(v.idx, int32(i))
	v.dos = append(v.dos, d)
	v.ploidy = append(v.ploidy, p)
}

// gtPhased is the phase bit of a genotype code (package genome;
// TestCodeDosage checks it against that package's encoding).
const gtPhased = 1 << 24
