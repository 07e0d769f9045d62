package genotypes

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/varamu/varamu/genome"
)

// emptyBlockVCF is a cohort of 300 samples (two blocks) where the second
// block's samples are all 0/0: its calls row groups are empty, and arrow
// gives their column chunks the offset of the file's magic.
func emptyBlockVCF() string {
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.3\n##reference=GRCh38\n##contig=<ID=chr1>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")
	for i := range 300 {
		fmt.Fprintf(&b, "\tS%03d", i)
	}
	b.WriteString("\n")
	for site := range 5 {
		fmt.Fprintf(&b, "chr1\t%d\t.\tA\tG\t.\tPASS\t.\tGT", 100+site)
		for i := range 300 {
			gt := "0/0"
			if i < 256 && (i*7+site)%3 == 0 {
				gt = []string{"0/1", "1/1", "./.", "0|1"}[(i+site)%4]
			}
			b.WriteString("\t" + gt)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestDenseEmptyBlockAndPartialPlanes: a block with no exceptions (empty
// row groups) reads as its defaults, and samples asked for in part of a
// block (only some plane words decoded) read as SitesAt gives them.
func TestDenseEmptyBlockAndPartialPlanes(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	if _, err := Ingest(context.Background(), dir, []string{writeVCF(t, tmp, "a.vcf", emptyBlockVCF())}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var loci []genome.Locus
	for site := range 6 {
		loci = append(loci, genome.Locus{Chrom: "chr1", Pos: int64(100 + site)})
	}
	for _, samples := range [][]string{nil, {"S290", "S257"}, {"S070", "S003", "S200"}, {"S299", "S100", "S031", "S032"}} {
		if n := checkDenseEqualsSitesAt(t, s, loci, samples); n != 5 {
			t.Errorf("samples %v: %d records, want 5", samples, n)
		}
	}
}

// TestDenseReadKeepsOnlyWantedRows: a read's arena holds the rows at the
// sites asked for, not the row groups it decoded (the memory bound of a
// window of scattered loci).
func TestDenseReadKeepsOnlyWantedRows(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	if _, err := Ingest(context.Background(), dir, []string{writeVCF(t, tmp, "a.vcf", emptyBlockVCF())}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	g := allPermit(t, s)
	var buf DenseBuffers
	loci := []genome.Locus{{Chrom: "chr1", Pos: 102}}
	s.blockReads = true // the site-major read: TestSiteReadKeepsOnlyWantedRows
	err = s.DenseSitesAtReusing(context.Background(), g, loci, nil, &buf, func(sites []*DenseSite) error {
		if len(sites) != 1 || len(sites[0].parts) != 1 {
			return fmt.Errorf("%d sites", len(sites))
		}
		db := sites[0].parts[0].db
		if n := len(db.arena.rows); n > len(db.blocks) {
			return fmt.Errorf("arena holds %d rows for 1 site of %d blocks", n, len(db.blocks))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cohortVCF is n samples x sites biallelic records of chr1 with allele
// frequencies from rare to common (so rows of every kind: short and long
// difference lists, dense planes) and 2% missing calls.
func cohortVCF(rng *rand.Rand, n, sites int) string {
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.3\n##reference=GRCh38\n##contig=<ID=chr1>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n")
	b.WriteString("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")
	for i := range n {
		fmt.Fprintf(&b, "\tS%05d", i)
	}
	b.WriteString("\n")
	for site := range sites {
		fmt.Fprintf(&b, "chr1\t%d\t.\tA\tG\t.\tPASS\t.\tGT", 1000+10*site)
		f := []float64{0.002, 0.02, 0.05, 0.1, 0.3, 0.5}[site%6]
		for range n {
			gt := "0/0"
			switch x := rng.Float64(); {
			case x < 0.02:
				gt = "./."
			case x < 0.02+f*f:
				gt = "1/1"
			case x < 0.02+f*f+2*f*(1-f):
				gt = "0/1"
			}
			b.WriteString("\t" + gt)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// arenaUsed is the bytes of rows a read's arenas hold (rows, their refs,
// words and lists), and the rows.
func arenaUsed(sites []*DenseSite) (bytes, rows int) {
	seen := map[*denseBatch]bool{}
	for _, s := range sites {
		for _, p := range s.parts {
			db := p.db
			if seen[db] {
				continue
			}
			seen[db] = true
			if sr := db.bySite; sr != nil {
				bytes += 48*len(sr.at) + 8*len(sr.words) + 4*len(sr.ints)
				rows += len(sr.at)
				continue
			}
			a := db.arena
			bytes += 16*len(a.rows) + 4*len(db.rows)
			for _, w := range a.words {
				bytes += 8 * len(w)
			}
			for _, v := range a.ints {
				bytes += 4 * len(v)
			}
			rows += len(a.rows)
		}
	}
	return bytes, rows
}

// TestDenseWindowMemory states the dense read's memory bound and holds it:
// a read keeps, per site asked for and block of 256 samples, at most a
// 20-byte row entry, a 64-byte plane for a dense row and 4 bytes per
// listed value (levels, and a sample and a code per exception a plane
// does not give): under 1 byte a sample a site for biallelic sites, where
// a difference list is chosen only below 0.8 bits a sample. It is the
// same per site whether the sites are scattered over many chunks or all
// of one (the rows of the row groups it decodes are not kept), and
// windows read one after another with one DenseBuffers allocate almost
// nothing after the first.
func TestDenseWindowMemory(t *testing.T) {
	const n, sites = 600, 1200
	rng := rand.New(rand.NewPCG(11, 12))
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	// 256-site chunks: the scattered loci touch every chunk.
	cfg := IngestConfig{MemoryBudget: 256 * n}
	if _, err := Ingest(context.Background(), dir, []string{writeVCF(t, tmp, "a.vcf", cohortVCF(rng, n, sites))}, cfg); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.sec.Batches[0].ChunkSites != 256 {
		t.Fatalf("chunks of %d sites, want 256", s.sec.Batches[0].ChunkSites)
	}
	g := allPermit(t, s)
	lociEvery := func(step, from int) []genome.Locus {
		var out []genome.Locus
		for site := from; site < sites; site += step {
			out = append(out, genome.Locus{Chrom: "chr1", Pos: int64(1000 + 10*site)})
		}
		return out
	}
	for _, blocks := range []bool{true, false} {
		s.blockReads = blocks
		t.Logf("block reads %v", blocks)
		checkWindowMemory(t, s, g, n, lociEvery)
	}
}

// checkWindowMemory is TestDenseWindowMemory's windows, read one way.
func checkWindowMemory(t *testing.T, s *Store, g Permit, n float64, lociEvery func(step, from int) []genome.Locus) {
	perSite := map[string]float64{}
	var buf DenseBuffers
	for _, c := range []struct {
		name string
		loci []genome.Locus
	}{{"all", lociEvery(1, 0)}, {"scattered", lociEvery(12, 5)}, {"scattered again", lociEvery(12, 7)}} {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		err := s.DenseSitesAtReusing(context.Background(), g, c.loci, nil, &buf, func(got []*DenseSite) error {
			runtime.ReadMemStats(&m1)
			if len(got) != len(c.loci) {
				return fmt.Errorf("%d sites for %d loci", len(got), len(c.loci))
			}
			used, _ := arenaUsed(got)
			perSite[c.name] = float64(used) / float64(len(got))
			if perSample := perSite[c.name] / n; perSample > 1 {
				return fmt.Errorf("%.2f bytes a site and sample, want at most 1", perSample)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		alloc := m1.TotalAlloc - m0.TotalAlloc
		t.Logf("%s: %d sites, %.0f bytes a site (%.2f a sample), %d bytes allocated", c.name, len(c.loci), perSite[c.name], perSite[c.name]/n, alloc)
		if c.name == "scattered again" && alloc > 64<<10+uint64(1024*len(c.loci)) { // the sites themselves (SiteInfo, maps), not their rows
			t.Errorf("a window after the first allocated %d bytes for %d sites, want the buffers reused", alloc, len(c.loci))
		}
	}
	if r := perSite["scattered"] / perSite["all"]; r > 1.5 || r < 0.5 {
		t.Errorf("scattered sites hold %.0f bytes a site, all sites %.0f: not proportional to the sites asked for", perSite["scattered"], perSite["all"])
	}
}
