package calling

import (
	"fmt"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

// HapB3 positions: the intronic c.1129-5923C>G decides, the exonic
// c.1236G>A (synonymous) only stands in when the intronic one is missing.
const (
	hapB3Intron = "rs75017182"
	hapB3Exon   = "rs56038477"
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
	// present reports whether allele ai is on haplotype h.
	present := func(ai, h int) (bool, bool) {
		if isHapB3(g.Name, g.Alleles[ai].Name) && intron >= 0 && exon >= 0 {
			switch {
			case avail[intron]:
				return alleles.Matches(m.positions[intron].eff[ai], ob[intron].hap[h]), true
			case avail[exon]:
				return alleles.Matches(m.positions[exon].eff[ai], ob[exon].hap[h]), true
			}
			return false, false
		}
		seen := false
		for _, s := range sites {
			p := &m.positions[s.pi]
			if !p.variant.has(ai) {
				continue
			}
			seen = true
			if !alleles.Matches(p.eff[ai], ob[s.pi].hap[h]) {
				return false, true
			}
		}
		return seen, seen
	}
	if intron >= 0 && exon >= 0 {
		switch {
		case avail[intron] && avail[exon] && (ob[intron].hap[0] != m.positions[intron].pos.Ref || ob[intron].hap[1] != m.positions[intron].pos.Ref ||
			ob[exon].hap[0] != m.positions[exon].pos.Ref || ob[exon].hap[1] != m.positions[exon].pos.Ref) &&
			altCount(ob[intron], m.positions[intron].pos.Ref) != altCount(ob[exon], m.positions[exon].pos.Ref):
			call.Notes = append(call.Notes, fmt.Sprintf("HapB3: intronic %s and exonic %s disagree; the intronic variant decides", hapB3Intron, hapB3Exon))
		case !avail[intron] && avail[exon]:
			uncertain = true
			call.Notes = append(call.Notes, fmt.Sprintf("HapB3 judged from exonic %s alone: genotype intronic %s to confirm or exclude HapB3 (decreased function)", hapB3Exon, hapB3Intron))
		}
	}
	ploidy := 2
	if haploid {
		ploidy = 1
	}
	if phased {
		d := make(phenotype.Diplotype, ploidy)
		for h := 0; h < ploidy; h++ {
			for ai, a := range g.Alleles {
				if ai == m.ref {
					continue
				}
				if ok, _ := present(ai, h); ok {
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
		if ai == m.ref {
			continue
		}
		for h := 0; h < ploidy; h++ {
			if ok, _ := present(ai, h); ok {
				found = append(found, a.Name)
			}
		}
	}
	a, b := phenotype.LowestTwo(g, found)
	if a == "Reference" {
		a = g.Alleles[m.ref].Name
	}
	if b == "Reference" {
		b = g.Alleles[m.ref].Name
	}
	call.Notes = append(call.Notes, fmt.Sprintf("unphased DPYD data; variants found: %s; the activity score uses the two lowest-function variants, presumed to be on different chromosomes (CPIC)", listNames(found)))
	return []phenotype.Diplotype{{{a}, {b}}}, uncertain
}

func altCount(o obs, ref string) int {
	n := 0
	for h := 0; h < o.ploidy; h++ {
		if o.hap[h] != ref {
			n++
		}
	}
	return n
}
