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

	// dense scratch: one entry per cohort sample.
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
// the reference cohort; allRef says every sample is in it.
func (v *dosages) decode(hits []recIndex, ref []bool, allRef bool) {
	n := len(ref)
	if cap(v.dDos) < n {
		v.dDos, v.dPloidy = make([]int8, n), make([]int8, n)
	}
	dos, pl := v.dDos[:n], v.dPloidy[:n]
	decodeFirst(hits[0], dos, pl)
	for _, h := range hits[1:] {
		decodeMissing(h, dos, pl)
	}
	var hist [3]int
	var alleles, count int
	for i := range dos {
		if pl[i] == 2 {
			hist[dos[i]]++
		}
		if allRef || ref[i] {
			alleles += int(pl[i])
			count += int(dos[i])
		}
	}
	v.freq = math.NaN()
	if alleles > 0 {
		v.freq = float64(count) / float64(alleles)
	}
	v.base = 0
	if hist[1] > hist[v.base] {
		v.base = 1
	}
	if hist[2] > hist[v.base] {
		v.base = 2
	}
	v.sparse(dos, pl)
}

// decodeFirst decodes one record allele into dos and ploidy; a code seen
// just before is not decoded again (most samples repeat a few codes).
func decodeFirst(h recIndex, dos, pl []int8) {
	a1 := int32(h.index + 1)
	last, ld, lp := int32(-1), int8(0), int8(0)
	for i, c := range h.rec.Codes[:len(dos)] {
		if c != last {
			last = c
			ld, lp = codeDosage(c, a1)
		}
		dos[i], pl[i] = ld, lp
	}
}

// decodeMissing fills the samples still missing from another record at
// the same position.
func decodeMissing(h recIndex, dos, pl []int8) {
	if h.index < 0 {
		return
	}
	a1 := int32(h.index + 1)
	for i, c := range h.rec.Codes[:len(dos)] {
		if pl[i] == 0 {
			dos[i], pl[i] = codeDosage(c, a1)
		}
	}
}

// sparse keeps the samples that differ from the baseline.
func (v *dosages) sparse(dos, pl []int8) {
	v.idx, v.dos, v.ploidy, v.missing = v.idx[:0], v.dos[:0], v.ploidy[:0], 0
	base := v.base
	for i := range dos {
		if pl[i] == 2 && dos[i] == base {
			continue
		}
		if pl[i] == 0 {
			v.missing++
		}
		v.idx = append(v.idx, int32(i))
		v.dos = append(v.dos, dos[i])
		v.ploidy = append(v.ploidy, pl[i])
	}
}

// sampleAcc is one sample's running totals for one score, as differences
// from the score's baseline totals (scoreAcc): what the sample's genotypes
// added beyond the baseline dosages.
type sampleAcc struct {
	sum, dosage         float64
	missing             int32
	alleleDef, denomDef int32 // alleles and DENOM below 2 per variant
}

// scoreAcc is one score's totals: the baseline shared by every sample and
// each sample's difference from it.
type scoreAcc struct {
	sum, dosage      float64
	alleles, denom   int // 2 per used variant
	samples          []sampleAcc
	noMeanImputation bool
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

// add adds one used variant (weight w) to the score: the baseline once,
// then each differing sample. A missing genotype counts as ploidy 2 × f
// (additive) or f (dominant, recessive) as plink2 imputes it, or nothing
// with no-mean-imputation or no frequency.
func (a *scoreAcc) add(v *dosages, w float64, dominant, recessive bool) {
	xb := weighted(v.base, 2, dominant, recessive)
	a.sum += w * xb
	a.dosage += float64(v.base)
	a.alleles += 2
	a.denom += 2
	impute := 2 * v.freq
	if dominant || recessive {
		impute = v.freq
	}
	imputes := !a.noMeanImputation && !math.IsNaN(v.freq)
	for j, i := range v.idx {
		s := &a.samples[i]
		p := v.ploidy[j]
		if p == 0 {
			s.missing++
			s.alleleDef += 2
			s.dosage -= float64(v.base)
			if imputes {
				s.sum += w * (impute - xb)
			} else {
				s.sum -= w * xb
				s.denomDef += 2
			}
			continue
		}
		d := v.dos[j]
		s.sum += w * (weighted(d, p, dominant, recessive) - xb)
		s.dosage += float64(d - v.base)
		s.alleleDef += int32(2 - p)
		s.denomDef += int32(2 - p)
	}
}

// fill writes the totals into the result's samples.
func (a *scoreAcc) fill(r *ScoreResult) {
	for i := range r.Samples {
		s, d := &r.Samples[i], &a.samples[i]
		s.Sum = a.sum + d.sum
		s.DosageSum = a.dosage + d.dosage
		s.AlleleCount = a.alleles - int(d.alleleDef)
		s.Denom = a.denom - int(d.denomDef)
		s.Missing = int(d.missing)
	}
}
