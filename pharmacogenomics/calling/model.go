package calling

import (
	"math/bits"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// bitset is a set of allele indices of one gene.
type bitset []uint64

func newBitset(n int) bitset { return make(bitset, (n+63)/64) }

func (b bitset) set(i int)      { b[i/64] |= 1 << (uint(i) % 64) }
func (b bitset) has(i int) bool { return b[i/64]&(1<<(uint(i)%64)) != 0 }
func (b bitset) fill(n int) {
	for i := 0; i < n; i++ {
		b.set(i)
	}
}
func (b bitset) and(o bitset) {
	for i := range b {
		b[i] &= o[i]
	}
}
func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}
func (b bitset) count() (n int) {
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}
func (b bitset) each(f func(i int)) {
	for wi, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			f(wi*64 + t)
			w &^= 1 << uint(t)
		}
	}
}

// posModel is what matching needs to know about one position of a gene.
type posModel struct {
	locus genome.Locus
	pos   alleles.Position
	// eff[a] is allele a's definition at this position after reading a
	// blank as the reference allele (PharmCAT's assume-reference rule).
	eff []string
	// specified marks the alleles whose definition names this position.
	specified bitset
	// variant marks the alleles whose definition here differs from the
	// reference allele (the positions that define them).
	variant bitset
	// wobbleRaw marks alleles whose own definition here is an ambiguous
	// IUPAC code: PharmCAT does not score such a position when the allele's
	// haplotype carries the reference there.
	wobbleRaw bitset
	exact     map[string]bitset // alleles by exact definition string
	wobble    []wobbleDef       // alleles with one-letter IUPAC codes
	all       bitset
	// known caches compatible() for the reference and alternate alleles.
	known map[string]bitset
}

type wobbleDef struct {
	code  byte
	alles bitset
}

// compatible returns the alleles whose definition accepts the observed
// allele x. The result MUST NOT be modified.
func (p *posModel) compatible(x string, n int) bitset {
	if b, ok := p.known[x]; ok {
		return b
	}
	return p.compute(x, n)
}

func (p *posModel) compute(x string, n int) bitset {
	out := newBitset(n)
	if e, ok := p.exact[x]; ok {
		out.or(e)
	}
	if len(x) == 1 {
		for _, w := range p.wobble {
			if alleles.Matches(string(w.code), x) {
				out.or(w.alles)
			}
		}
	}
	return out
}

// isKnown reports whether x is the reference or an alternate allele of the
// position as the definitions spell it.
func (p *posModel) isKnown(x string) bool {
	if x == p.pos.Ref {
		return true
	}
	for _, a := range p.pos.Alts {
		if a == x {
			return true
		}
	}
	return false
}

// geneModel is a gene prepared for calling.
type geneModel struct {
	gene      *alleles.Gene
	positions []posModel
	ref       int // index of the reference allele
	first     int // index of the gene's first locus in Caller.loci
	required  map[int64]bool
	varPos    [][]int // per allele, the positions where it differs from the reference
	// singleVariant is true when every non-reference allele is defined by
	// one position (DPYD, RYR1, CACNA1S): such genes can list variants when
	// no diplotype explains them all.
	singleVariant bool
}

func newGeneModel(g *alleles.Gene) *geneModel {
	m := &geneModel{gene: g, required: map[int64]bool{}}
	n := len(g.Alleles)
	for i := range g.Alleles {
		if g.Alleles[i].Reference {
			m.ref = i
		}
	}
	ref := &g.Alleles[m.ref]
	for pi, p := range g.Positions {
		pm := posModel{
			locus: genome.Locus{Chrom: g.Chrom, Pos: p.Pos}, pos: p,
			eff: make([]string, n), specified: newBitset(n), variant: newBitset(n), wobbleRaw: newBitset(n),
			exact: map[string]bitset{}, all: newBitset(n),
		}
		pm.all.fill(n)
		refDef := ref.Defs[pi]
		if len(refDef) == 1 && alleles.IUPAC(refDef[0]) != refDef {
			refDef = p.Ref
		}
		for ai, a := range g.Alleles {
			d := a.Defs[pi]
			if d != "" {
				pm.specified.set(ai)
				if len(d) == 1 && alleles.IUPAC(d[0]) != d {
					pm.wobbleRaw.set(ai)
				}
			} else {
				d = refDef
			}
			pm.eff[ai] = d
			if d != refDef {
				pm.variant.set(ai)
			}
			if len(d) == 1 && alleles.IUPAC(d[0]) != d {
				found := false
				for wi := range pm.wobble {
					if pm.wobble[wi].code == d[0] {
						pm.wobble[wi].alles.set(ai)
						found = true
					}
				}
				if !found {
					b := newBitset(n)
					b.set(ai)
					pm.wobble = append(pm.wobble, wobbleDef{code: d[0], alles: b})
				}
				continue
			}
			b, ok := pm.exact[d]
			if !ok {
				b = newBitset(n)
				pm.exact[d] = b
			}
			b.set(ai)
		}
		pm.known = map[string]bitset{p.Ref: pm.compute(p.Ref, n)}
		for _, a := range p.Alts {
			pm.known[a] = pm.compute(a, n)
		}
		m.positions = append(m.positions, pm)
	}
	m.varPos = make([][]int, n)
	for pi := range m.positions {
		m.positions[pi].variant.each(func(ai int) { m.varPos[ai] = append(m.varPos[ai], pi) })
	}
	for _, r := range g.Required {
		m.required[r] = true
	}
	m.singleVariant = true
	for ai := range g.Alleles {
		if ai == m.ref {
			continue
		}
		k := 0
		for pi := range m.positions {
			if m.positions[pi].variant.has(ai) {
				k++
			}
		}
		if k > 1 && !isHapB3(g.Name, g.Alleles[ai].Name) {
			m.singleVariant = false
		}
	}
	return m
}

func isHapB3(gene, name string) bool {
	return gene == "DPYD" && name == hapB3
}

const hapB3 = "c.1129-5923C>G, c.1236G>A (HapB3)"
