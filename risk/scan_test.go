package risk

import (
	"fmt"
	"testing"

	"github.com/varamu/varamu/genome"
)

// TestLocusAt: records are found at their locus whether they come in the
// loci's order (with loci without records between, near and far), out of
// it, or at no locus of the window.
func TestLocusAt(t *testing.T) {
	ln := lane{listing: &listing{}}
	for i := range 300 {
		ln.wloci = append(ln.wloci, genome.Locus{Chrom: fmt.Sprint("chr", 1+i/100), Pos: int64(1000 + i%100*10)})
	}
	asks := []struct {
		l    genome.Locus
		want int32 // -1: none
	}{
		{genome.Locus{Chrom: "chr1", Pos: 1000}, 0},
		{genome.Locus{Chrom: "chr1", Pos: 1020}, 2},   // one skipped
		{genome.Locus{Chrom: "chr2", Pos: 1990}, 199}, // past the reach
		{genome.Locus{Chrom: "chr2", Pos: 1905}, -1},  // no such locus
		{genome.Locus{Chrom: "chr3", Pos: 1000}, 200},
		{genome.Locus{Chrom: "chr1", Pos: 1030}, 3}, // back
		{genome.Locus{Chrom: "chr1", Pos: 1040}, 4},
		{genome.Locus{Chrom: "chr9", Pos: 1040}, -1},
		{genome.Locus{Chrom: "chr3", Pos: 1990}, 299},
	}
	for _, a := range asks {
		got, ok := ln.locusAt(a.l)
		if !ok {
			got = -1
		}
		if got != a.want {
			t.Errorf("%v: locus %d, want %d", a.l, got, a.want)
		}
	}
}
