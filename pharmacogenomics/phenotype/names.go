package phenotype

import (
	"cmp"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// Haplotype names are ordered as PharmCAT 3 orders them
// (HaplotypeNameComparator): a single allele before a combination
// "[a + b]"; combinations by number of alleles, then by their first
// allele; HGVS names ("c.1627A>G (*5)") by their first position number,
// then as text; other names with digit runs compared as numbers ("*2"
// before "*10"). Inside a combination the alleles keep the order of the
// gene's definitions.

var hgvsName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:.*:)?[cgnmopr]\.(\d+)`) })

// IsCombination reports whether a haplotype name is a combination "[a + b]".
func IsCombination(name string) bool {
	return strings.HasPrefix(name, "[") && strings.HasSuffix(name, "]") && strings.Contains(name, " + ")
}

// CompareHaplotypeNames orders two haplotype names as PharmCAT does.
func CompareHaplotypeNames(a, b string) int {
	if a == b {
		return 0
	}
	ca, cb := IsCombination(a), IsCombination(b)
	switch {
	case ca && !cb:
		return 1
	case cb && !ca:
		return -1
	case ca:
		pa := strings.Split(a[1:len(a)-1], " + ")
		pb := strings.Split(b[1:len(b)-1], " + ")
		if len(pa) != len(pb) {
			return cmp.Compare(len(pa), len(pb))
		}
		a, b = pa[0], pb[0]
	}
	ma, mb := hgvsName().FindStringSubmatch(a), hgvsName().FindStringSubmatch(b)
	if ma != nil && mb != nil {
		na, _ := strconv.Atoi(ma[1])
		nb, _ := strconv.Atoi(mb[1])
		if na != nb {
			return cmp.Compare(na, nb)
		}
		return strings.Compare(a, b)
	}
	return alleles.NaturalCompare(a, b)
}

// CompareDiplotypeNames orders diplotype names "a/b" as PharmCAT lists
// possible diplotypes: by the first haplotype, then the second, each by
// CompareHaplotypeNames.
func CompareDiplotypeNames(a, b string) int {
	a1, a2, _ := strings.Cut(a, "/")
	b1, b2, _ := strings.Cut(b, "/")
	if c := CompareHaplotypeNames(a1, b1); c != 0 {
		return c
	}
	return CompareHaplotypeNames(a2, b2)
}

// pharmcatOrdered reports whether a diplotype of these names is ordered by
// CompareHaplotypeNames rather than by the gene's table: names called
// variant by variant (HGVS, combinations, the reference).
func pharmcatOrdered(names ...string) bool {
	for _, n := range names {
		if IsCombination(n) || hgvsName().MatchString(n) {
			return true
		}
	}
	return false
}
