package genotypes

import (
	"context"
	"fmt"
	"path/filepath"
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
