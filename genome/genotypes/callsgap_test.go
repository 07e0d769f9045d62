package genotypes

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/genome"
)

// TestUngapRows: each row's gaps become offsets, rows independent.
func TestUngapRows(t *testing.T) {
	for _, tc := range []struct {
		v, off, want []int32
	}{
		{nil, []int32{0}, nil},
		{[]int32{5}, []int32{0, 1}, []int32{5}},
		{[]int32{3, 4, 1, 4, 39}, []int32{0, 3, 5}, []int32{3, 7, 8, 4, 43}},
		{[]int32{2, 1, 0, 9}, []int32{0, 2, 2, 4}, []int32{2, 3, 0, 9}}, // an empty row between
		{[]int32{7, 1, 1}, []int32{1, 3}, []int32{7, 1, 2}},             // rows starting past v[0]
	} {
		v := append([]int32(nil), tc.v...)
		ungapRows(v, tc.off)
		if !cmp.Equal(v, tc.want) {
			t.Errorf("ungapRows(%v, %v) = %v, want %v", tc.v, tc.off, v, tc.want)
		}
	}
}

// TestSamplesListsGapCoded: the calls file holds a difference list's
// samples as gaps (layout 7), each block's from its own first offset, and
// the readers return the genotypes of exactly the listed samples.
func TestSamplesListsGapCoded(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	const n = 300 // two blocks: 256 and 44 samples
	alt := map[int]bool{3: true, 7: true, 8: true, 260: true, 299: true}
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.3\n##reference=GRCh38\n##contig=<ID=10,length=133797422>\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n")
	b.WriteString("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")
	for i := range n {
		fmt.Fprintf(&b, "\tS%03d", i)
	}
	b.WriteString("\n10\t100\t.\tA\tG\t.\t.\t.\tGT")
	for i := range n {
		if alt[i] {
			b.WriteString("\t0/1")
		} else {
			b.WriteString("\t0/0")
		}
	}
	b.WriteString("\n")
	dir := filepath.Join(tmp, "s")
	if _, err := Ingest(ctx, dir, []string{writeVCF(t, tmp, "g.vcf", b.String())}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "data", "*", "genome", "*", "calls-00000.parquet"))
	if len(files) != 1 {
		t.Fatalf("calls files %v", files)
	}
	if got, want := storedSamples(t, files[0]), [][]int32{{3, 4, 1}, {4, 39}}; !cmp.Equal(got, want) {
		t.Errorf("stored samples lists %v, want the gaps %v", got, want)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{2, 3, 4, 7, 8, 9, 256, 259, 260, 298, 299} {
		got, err := s.Lookup(ctx, allPermit(t, s), fmt.Sprintf("S%03d", i), []genome.Locus{{Chrom: "chr10", Pos: 100}})
		if err != nil {
			t.Fatal(err)
		}
		want := "0/0"
		if alt[i] {
			want = "0/1"
		}
		if gt := got[0][0].GT(); gt != want {
			t.Errorf("S%03d: %s, want %s", i, gt, want)
		}
	}
}

// storedSamples returns the raw samples list of each row of a calls file.
func storedSamples(t *testing.T, path string) [][]int32 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pr, err := file.NewParquetReader(f)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	var out [][]int32
	for _, ch := range tbl.Column(callsSamples).Data().Chunks() {
		l := ch.(*array.List)
		v := l.ListValues().(*array.Int32).Int32Values()
		for i := range l.Len() {
			a, e := l.ValueOffsets(i)
			out = append(out, append([]int32{}, v[a:e]...))
		}
	}
	return out
}
