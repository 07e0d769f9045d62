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
	r := newDpydRun(m, ob, sites, haploid)
	b3, uncertain := r.hapB3(phased, call)
	if phased {
		return []phenotype.Diplotype{r.perChromosome(b3)}, uncertain
	}
	return []phenotype.Diplotype{r.lowestTwo(b3, call)}, uncertain
}

// dpydRun is one DPYD call: the HapB3 positions and alleles, and which
// positions have data.
type dpydRun struct {
	m      *geneModel
	ob     []obs
	avail  map[int]bool
	ploidy int
	// intron and exon are the HapB3 positions; iB3 and iIntronic the
	// HapB3 allele and the intronic allele alone (-1 when absent).
	intron, exon   int
	iB3, iIntronic int
}

func newDpydRun(m *geneModel, ob []obs, sites []site, haploid bool) *dpydRun {
	r := &dpydRun{m: m, ob: ob, avail: map[int]bool{}, ploidy: 2, intron: -1, exon: -1, iB3: -1, iIntronic: -1}
	if haploid {
		r.ploidy = 1
	}
	for _, s := range sites {
		r.avail[s.pi] = true
	}
	for pi, p := range m.positions {
		switch p.pos.RSID {
		case hapB3Intron:
			r.intron = pi
		case hapB3Exon:
			r.exon = pi
		}
	}
	for ai, a := range m.gene.Alleles {
		switch a.Name {
		case hapB3:
			r.iB3 = ai
		case hapB3IntronicName:
			r.iIntronic = ai
		}
	}
	return r
}

// alt reports whether haplotype h carries allele ai's variant at pi.
func (r *dpydRun) alt(ai, pi, h int) bool {
	return alleles.Matches(r.m.positions[pi].eff[ai], r.ob[pi].hap[h])
}

func (r *dpydRun) special(ai int) bool { return ai == r.iB3 || ai == r.iIntronic }

// b3name names a HapB3 call: 2 HapB3, 1 the intronic allele alone.
func (r *dpydRun) b3name(v int) string {
	if v == 2 {
		return r.m.gene.Alleles[r.iB3].Name
	}
	return r.m.gene.Alleles[r.iIntronic].Name
}

// present reports whether a non-HapB3 allele is on haplotype h.
func (r *dpydRun) present(ai, h int) bool {
	seen := false
	for _, pi := range r.m.varPos[ai] {
		if !r.avail[pi] {
			continue
		}
		seen = true
		if !r.alt(ai, pi, h) {
			return false
		}
	}
	return seen
}

// hapB3 calls HapB3 per haplotype: 0 none, 1 the intronic allele alone,
// 2 HapB3 (PharmCAT's DpydHapB3Matcher).
func (r *dpydRun) hapB3(phased bool, call *pharmacogenomics.GeneCall) ([]int, bool) {
	b3 := make([]int, r.ploidy)
	if r.iB3 < 0 || r.iIntronic < 0 || r.intron < 0 || r.exon < 0 {
		return b3, false
	}
	haveI, haveE := r.avail[r.intron], r.avail[r.exon]
	nI, nE := 0, 0
	for h := 0; h < r.ploidy; h++ {
		if haveI && r.alt(r.iB3, r.intron, h) {
			nI++
		}
		if haveE && r.alt(r.iB3, r.exon, h) {
			nE++
		}
	}
	switch {
	case haveI && haveE && phased:
		r.hapB3Phased(b3, call)
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
		for h := 0; h < r.ploidy; h++ {
			if r.alt(r.iB3, r.intron, h) {
				b3[h] = 1
			}
		}
	case haveE:
		for h := 0; h < r.ploidy; h++ {
			if r.alt(r.iB3, r.exon, h) {
				b3[h] = 2
			}
		}
		if nE > 0 {
			call.Notes = append(call.Notes, fmt.Sprintf("HapB3 judged from exonic %s alone: genotype intronic %s to confirm HapB3 (decreased function)", hapB3Exon, hapB3Intron))
			return b3, true
		}
	}
	return b3, false
}

// hapB3Phased calls HapB3 chromosome by chromosome: the intronic variant
// decides, with the exonic one it is HapB3.
func (r *dpydRun) hapB3Phased(b3 []int, call *pharmacogenomics.GeneCall) {
	for h := 0; h < r.ploidy; h++ {
		i, e := r.alt(r.iB3, r.intron, h), r.alt(r.iB3, r.exon, h)
		switch {
		case i && e:
			b3[h] = 2
		case i:
			b3[h] = 1
		case e:
			call.Notes = appendOnce(call.Notes, fmt.Sprintf("HapB3: exonic %s without intronic %s on the same chromosome; the intronic variant decides (not HapB3)", hapB3Exon, hapB3Intron))
		}
	}
}

// perChromosome lists each chromosome's variants in definition order,
// HapB3 (or the intronic allele alone) at its own place; "Reference" when
// a chromosome carries none.
func (r *dpydRun) perChromosome(b3 []int) phenotype.Diplotype {
	g := r.m.gene
	d := make(phenotype.Diplotype, r.ploidy)
	for h := 0; h < r.ploidy; h++ {
		for ai, a := range g.Alleles {
			switch {
			case ai == r.m.ref:
			case r.special(ai):
				if b3[h] > 0 && a.Name == r.b3name(b3[h]) {
					d[h] = append(d[h], a.Name)
				}
			case r.present(ai, h):
				d[h] = append(d[h], a.Name)
			}
		}
		if len(d[h]) == 0 {
			d[h] = []string{g.Alleles[r.m.ref].Name}
		}
	}
	return d
}

// lowestTwo is the unphased call: the variants found, once per copy, and
// the two of lowest function as the diplotype (CPIC).
func (r *dpydRun) lowestTwo(b3 []int, call *pharmacogenomics.GeneCall) phenotype.Diplotype {
	g := r.m.gene
	var found []string
	for ai, a := range g.Alleles {
		if ai == r.m.ref || r.special(ai) {
			continue
		}
		for h := 0; h < r.ploidy; h++ {
			if r.present(ai, h) {
				found = append(found, a.Name)
			}
		}
	}
	for _, v := range b3 {
		if v > 0 {
			found = append(found, r.b3name(v))
		}
	}
	a, b := phenotype.LowestTwo(g, found)
	if a == "Reference" {
		a = g.Alleles[r.m.ref].Name
	}
	if b == "Reference" {
		b = g.Alleles[r.m.ref].Name
	}
	call.Notes = append(call.Notes, fmt.Sprintf("unphased DPYD data; variants found: %s; the activity score uses the two lowest-function variants, presumed to be on different chromosomes (CPIC)", phenotype.ListVariants(found)))
	return phenotype.Diplotype{{a}, {b}}
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
