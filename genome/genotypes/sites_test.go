package genotypes

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/genome"
)

// TestSitesAtEqualsRegion: SitesAt gives the records and codes Region
// gives at the same positions, with samples over two batches, haploid chrX
// and multi-allelic records, for all samples and a subset in another order.
func TestSitesAtEqualsRegion(t *testing.T) {
	needTool(t, "bcftools")
	ctx := context.Background()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "synth.vcf.gz")
	cfg := synthvcf.Config{Samples: 40, Variants: 20000, Seed: 11, Chromosomes: []string{"chr22", "chrX"}, MultiAllelicFraction: 0.05}
	if err := synthvcf.GenerateFile(ctx, src, cfg); err != nil {
		t.Fatal(err)
	}
	all := strings.Fields(bcfQuery(t, "query", "-l", src))
	b1, b2 := filepath.Join(tmp, "b1.vcf.gz"), filepath.Join(tmp, "b2.vcf.gz")
	bcfQuery(t, "view", "-I", "-s", strings.Join(all[:25], ","), "-Oz", "-o", b1, src)
	bcfQuery(t, "view", "-I", "-s", strings.Join(all[25:], ","), "-Oz", "-o", b2, src)
	dir := filepath.Join(tmp, "store")
	for _, f := range []string{b1, b2} {
		if _, err := Ingest(ctx, dir, []string{f}, IngestConfig{}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	subset := []string{all[30], all[3], all[24], all[39]}
	for _, samples := range [][]string{nil, subset} {
		// Loci of both chromosomes in one call, chrX first.
		var want []*Record
		var loci []genome.Locus
		for _, chrom := range []string{"chrX", "chr22"} {
			k := 0
			for r, err := range s.Region(ctx, allPermit(t, s), chrom, 1, math.MaxInt64, samples) {
				if err != nil {
					t.Fatal(err)
				}
				last := len(loci) - 1
				if k%7 == 0 || (last >= 0 && loci[last].Chrom == chrom && loci[last].Pos == r.Pos) {
					if last < 0 || loci[last].Chrom != chrom || loci[last].Pos != r.Pos {
						loci = append(loci, genome.Locus{Chrom: chrom, Pos: r.Pos})
					}
					want = append(want, r)
				}
				k++
			}
		}
		{
			chrom := "chrX and chr22"
			got, err := s.SitesAt(ctx, allPermit(t, s), loci, samples)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || len(got) < 100 {
				t.Fatalf("%s: %d records, Region %d", chrom, len(got), len(want))
			}
			for i := range got {
				g, w := got[i], want[i]
				if g.Pos != w.Pos || g.Ref != w.Ref || !slices.Equal(g.Alts, w.Alts) || !slices.Equal(g.Codes, w.Codes) {
					t.Fatalf("%s record %d: SitesAt %v %s %v %v, Region %v %s %v %v", chrom, i, g.Pos, g.Ref, g.Alts, g.Codes, w.Pos, w.Ref, w.Alts, w.Codes)
				}
			}
		}
	}
}
