package genotypes

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"testing"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/genome"
)

// TestLookupReadsOnlyTheChunksOfItsPositions pins issue 14's lookup cost: a
// one-sample lookup decodes the calls row groups of the sample's block in
// the site chunks that hold the positions asked for, not every chunk of the
// batch (which made a 2,000-position lookup decode the whole block), and
// its genotypes still equal a whole-chromosome Region read's. Scan is held
// to the same bound per block.
func TestLookupReadsOnlyTheChunksOfItsPositions(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "in.vcf.gz")
	if err := synthvcf.GenerateFile(ctx, src, synthvcf.Config{Samples: 600, Variants: 3000, Seed: 7, Chromosomes: []string{"chr22"}}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "s")
	// A budget of one byte gives the smallest chunks (minChunkSites).
	if _, err := Ingest(ctx, dir, []string{src}, IngestConfig{MemoryBudget: 1}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := s.batches[0]
	if b.b.ChunkSites != minChunkSites || b.b.Sites < 8*minChunkSites {
		t.Fatalf("want >= 8 chunks of %d sites, have %d sites in chunks of %d", minChunkSites, b.b.Sites, b.b.ChunkSites)
	}
	g := allPermit(t, s)
	names, err := s.Samples()
	if err != nil {
		t.Fatal(err)
	}
	sample := names[300] // block 1 of the first calls file
	want := map[genome.Locus]int32{}
	var all []genome.Locus
	for rec, err := range s.Region(ctx, g, "chr22", 1, 1<<40, []string{sample}) {
		if err != nil {
			t.Fatal(err)
		}
		l := genome.Locus{Chrom: rec.Chrom, Pos: rec.Pos}
		if _, dup := want[l]; !dup {
			all = append(all, l)
			want[l] = rec.Codes[0]
		}
	}
	x, err := b.index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		chunks []int // site chunks whose sites are asked for
	}{
		{"one chunk", []int{2}},
		{"two chunks", []int{0, 5}},
		{"none (positions no record covers)", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var loci []genome.Locus
			for _, c := range tc.chunks {
				// three sites of chunk c: its first, middle and last
				for _, site := range []int{c * minChunkSites, c*minChunkSites + minChunkSites/2, (c+1)*minChunkSites - 1} {
					loci = append(loci, genome.Locus{Chrom: "chr22", Pos: x.pos[site]})
				}
			}
			loci = append(loci, genome.Locus{Chrom: "chr22", Pos: 1}, genome.Locus{Chrom: "chr9", Pos: 5})
			before := b.callsGroups.Load()
			gts, err := s.Lookup(ctx, g, sample, loci)
			if err != nil {
				t.Fatal(err)
			}
			if read := b.callsGroups.Load() - before; read != int64(len(tc.chunks)) {
				t.Errorf("Lookup decoded %d calls row groups, want %d (one per chunk holding a position)", read, len(tc.chunks))
			}
			checkAgainstRegion(t, loci, gts, want)
			before = b.callsGroups.Load()
			var scanned [][]genome.Genotype
			err = s.Scan(ctx, g, loci, ScanConfig{Samples: []string{sample}}, func(sg SampleGenotypes) error {
				scanned = sg.Genotypes
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if read := b.callsGroups.Load() - before; read != int64(len(tc.chunks)) {
				t.Errorf("Scan decoded %d calls row groups, want %d", read, len(tc.chunks))
			}
			checkAgainstRegion(t, loci, scanned, want)
		})
	}
	// The whole chromosome, through Lookup, still equals Region.
	gts, err := s.Lookup(ctx, g, sample, all)
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstRegion(t, all, gts, want)
}

// checkAgainstRegion compares the first genotype at each locus with the
// code Region gave there (loci Region has no record at must be NotCovered).
func checkAgainstRegion(t *testing.T, loci []genome.Locus, gts [][]genome.Genotype, want map[genome.Locus]int32) {
	t.Helper()
	for i, l := range loci {
		code, ok := want[genome.Locus{Chrom: genome.NormalizeChrom(l.Chrom), Pos: l.Pos}]
		got := gts[i][0]
		if !ok {
			if got.State != genome.NotCovered {
				t.Errorf("%v: state %v, want not covered", l, got.State)
			}
			continue
		}
		alleles, phased := genome.DecodeGT(code, nil)
		if !slices.Equal(got.Alleles, alleles) || got.Phased != phased {
			t.Errorf("%v: %v phased %v, Region says %v phased %v", l, got.Alleles, got.Phased, alleles, phased)
		}
	}
}

// TestRegionLoadsOnlyItsIndexGroups pins issue 14's region cost: a region
// or a lookup loads the site index of the variants row groups whose
// statistics may hold it, not of every site of the batch, and still gives
// the records a fully loaded index gives.
func TestRegionLoadsOnlyItsIndexGroups(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "in.vcf.gz")
	if err := synthvcf.GenerateFile(ctx, src, synthvcf.Config{Samples: 8, Variants: 3*variantsPerRowGroup + 100, Seed: 3, Chromosomes: []string{"chr22"}}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "s")
	if _, err := Ingest(ctx, dir, []string{src}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	full, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	x, err := full.batches[0].index(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(x.groups) < 3 {
		t.Fatalf("%d variants row groups, want >= 3", len(x.groups))
	}
	// A range inside the second row group.
	first := x.groups[1].runs[0].from
	start, end := x.pos[first+10], x.pos[first+20]
	part, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := part.Samples()
	region := func(s *Store) []string {
		var out []string
		for rec, err := range s.Region(ctx, allPermit(t, s), "chr22", start, end, names[:2]) {
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(rec.Pos, rec.Ref, rec.Alts, rec.Codes))
		}
		return out
	}
	got, want := region(part), region(full)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("Region with a partial index: %q, with the whole index: %q", got, want)
	}
	loaded := 0
	for _, g := range part.batches[0].idx.groups {
		if g.loaded {
			loaded++
		}
	}
	if loaded != 1 {
		t.Errorf("Region loaded the index of %d row groups, want 1", loaded)
	}
	gts, err := part.Lookup(ctx, allPermit(t, part), names[3], []genome.Locus{{Chrom: "chr22", Pos: start}, {Chrom: "chr1", Pos: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if gts[0][0].State == genome.NotCovered || gts[1][0].State != genome.NotCovered {
		t.Errorf("Lookup: %+v", gts)
	}
}
