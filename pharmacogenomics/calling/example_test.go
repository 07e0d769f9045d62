package calling_test

import (
	"context"
	"fmt"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/calling"
)

// A Source from a function: here every CYP2C9 position is called
// homozygous reference except rs1057910 (CYP2C9*3), heterozygous.
func Example() {
	db, err := alleles.Load()
	if err != nil {
		panic(err)
	}
	c, err := calling.New(db, calling.Config{Genes: []string{"CYP2C9"}})
	if err != nil {
		panic(err)
	}
	g := db.Gene("CYP2C9")
	refs := map[int64]alleles.Position{}
	for _, p := range g.Positions {
		refs[p.Pos] = p
	}
	src := calling.SourceFunc(func(_ context.Context, _ string, loci []genome.Locus) ([][]genome.Genotype, error) {
		out := make([][]genome.Genotype, len(loci))
		for i, l := range loci {
			p := refs[l.Pos]
			gt := genome.Genotype{Chrom: l.Chrom, Pos: l.Pos, Ref: p.Ref, Alts: p.Alts, Alleles: []int{0, 0}, State: genome.HomRef, GQ: -1, DP: -1}
			if p.RSID == "rs1057910" {
				gt.Alleles, gt.State = []int{0, 1}, genome.Called
			}
			out[i] = []genome.Genotype{gt}
		}
		return out, nil
	})
	calls, err := c.Call(context.Background(), src, calling.Subject{Sample: "S1"})
	if err != nil {
		panic(err)
	}
	for _, gc := range calls.Genes {
		fmt.Println(gc.Gene, gc.Diplotypes, gc.Phenotype, *gc.ActivityScore)
	}
	// Output:
	// CYP2C9 [*1/*3] Intermediate Metabolizer 1
}
