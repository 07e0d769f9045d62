package risk

import (
	"math"
	"strings"
)

// Orientation says how a scoring file's alleles were found at a store site.
type Orientation string

// Orientations of a matched or unmatched scoring variant.
const (
	Direct         Orientation = "direct"          // effect allele is the ALT, other the REF
	Swapped        Orientation = "swapped"         // effect allele is the REF
	Flipped        Orientation = "flipped"         // reverse strand: complement of effect is ALT
	FlippedSwapped Orientation = "flipped-swapped" // reverse strand and effect is REF
	// AmbiguousResolved is an A/T or C/G SNP whose strand the allele
	// frequencies told apart.
	AmbiguousResolved Orientation = "ambiguous-resolved"
	// AmbiguousDropped is an A/T or C/G SNP left out.
	AmbiguousDropped Orientation = "ambiguous-dropped"
	// NoSite means the store has no record at the position.
	NoSite Orientation = "no-site"
	// AlleleMismatch means the store has records at the position but none
	// with the scoring file's alleles.
	AlleleMismatch Orientation = "allele-mismatch"
)

// Used reports whether a variant with this orientation contributes to the
// score.
func (o Orientation) Used() bool {
	switch o {
	case Direct, Swapped, Flipped, FlippedSwapped, AmbiguousResolved:
		return true
	}
	return false
}

// complement returns the reverse complement of an allele; "" when it holds
// a base other than A, C, G, T.
func complement(a string) string {
	b := make([]byte, len(a))
	for i := 0; i < len(a); i++ {
		var c byte
		switch a[len(a)-1-i] {
		case 'A':
			c = 'T'
		case 'T':
			c = 'A'
		case 'C':
			c = 'G'
		case 'G':
			c = 'C'
		default:
			return ""
		}
		b[i] = c
	}
	return string(b)
}

// Ambiguous reports whether effect/other is a strand-ambiguous SNP (A/T or
// C/G): the other strand reads the same pair.
func Ambiguous(effect, other string) bool {
	return len(effect) == 1 && len(other) == 1 && complement(effect) == other
}

// siteMatch is where a scoring variant's effect allele is at one record.
type siteMatch struct {
	index  int // allele index of the effect allele in [REF, ALTs...]; -1 none
	orient Orientation
}

// matchAlleles finds the effect allele at a record with ref and alts. An
// ambiguous pair that matches is returned with orientation
// AmbiguousDropped and the direct index; resolveAmbiguous decides it.
func matchAlleles(effect, other, ref string, alts []string) siteMatch {
	ref = strings.ToUpper(ref)
	isAlt := func(a string) int {
		for k, x := range alts {
			if strings.EqualFold(x, a) {
				return k + 1
			}
		}
		return -1
	}
	amb := Ambiguous(effect, other)
	// Direct and swapped first, then strand flips.
	if k := isAlt(effect); k > 0 && (other == "" || other == ref) {
		return ambiguousOr(amb, siteMatch{k, Direct})
	}
	if effect == ref && (other == "" || isAlt(other) > 0) {
		return ambiguousOr(amb, siteMatch{0, Swapped})
	}
	if other == "" || amb {
		return siteMatch{-1, AlleleMismatch}
	}
	ce, co := complement(effect), complement(other)
	if ce == "" || co == "" {
		return siteMatch{-1, AlleleMismatch}
	}
	if k := isAlt(ce); k > 0 && co == ref {
		return siteMatch{k, Flipped}
	}
	if ce == ref && isAlt(co) > 0 {
		return siteMatch{0, FlippedSwapped}
	}
	return siteMatch{-1, AlleleMismatch}
}

func ambiguousOr(amb bool, m siteMatch) siteMatch {
	if amb {
		m.orient = AmbiguousDropped
	}
	return m
}

// ambiguousMargin is how far from 0.5 both frequencies must be for the
// strand of an A/T or C/G SNP to be read from them.
const ambiguousMargin = 0.1

// resolveAmbiguous decides an ambiguous SNP from the scoring file's effect
// allele frequency and the cohort's frequency of the allele that reads as
// the effect allele on the forward strand. It returns the orientation and
// whether the effect allele is the complement (the other allele of the
// site), with a reason when dropped.
func resolveAmbiguous(fileFreq, cohortFreq float64) (keep, flip bool, why string) {
	switch {
	case math.IsNaN(fileFreq):
		return false, false, "strand-ambiguous SNP and the scoring file gives no effect allele frequency"
	case math.IsNaN(cohortFreq):
		return false, false, "strand-ambiguous SNP with no genotypes in the cohort"
	case math.Abs(fileFreq-0.5) < ambiguousMargin || math.Abs(cohortFreq-0.5) < ambiguousMargin:
		return false, false, "strand-ambiguous SNP with an allele frequency near 0.5"
	}
	return true, (fileFreq > 0.5) != (cohortFreq > 0.5), ""
}
