package calling

import (
	"testing"

	"github.com/varamu/varamu/genome"
)

// allHeterozygous returns a caller and genotypes for a sample heterozygous
// (unphased) at every position of every gene: the largest search the caller
// can face.
func allHeterozygous(t testing.TB) (*Caller, [][]genome.Genotype) {
	c := testCaller(t, Config{})
	gts := make([][]genome.Genotype, len(c.loci))
	for _, g := range c.db.Genes {
		for _, p := range g.Positions {
			l := genome.Locus{Chrom: g.Chrom, Pos: p.Pos}
			for i, x := range c.loci {
				if x == l {
					gts[i] = []genome.Genotype{genotype(g, p, []string{p.Ref, p.Alts[0]}, false, 0)}
				}
			}
		}
	}
	return c, gts
}

// TestWorstCase: a sample heterozygous at every position of every gene is
// answered (no error, no hang), and every ambiguous gene is uncertain.
func TestWorstCase(t *testing.T) {
	c, gts := allHeterozygous(t)
	out, err := c.CallGenotypes(Subject{Sample: "W", Sex: Female}, gts)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range out.Genes {
		if len(g.Diplotypes) > 1 && !g.Uncertain {
			t.Errorf("%s ambiguous but not uncertain", g.Gene)
		}
	}
}

// BenchmarkWorstCase times the all-heterozygous sample (the clock belongs in
// a benchmark, not a test).
func BenchmarkWorstCase(b *testing.B) {
	c, gts := allHeterozygous(b)
	for b.Loop() {
		if _, err := c.CallGenotypes(Subject{Sample: "W", Sex: Female}, gts); err != nil {
			b.Fatal(err)
		}
	}
}
