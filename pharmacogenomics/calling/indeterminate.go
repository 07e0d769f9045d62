package calling

import (
	"fmt"
	"strconv"
)

// Heteroplasmy: a chrM call is heteroplasmic when it is heterozygous (0/1),
// or when at least heteroplasmyMin and at most 1-heteroplasmyMin of its
// reads (FORMAT/AD) carry a non-reference allele, whatever its GT says.
const heteroplasmyMin = 0.05

func heteroplasmic(o *obs) bool {
	if o.ploidy == 2 && o.hap[0] != o.hap[1] {
		return true
	}
	return o.hasAF && o.af >= heteroplasmyMin && o.af <= 1-heteroplasmyMin
}

func afText(o *obs) string {
	if !o.hasAF {
		return ""
	}
	return " (non-reference allele fraction " + strconv.FormatFloat(o.af, 'f', 2, 64) + ")"
}

// definesReduced reports whether position pi defines an allele of reduced
// function (by the gene's allele-function table).
func definesReduced(m *geneModel, pi int) bool {
	found := false
	m.positions[pi].variant.each(func(ai int) {
		found = found || (ai != m.ref && reducedFunction(m.gene, reportName(m.gene, m.gene.Alleles[ai].Name)))
	})
	return found
}

func heteroplasmyNote(p *posModel, o *obs) string {
	return fmt.Sprintf("indeterminate: heteroplasmic call at %s%s%s, a position that defines an increased-risk allele; confirm the variant and its heteroplasmy level before treatment (it is not read as normal risk)",
		p.locus, rsid(p), afText(o))
}

func hetMaleNote(gene string, p *posModel) string {
	return fmt.Sprintf("indeterminate: heterozygous %s genotype at %s%s in a male (XXY, mosaicism or an artefact); measure %s enzyme activity to confirm (CPIC); it is not read as normal",
		gene, p.locus, rsid(p), gene)
}

func appendIf(s []string, ok bool, v string) []string {
	if !ok {
		return s
	}
	return append(s, v)
}
