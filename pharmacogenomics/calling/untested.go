package calling

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// untested lists the alleles of reduced function (no function, decreased
// function, deficient, increased risk, ... as the gene's allele-function
// table says) that the data cannot rule out because a position defining
// them was not genotyped: each with the missing positions, "*2 at
// chr10:94781859 (rs4244285)". An allele is ruled out when a position
// that defines it was genotyped and neither chromosome carries its allele
// there.
func untested(m *geneModel, ob []obs, missing bitset) []string {
	g := m.gene
	var out []string
	seen := map[string]bool{}
	for ai, a := range g.Alleles {
		name := reportName(g, a.Name)
		if ai == m.ref || seen[name] || !reducedFunction(g, name) {
			continue
		}
		var miss []string
		excluded := false
		for _, pi := range m.varPos[ai] {
			p := &m.positions[pi]
			if missing.has(pi) {
				miss = append(miss, p.locus.String()+rsid(p))
				continue
			}
			hit := false
			for h := 0; h < ob[pi].ploidy; h++ {
				hit = hit || alleles.Matches(p.eff[ai], ob[pi].hap[h])
			}
			if !hit {
				excluded = true
				break
			}
		}
		if len(miss) == 0 || excluded {
			continue
		}
		seen[name] = true
		out = append(out, name+" at "+strings.Join(miss, ", "))
	}
	return out
}

// reducedFunction reads the gene's allele-function table: an activity
// value below 1 (one normal copy), or a function that lowers activity or
// raises risk.
func reducedFunction(g *alleles.Gene, name string) bool {
	f, ok := g.Function(name)
	if !ok {
		return false
	}
	for _, s := range []string{f.Activity, f.Function} {
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			return v < 1
		}
	}
	fn := strings.ToLower(f.Function)
	for _, w := range []string{"no function", "decreased function", "deficient", "increased risk",
		"malignant hyperthermia associated", "higher coumarin sensitivity", "unfavorable response", "non-responsive"} {
		if strings.Contains(fn, w) {
			return true
		}
	}
	return false
}

// untestedNote says what the untested alleles mean for the call.
func untestedNote(u []string) string {
	return fmt.Sprintf("incomplete: reduced-function allele(s) not tested, a position defining them was not genotyped: %s; test before treatment", listNames(u))
}
