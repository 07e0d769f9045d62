package synth

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// The genotype model. Every founder (a person without parents in the
// cohort) carries two haplotypes with ids 2i and 2i+1. A child inherits,
// per chromosome, one haplotype of its mother and one of its father,
// chosen by a hash of (seed, child, chromosome). The allele a haplotype
// carries at a gene is a pure function of (seed, gene, haplotype id); at a
// background site founder haplotypes copy an ancestral panel along the
// chromosome (synthvcf.Copier, the Li–Stephens model), a function of the
// seed and the sites before it. So genotypes are reproducible per seed and
// can be produced site by site with one small state per haplotype.

// mix is the SplitMix64 finaliser.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func hash3(seed, a, b uint64) uint64 { return mix(mix(mix(seed)^a) ^ b) }

// unit maps a hash to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }

// Domains keep the hash streams of genes, sites and inheritance apart.
const (
	domGene    = 1 << 40
	domSite    = 2 << 40
	domInherit = 3 << 40
)

// member is what the genotype pass keeps of each person: 9 bytes.
type member struct {
	mother, father int32 // person indices; -1 for founders
	male           bool
}

// chromIndex numbers chromosomes for inheritance hashing.
func chromIndex(chrom string) uint64 {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(chrom); i++ {
		h = (h ^ uint64(chrom[i])) * 1099511628211
	}
	return h
}

// haps returns the founder haplotype ids person i carries on chrom: two
// for diploid loci; for a male on chrX (outside the PARs) only the first,
// from his mother; on chrM one, the mother's, for everyone.
func haps(seed uint64, people []member, i int, chrom string, haploidX bool) (a, b uint64, haploid bool) {
	p := people[i]
	haploid = haploidX && p.male
	if chrom == "chrM" {
		// Mitochondria: one copy, from the mother, in everyone.
		if p.mother < 0 {
			return 2 * uint64(i), 2 * uint64(i), true
		}
		return 2 * uint64(p.mother), 2 * uint64(p.mother), true
	}
	if p.mother < 0 {
		return 2 * uint64(i), 2*uint64(i) + 1, haploid
	}
	c := chromIndex(chrom)
	h := hash3(seed, domInherit|uint64(i), c)
	a = 2*uint64(p.mother) + h&1
	if haploidX {
		// A father passes his only X to daughters and his Y to sons.
		b = 2 * uint64(p.father)
	} else {
		b = 2*uint64(p.father) + (h>>1)&1
	}
	return a, b, haploid
}

// geneModel draws a gene's allele for a haplotype.
type geneModel struct {
	idx   uint64
	gene  *alleles.Gene
	names []string  // allele names, index 0 = the rest allele
	cum   []float64 // cumulative frequencies of names[1:]
	defs  [][]string
	freqs geneFreqs
	ref   int // index in names of the gene's reference allele, -1 if not drawn
}

func newGeneModel(db *alleles.DB, idx int, f geneFreqs) (*geneModel, error) {
	g := db.Gene(f.gene)
	if g == nil {
		return nil, fmt.Errorf("synth: gene %s not in the allele definitions", f.gene)
	}
	m := &geneModel{idx: uint64(idx), gene: g, freqs: f}
	rest := f.rest
	if rest == "" && g.Reference() != nil {
		rest = g.Reference().Name
	}
	m.names = append(m.names, rest)
	total := 0.0
	for _, a := range f.alleles {
		total += a.freq
		m.names = append(m.names, a.name)
		m.cum = append(m.cum, total)
	}
	if total >= 1 {
		return nil, fmt.Errorf("synth: %s allele frequencies sum to %.3f, want < 1", f.gene, total)
	}
	if g.Outside {
		return m, nil
	}
	for _, n := range m.names {
		i := slices.IndexFunc(g.Alleles, func(a alleles.Allele) bool { return a.Name == n })
		if i < 0 {
			return nil, fmt.Errorf("synth: %s has no allele %q in data version %s", f.gene, n, db.Version)
		}
		m.defs = append(m.defs, g.Alleles[i].Defs)
	}
	return m, nil
}

// draw returns the index into names of the allele on haplotype h.
func (m *geneModel) draw(seed, h uint64) int {
	u := unit(hash3(seed, domGene|m.idx, h))
	for i, c := range m.cum {
		if u < c {
			return i + 1
		}
	}
	return 0
}

// alleleIndex returns the VCF allele index (0 = REF) that allele def needs
// at position p: the definition's base, or the reference when the
// definition leaves the position open. An IUPAC code picks the reference
// when it allows it, otherwise its first ALT.
func alleleIndex(p *alleles.Position, def string) (int, error) {
	if def == "" || def == p.Ref {
		return 0, nil
	}
	for i, a := range p.Alts {
		if a == def {
			return i + 1, nil
		}
	}
	if len(def) == 1 {
		bases := alleles.IUPAC(def[0])
		if bases != "" && len(p.Ref) == 1 && strings.Contains(bases, p.Ref) {
			return 0, nil
		}
		for i, a := range p.Alts {
			if len(a) == 1 && strings.Contains(bases, a) {
				return i + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("synth: position %d: allele %q is neither REF %s nor an ALT %v", p.Pos, def, p.Ref, p.Alts)
}

// backgroundSite is a random non-PGx site.
type backgroundSite struct {
	chrom string
	pos   int64
	ref   string
	alt   string
	af    float64
	idx   uint64
}

// siteAF draws a minor allele frequency with many rare and some common
// sites (a U-shaped spectrum truncated at 0.5).
func siteAF(u float64) float64 {
	return math.Max(0.001, 0.5*u*u*u)
}

var bases = [4]string{"A", "C", "G", "T"}

// GRCh38 pseudoautosomal regions on chrX (GRC assembly report), where
// males are diploid.
const (
	par1Start, par1End = 10001, 2781479
	par2Start, par2End = 155701383, 156030895
)

// haploidInMales reports whether males carry one copy of chrom:pos.
func haploidInMales(chrom string, pos int64) bool {
	switch chrom {
	case "chrY":
		return true
	case "chrX":
		return !(pos >= par1Start && pos <= par1End) && !(pos >= par2Start && pos <= par2End)
	}
	return false
}

// vcfContigs returns the GRCh38 primary contigs in order.
func vcfContigs() []synthvcf.Contig {
	var out []synthvcf.Contig
	for i := 1; i <= 22; i++ {
		c, _ := synthvcf.GRCh38Contig(fmt.Sprint(i))
		out = append(out, c)
	}
	for _, n := range []string{"X", "Y", "M"} {
		c, _ := synthvcf.GRCh38Contig(n)
		out = append(out, c)
	}
	return out
}
