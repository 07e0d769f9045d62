package calling

import (
	"fmt"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

// lookupNotePrefix starts the note naming the diplotype a DPYD call is
// looked up by when it is not the called diplotype itself.
const lookupNotePrefix = "looked up by the lowest-function alleles (PharmCAT): "

// HapB3 (PharmCAT DpydHapB3Matcher, Gene-Definition-Exceptions): the
// intronic c.1129-5923C>G decides; with the exonic c.1236G>A (synonymous) on
// the same chromosome it is HapB3, alone it is the intronic allele; the
// exonic variant alone is not HapB3, except when the intronic position is
// missing, where it stands in (with a warning).
const (
	hapB3Intron       = "rs75017182"
	hapB3Exon         = "rs56038477"
	hapB3IntronicName = "c.1129-5923C>G"
)

// dpyd calls DPYD variant by variant, as CPIC scores it: with phased (or
// effectively phased) data each chromosome lists its variants and the lowest
// function on each counts; with unphased data the two lowest-function
// variants count, presumed on different chromosomes.
func (c *Caller) dpyd(m *geneModel, ob []obs, sites []site, haploid, phased bool, call *pharmacogenomics.GeneCall) ([]phenotype.Diplotype, bool) {
	g := m.gene
	uncertain := false
	intron, exon := -1, -1
	avail := map[int]bool{}
	for _, s := range sites {
		avail[s.pi] = true
	}
	for pi, p := range m.positions {
		switch p.pos.RSID {
		case hapB3Intron:
			intron = pi
		case hapB3Exon:
			exon = pi
		}
	}
	iB3, iIntronic := -1, -1
	for ai, a := range g.Alleles {
		switch a.Name {
		case hapB3:
			iB3 = ai
		case hapB3IntronicName:
			iIntronic = ai
		}
	}
	special := func(ai int) bool { return ai == iB3 || ai == iIntronic }
	ploidy := 2
	if haploid {
		ploidy = 1
	}
	// alt reports whether haplotype h carries allele ai's variant at pi.
	alt := func(ai, pi, h int) bool { return alleles.Matches(m.positions[pi].eff[ai], ob[pi].hap[h]) }
	// HapB3 calls per haplotype: 0 none, 1 intronic allele, 2 HapB3.
	b3 := make([]int, ploidy)
	if iB3 >= 0 && iIntronic >= 0 && intron >= 0 && exon >= 0 {
		haveI, haveE := avail[intron], avail[exon]
		nI, nE := 0, 0
		for h := 0; h < ploidy; h++ {
			if haveI && alt(iB3, intron, h) {
				nI++
			}
			if haveE && alt(iB3, exon, h) {
				nE++
			}
		}
		switch {
		case haveI && haveE && phased:
			for h := 0; h < ploidy; h++ {
				i, e := alt(iB3, intron, h), alt(iB3, exon, h)
				switch {
				case i && e:
					b3[h] = 2
				case i:
					b3[h] = 1
				case e:
					call.Notes = appendOnce(call.Notes, fmt.Sprintf("HapB3: exonic %s without intronic %s on the same chromosome; the intronic variant decides (not HapB3)", hapB3Exon, hapB3Intron))
				}
			}
		case haveI && haveE:
			both := min(nI, nE)
			for h := 0; h < both; h++ {
				b3[h] = 2
			}
			for h := both; h < nI; h++ {
				b3[h] = 1
			}
			if nE > nI {
				call.Notes = append(call.Notes, fmt.Sprintf("HapB3: %d exonic %s but %d intronic %s; the intronic variant decides", nE, hapB3Exon, nI, hapB3Intron))
			}
		case haveI:
			for h := 0; h < ploidy; h++ {
				if alt(iB3, intron, h) {
					b3[h] = 1
				}
			}
		case haveE:
			for h := 0; h < ploidy; h++ {
				if alt(iB3, exon, h) {
					b3[h] = 2
				}
			}
			if nE > 0 {
				uncertain = true
				call.Notes = append(call.Notes, fmt.Sprintf("HapB3 judged from exonic %s alone: genotype intronic %s to confirm HapB3 (decreased function)", hapB3Exon, hapB3Intron))
			}
		}
	}
	b3name := func(v int) string {
		if v == 2 {
			return g.Alleles[iB3].Name
		}
		return g.Alleles[iIntronic].Name
	}
	// present reports whether a non-HapB3 allele is on haplotype h.
	present := func(ai, h int) bool {
		seen := false
		for _, pi := range m.varPos[ai] {
			if !avail[pi] {
				continue
			}
			seen = true
			if !alt(ai, pi, h) {
				return false
			}
		}
		return seen
	}
	if phased {
		// Each chromosome lists its variants in definition order, HapB3
		// (or the intronic allele alone) at its own place.
		d := make(phenotype.Diplotype, ploidy)
		for h := 0; h < ploidy; h++ {
			for ai, a := range g.Alleles {
				switch {
				case ai == m.ref:
				case special(ai):
					if b3[h] > 0 && a.Name == b3name(b3[h]) {
						d[h] = append(d[h], a.Name)
					}
				case present(ai, h):
					d[h] = append(d[h], a.Name)
				}
			}
			if len(d[h]) == 0 {
				d[h] = []string{g.Alleles[m.ref].Name}
			}
		}
		return []phenotype.Diplotype{d}, uncertain
	}
	var found []string
	for ai, a := range g.Alleles {
		if ai == m.ref || special(ai) {
			continue
		}
		for h := 0; h < ploidy; h++ {
			if present(ai, h) {
				found = append(found, a.Name)
			}
		}
	}
	for _, v := range b3 {
		if v > 0 {
			found = append(found, b3name(v))
		}
	}
	a, b := phenotype.LowestTwo(g, found)
	if a == "Reference" {
		a = g.Alleles[m.ref].Name
	}
	if b == "Reference" {
		b = g.Alleles[m.ref].Name
	}
	call.Notes = append(call.Notes, fmt.Sprintf("unphased DPYD data; variants found: %s; the activity score uses the two lowest-function variants, presumed to be on different chromosomes (CPIC)", phenotype.ListVariants(found)))
	return []phenotype.Diplotype{{{a}, {b}}}, uncertain
}

// dpydLookup gives a DPYD call its phenotype from the diplotype PharmCAT
// looks the recommendation up by (phenotype.LowestFunction), naming that
// diplotype in a note when it is not the call itself. Several possible
// diplotypes (phase sets of unknown relative phase) are each a reading of
// the call: the one of lowest activity is assumed, as PharmCAT does and as
// CPIC scores unphased variants, and the readings that differ in phenotype
// become the call's Alternatives.
func dpydLookup(g *alleles.Gene, dips []phenotype.Diplotype, call *pharmacogenomics.GeneCall) phenotype.Result {
	i, lookup := phenotype.LowestOf(g, dips)
	if i < 0 {
		return phenotype.Result{}
	}
	res := phenotype.Translate(g, dips[i:i+1])
	if name := lookup.Name(g); len(dips) > 1 || name != dips[i].Name(g) {
		score := ""
		if res.ActivityText != "" {
			score = ", activity score " + res.ActivityText
		}
		call.Notes = append(call.Notes, lookupNotePrefix+name+"; "+res.Phenotype+score)
	}
	if len(dips) == 1 {
		return res
	}
	alts := []pharmacogenomics.Alternative{{Diplotypes: []string{dips[i].Name(g)}, Phenotype: res.Phenotype, ActivityScore: res.Activity, Assumed: true}}
	for _, d := range dips {
		r := phenotype.Translate(g, []phenotype.Diplotype{d})
		alts = addAlternative(alts, pharmacogenomics.Alternative{Diplotypes: []string{d.Name(g)}, Phenotype: r.Phenotype, ActivityScore: r.Activity})
	}
	if len(alts) > 1 {
		call.Alternatives = alts
		call.Notes = append(call.Notes, fmt.Sprintf("the possible diplotypes differ in activity: the lowest (%s) is assumed, as PharmCAT does and as CPIC scores unphased DPYD variants; phase the variants to decide", res.Phenotype))
	}
	return res
}
