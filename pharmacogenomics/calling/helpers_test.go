package calling

import (
	"context"
	"slices"
	"testing"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// memSource is an in-memory Source: records by locus; loci absent from the
// map are not covered.
type memSource map[genome.Locus][]genome.Genotype

func (m memSource) Genotypes(_ context.Context, _ string, loci []genome.Locus) ([][]genome.Genotype, error) {
	out := make([][]genome.Genotype, len(loci))
	for i, l := range loci {
		if recs, ok := m[l]; ok {
			out[i] = slices.Clone(recs)
		} else {
			out[i] = []genome.Genotype{{Chrom: l.Chrom, Pos: l.Pos, State: genome.NotCovered}}
		}
	}
	return out, nil
}

func testDB(t testing.TB) *alleles.DB {
	t.Helper()
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func testCaller(t testing.TB, cfg Config) *Caller {
	t.Helper()
	c, err := New(testDB(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pick returns a concrete VCF allele for a definition: the definition
// itself, or for an IUPAC code the reference base when the code allows it,
// else the first alternate it allows.
func pick(p alleles.Position, def string) string {
	if len(def) != 1 || alleles.IUPAC(def[0]) == def {
		return def
	}
	if alleles.Matches(def, p.Ref) {
		return p.Ref
	}
	for _, a := range p.Alts {
		if alleles.Matches(def, a) {
			return a
		}
	}
	return alleles.IUPAC(def[0])[:1]
}

// genotype builds one record with the given haplotype alleles.
func genotype(g *alleles.Gene, p alleles.Position, haps []string, phased bool, ps int64) genome.Genotype {
	gt := genome.Genotype{Chrom: g.Chrom, Pos: p.Pos, End: p.Pos + int64(len(p.Ref)) - 1, ID: p.RSID, Ref: p.Ref,
		Alts: slices.Clone(p.Alts), Phased: phased, PS: ps, GQ: -1, DP: -1}
	for _, h := range haps {
		idx := -1
		if h == p.Ref {
			idx = 0
		}
		for i, a := range gt.Alts {
			if a == h {
				idx = i + 1
			}
		}
		if idx < 0 {
			gt.Alts = append(gt.Alts, h)
			idx = len(gt.Alts)
		}
		gt.Alleles = append(gt.Alleles, idx)
	}
	gt.State = genome.StateOf(gt.Alleles)
	return gt
}

// effDef is allele a's definition at position pi, blanks read as reference.
func effDef(g *alleles.Gene, a *alleles.Allele, pi int) string {
	d := a.Defs[pi]
	if d == "" {
		d = g.Reference().Defs[pi]
	}
	return pick(g.Positions[pi], d)
}

// fromAlleles builds a source where every position of gene g carries the
// alleles of the named alleles as haplotypes (one name: haploid).
func fromAlleles(src memSource, g *alleles.Gene, haps []*alleles.Allele, phased bool) {
	for pi, p := range g.Positions {
		var hs []string
		for _, a := range haps {
			hs = append(hs, effDef(g, a, pi))
		}
		src[genome.Locus{Chrom: g.Chrom, Pos: p.Pos}] = []genome.Genotype{genotype(g, p, hs, phased, 0)}
	}
}
