package calling

import (
	"testing"
	"time"

	"github.com/varamu/varamu/genome"
)

// TestWorstCaseTime: a sample heterozygous at every position of every gene
// (unphased) must still be called quickly (it is not called: nothing fits).
func TestWorstCaseTime(t *testing.T) {
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
	start := time.Now()
	out, err := c.CallGenotypes(Subject{Sample: "W", Sex: Female}, gts)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("worst case took %v", d)
	}
	for _, g := range out.Genes {
		if len(g.Diplotypes) > 1 && !g.Uncertain {
			t.Errorf("%s ambiguous but not uncertain", g.Gene)
		}
	}
	t.Logf("all-heterozygous sample: %v", time.Since(start))
}
