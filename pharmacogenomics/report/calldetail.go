package report

import (
	"fmt"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
)

// callReadings spells what a call carries beyond its caveats, for the gene
// table: each possible reading of an uncertain call with its phenotype (the
// one the call reports marked), and the reduced-function alleles that were
// not tested.
func callReadings(g pharmacogenomics.GeneCall) []string {
	var out []string
	if len(g.Alternatives) > 1 {
		var parts []string
		for _, a := range g.Alternatives {
			s := strings.Join(a.Diplotypes, " or ") + " → " + a.Phenotype
			if a.ActivityScore != nil {
				s += fmt.Sprintf(" (activity score %g)", *a.ActivityScore)
			}
			if a.Assumed {
				s += " (reported)"
			}
			parts = append(parts, s)
		}
		out = append(out, fmt.Sprintf("%s could be read %d ways: %s", g.Gene, len(parts), strings.Join(parts, "; ")))
	}
	if len(g.Untested) > 0 {
		out = append(out, fmt.Sprintf("%s not tested (a position defining them was not genotyped): %s", g.Gene, strings.Join(g.Untested, "; ")))
	}
	return out
}
