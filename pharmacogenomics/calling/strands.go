package calling

import (
	"fmt"
	"slices"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

// Genes called variant by variant (RYR1, CACNA1S; DPYD in dpyd.go) are
// called per chromosome when the data are phased or effectively phased,
// as PharmCAT does: each chromosome lists the variants it carries, in
// definition order, "Reference" when none; a chromosome with several is a
// combination "[c.97A>G + c.418G>A]". A homozygous variant beside a
// heterozygous one is effectively phased: c.418G>A/[c.97A>G + c.418G>A].

func strandCalled(g *alleles.Gene) bool { return g.Name == "RYR1" || g.Name == "CACNA1S" }

// onStrand reports whether haplotype h carries allele ai at every
// genotyped position that defines it (and at least one is genotyped).
func onStrand(m *geneModel, ob []obs, avail map[int]bool, ai, h int) bool {
	seen := false
	for _, pi := range m.varPos[ai] {
		if !avail[pi] {
			continue
		}
		seen = true
		if h >= ob[pi].ploidy || !alleles.Matches(m.positions[pi].eff[ai], ob[pi].hap[h]) {
			return false
		}
	}
	return seen
}

// strands calls a phased sample chromosome by chromosome.
func strands(m *geneModel, ob []obs, sites []site, ploidy int) phenotype.Diplotype {
	g := m.gene
	avail := map[int]bool{}
	for _, s := range sites {
		avail[s.pi] = true
	}
	d := make(phenotype.Diplotype, ploidy)
	for h := 0; h < ploidy; h++ {
		for ai, a := range g.Alleles {
			if ai != m.ref && onStrand(m, ob, avail, ai, h) {
				d[h] = append(d[h], reportName(g, a.Name))
			}
		}
		if len(d[h]) == 0 {
			d[h] = []string{reportName(g, g.Alleles[m.ref].Name)}
		}
	}
	return d
}

// phaseSetOrientations calls a sample whose heterozygous variants are all
// phased but in more than one phase set (FORMAT/PS): the phase sets can
// sit on the chromosomes either way round, so every orientation is called
// (the first phase set fixed) and each distinct diplotype is a candidate.
// call receives the notes of the orientations; ok is false when the
// sample is not of that kind.
func phaseSetOrientations(m *geneModel, ob []obs, sites []site, call *pharmacogenomics.GeneCall,
	one func(ob []obs, call *pharmacogenomics.GeneCall) []phenotype.Diplotype) ([]phenotype.Diplotype, bool) {
	nBlocks := 0
	for _, s := range sites {
		if s.het {
			if !ob[s.pi].phased || ob[s.pi].ps == 0 {
				return nil, false
			}
			nBlocks = max(nBlocks, s.block+1)
		}
	}
	if nBlocks < 2 || nBlocks > maxPhaseSets {
		return nil, false
	}
	var out []phenotype.Diplotype
	seen := map[string]bool{}
	for mask := 0; mask < 1<<(nBlocks-1); mask++ {
		flipped := make([]obs, len(ob))
		copy(flipped, ob)
		for _, s := range sites {
			if s.het && s.block > 0 && mask&(1<<(s.block-1)) != 0 {
				o := &flipped[s.pi]
				o.hap[0], o.hap[1] = o.hap[1], o.hap[0]
			}
		}
		scratch := pharmacogenomics.GeneCall{}
		for _, d := range one(flipped, &scratch) {
			if name := d.Name(m.gene); !seen[name] {
				seen[name] = true
				out = append(out, d)
			}
		}
		for _, n := range scratch.Notes {
			call.Notes = appendOnce(call.Notes, n)
		}
	}
	slices.SortFunc(out, func(a, b phenotype.Diplotype) int {
		return phenotype.CompareDiplotypeNames(a.Name(m.gene), b.Name(m.gene))
	})
	call.Notes = append(call.Notes, fmt.Sprintf("phased in %d phase sets (FORMAT/PS) whose relative phase is unknown: %d possible diplotypes", nBlocks, len(out)))
	return out, true
}

// maxPhaseSets bounds the phase sets whose orientations are enumerated.
const maxPhaseSets = 8

// byStrand calls DPYD, RYR1 and CACNA1S chromosome by chromosome when it
// can (DPYD always: unphased DPYD is scored from its two lowest-function
// variants); handled is false for every other gene and for unphased RYR1
// and CACNA1S, which are matched as pairs.
func (c *Caller) byStrand(m *geneModel, ob []obs, sites []site, haploid bool, call *pharmacogenomics.GeneCall) (dips []phenotype.Diplotype, handled, uncertain bool) {
	g := m.gene
	ploidy := 2
	if haploid {
		ploidy = 1
	}
	switch {
	case g.Name == "DPYD":
		d, multi := phaseSetOrientations(m, ob, sites, call, func(o []obs, sc *pharmacogenomics.GeneCall) []phenotype.Diplotype {
			d, u := c.dpyd(m, o, sites, haploid, true, sc)
			uncertain = uncertain || u
			return d
		})
		if multi {
			return d, true, uncertain
		}
		d, uncertain = c.dpyd(m, ob, sites, haploid, call.Phased, call)
		return d, true, uncertain
	case !strandCalled(g):
		return nil, false, false
	case call.Phased:
		return []phenotype.Diplotype{strands(m, ob, sites, ploidy)}, true, false
	}
	d, multi := phaseSetOrientations(m, ob, sites, call, func(o []obs, _ *pharmacogenomics.GeneCall) []phenotype.Diplotype {
		return []phenotype.Diplotype{strands(m, o, sites, ploidy)}
	})
	return d, multi, false
}
