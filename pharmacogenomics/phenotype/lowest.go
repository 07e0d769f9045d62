package phenotype

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// DPYD is looked up by its lowest-function alleles (CPIC 2017, PMID
// 29152729). Which allele stands for a chromosome, and which diplotype
// stands for a call with several possible ones, follows PharmCAT 3
// (reporter/caller/LowestFunctionGeneCaller): alleles are ordered by
// activity value, an allele of unknown value first (it must not be
// hidden), ties by CompareHaplotypeNames; PharmCAT's further tie-break,
// an allele DPWG's table lists before one it does not, decides nothing
// since PharmCAT 3 keeps one allele table for both sources, as the
// embedded data do. Of several diplotypes the one with the lowest summed
// activity is taken (an unknown value counts 2, as in PharmCAT, so that a
// known low reading wins), ties by the names of its alleles.

// compareActivity orders two alleles of a lowest-function gene.
func compareActivity(g *alleles.Gene, a, b string) int {
	va, oka := value(g, a)
	vb, okb := value(g, b)
	switch {
	case !oka && okb:
		return -1
	case oka && !okb:
		return 1
	case oka && va != vb:
		if va < vb {
			return -1
		}
		return 1
	}
	return CompareHaplotypeNames(a, b)
}

// LowestFunction returns the diplotype a DPYD call is looked up by: on each
// chromosome of d the allele of lowest function. A haploid d stays haploid.
func LowestFunction(g *alleles.Gene, d Diplotype) Diplotype {
	out := make(Diplotype, len(d))
	for i, h := range d {
		low := slices.MinFunc(h, func(a, b string) int { return compareActivity(g, a, b) })
		out[i] = []string{low}
	}
	return out
}

// lookupScore is a lookup diplotype's summed activity, an unknown value
// counted as 2, and its allele names in CompareHaplotypeNames order.
func lookupScore(g *alleles.Gene, d Diplotype) (float64, []string) {
	sum := 0.0
	var names []string
	for _, h := range d {
		v, ok := value(g, h[0])
		if !ok {
			v = 2
		}
		sum += v
		names = append(names, h[0])
	}
	slices.SortFunc(names, CompareHaplotypeNames)
	return sum, names
}

// LowestOf returns the index of the diplotype among dips (several possible
// readings of one DPYD call, e.g. phase sets of unknown relative phase)
// whose lookup diplotype has the lowest activity, and that lookup
// diplotype; -1 when dips is empty.
func LowestOf(g *alleles.Gene, dips []Diplotype) (int, Diplotype) {
	best, bestSum := -1, math.Inf(1)
	var bestNames []string
	var bestLookup Diplotype
	for i, d := range dips {
		l := LowestFunction(g, d)
		sum, names := lookupScore(g, l)
		if best >= 0 && (sum > bestSum || sum == bestSum && compareNameLists(names, bestNames) >= 0) {
			continue
		}
		best, bestSum, bestNames, bestLookup = i, sum, names, l
	}
	return best, bestLookup
}

func compareNameLists(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if c := CompareHaplotypeNames(a[i], b[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(a), len(b))
}

// ListVariants spells alleles found variant by variant in unphased data
// as PharmCAT lists them: in CompareHaplotypeNames order, an allele found
// twice once with " (homozygous)".
func ListVariants(found []string) string {
	count := map[string]int{}
	var names []string
	for _, a := range found {
		if count[a] == 0 {
			names = append(names, a)
		}
		count[a]++
	}
	slices.SortFunc(names, CompareHaplotypeNames)
	for i, n := range names {
		if count[n] > 1 {
			names[i] = n + " (homozygous)"
		}
	}
	return strings.Join(names, ", ")
}
