package calling

import (
	"fmt"
	"slices"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

// maxPhaseAlternatives bounds the diplotypes listed as phase alternatives.
const maxPhaseAlternatives = 32

// phaseAlternatives states what else unphased heterozygous variants can
// be: every other diplotype that explains the genotypes exactly with the
// variants on the chromosomes another way (TPMT *1/*3A or *3B/*3C), each
// with its phenotype. PharmCAT reports the best-scoring diplotype (the
// most specific alleles) and so does varamu; when an alternative has
// another phenotype the call is uncertain and carries Alternatives, the
// reported one marked Assumed.
func phaseAlternatives(m *geneModel, sites []site, cand bitset, score []int, nBlocks int, reported []phenotype.Diplotype, call *pharmacogenomics.GeneCall) {
	g := m.gene
	all := matchDiplotypes(m, sites, cand, score, false, nBlocks, true)
	names := make([]string, len(reported))
	for i, d := range reported {
		names[i] = d.Name(g)
	}
	var others []scored
	for _, s := range all {
		if !slices.Contains(names, s.name) {
			others = append(others, s)
		}
	}
	if len(others) == 0 || len(others) > maxPhaseAlternatives {
		if len(others) > 0 {
			call.Notes = append(call.Notes, fmt.Sprintf("unphased: %d other diplotypes also fit the genotypes", len(others)))
		}
		return
	}
	res := phenotype.Translate(g, reported)
	alts := []pharmacogenomics.Alternative{{Diplotypes: slices.Clone(names), Phenotype: res.Phenotype, ActivityScore: res.Activity, Assumed: true}}
	var parts []string
	for _, o := range others {
		r := phenotype.Translate(g, []phenotype.Diplotype{o.d})
		alts = addAlternative(alts, pharmacogenomics.Alternative{Diplotypes: []string{o.name}, Phenotype: r.Phenotype, ActivityScore: r.Activity})
		parts = append(parts, o.name+" ("+r.Phenotype+")")
	}
	if !slices.ContainsFunc(call.Notes, func(n string) bool { return strings.HasPrefix(n, "unphased data fit") }) {
		call.Notes = append(call.Notes, fmt.Sprintf("unphased: the variants also fit %s; %s (%s) is reported, as PharmCAT reports it",
			strings.Join(parts, ", "), strings.Join(names, " or "), res.Phenotype))
	}
	if len(alts) > 1 {
		call.Alternatives = alts
		call.Uncertain = true
		call.Notes = append(call.Notes, "the phase alternatives differ in phenotype ("+strings.Join(parts, ", ")+"): the call is uncertain; phase the variants (long reads, family or a phasing assay) to decide")
	}
}

// tieAlternatives makes tied diplotypes with different phenotypes the
// call's Alternatives, none assumed: the data cannot choose between them.
func tieAlternatives(g *alleles.Gene, dips []phenotype.Diplotype, call *pharmacogenomics.GeneCall) {
	if len(dips) < 2 || len(dips) > maxPhaseAlternatives {
		return
	}
	var alts []pharmacogenomics.Alternative
	for _, d := range dips {
		r := phenotype.Translate(g, []phenotype.Diplotype{d})
		alts = addAlternative(alts, pharmacogenomics.Alternative{Diplotypes: []string{d.Name(g)}, Phenotype: r.Phenotype, ActivityScore: r.Activity})
	}
	if len(alts) > 1 {
		call.Alternatives = alts
	}
}
