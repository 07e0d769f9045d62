package synthvcf

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/varamu/varamu/genome"
)

func gunzip(t testing.TB, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var testHeader = Header{
	Contigs: []Contig{{"chr10", 133797422}, {"chr22", 50818468}},
	Samples: []string{"A", "B"},
	Format:  []string{"DS", "GQ"},
}

func TestWriterRecords(t *testing.T) {
	nan := float32(math.NaN())
	var b bytes.Buffer
	w, err := NewWriter(&b, testHeader)
	if err != nil {
		t.Fatal(err)
	}
	recs := []Record{
		{Chrom: "chr10", Pos: 94842866, ID: "rs1057910", Ref: "A", Alts: []string{"C"}, Phased: true,
			Alleles: []int{0, 1, 1, 1}, GQ: []int32{99, 40}, DS: []float32{1, 2}},
		{Chrom: "chr10", Pos: 94842866, Ref: "A", Alts: []string{"C", "T"},
			Alleles: []int{1, 2, genome.Missing, genome.Missing}, GQ: []int32{7, -1}, DS: []float32{1, 1, nan, nan}},
		{Chrom: "chr22", Pos: 42130692, Ref: "GA", Alts: []string{"G"},
			Alleles: []int{0, Haploid, genome.Missing, 1}},
		{Chrom: "chr22", Pos: 42130700, Ref: "G", Alts: []string{"<DEL>"},
			Alleles: []int{genome.Missing, Haploid, 0, 0}},
	}
	for i := range recs {
		if err := w.Write(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, lines := parseVCF(t, b.Bytes())
	var got []string
	for _, l := range lines {
		got = append(got, l.raw)
	}
	want := []string{
		"chr10\t94842866\trs1057910\tA\tC\t.\tPASS\tAC=3;AN=4;AF=0.75\tGT:GQ:DS\t0|1:99:1.000\t1|1:40:2.000",
		"chr10\t94842866\t.\tA\tC,T\t.\tPASS\tAC=1,1;AN=2;AF=0.5,0.5\tGT:GQ:DS\t1/2:7:1.000,1.000\t./.:.:.,.",
		"chr22\t42130692\t.\tGA\tG\t.\tPASS\tAC=1;AN=2;AF=0.5\tGT:GQ:DS\t0:.:.\t./1:.:.",
		"chr22\t42130700\t.\tG\t<DEL>\t.\tPASS\tAC=0;AN=2;AF=0\tGT:GQ:DS\t.:.:.\t0/0:.:.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestWriterSitesOnly(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, Header{Contigs: []Contig{{"chr1", 1000}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&Record{Chrom: "chr1", Pos: 5, Ref: "A", Alts: []string{"G"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	header, lines := parseVCF(t, b.Bytes())
	if got := header[len(header)-1]; got != "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO" {
		t.Errorf("column line %q", got)
	}
	if got := lines[0].raw; got != "chr1\t5\t.\tA\tG\t.\tPASS\tAC=0;AN=0" {
		t.Errorf("line %q", got)
	}
	for _, l := range header {
		if strings.HasPrefix(l, "##FORMAT") {
			t.Errorf("sites-only header has %q", l)
		}
	}
}

func TestWriterErrors(t *testing.T) {
	ok := Record{Chrom: "chr10", Pos: 100, Ref: "A", Alts: []string{"C"}, Alleles: []int{0, 1, 0, 0}}
	for _, tc := range []struct {
		name   string
		before []Record
		rec    Record
		want   string
	}{
		{"unknown contig", nil, Record{Chrom: "chr1", Pos: 1, Ref: "A", Alts: []string{"C"}, Alleles: []int{0, 0, 0, 0}}, `record 1 (chr1:1): contig "chr1" not in the header`},
		{"position past end", nil, Record{Chrom: "chr22", Pos: 50818469, Ref: "A", Alts: []string{"C"}, Alleles: []int{0, 0, 0, 0}}, "position 50818469 outside contig chr22 (1-50818468)"},
		{"unsorted", []Record{ok}, Record{Chrom: "chr10", Pos: 99, Ref: "A", Alts: []string{"C"}, Alleles: []int{0, 0, 0, 0}}, "record 2 (chr10:99): position 99 after 100"},
		{"contig order", []Record{{Chrom: "chr22", Pos: 5, Ref: "A", Alts: []string{"C"}, Alleles: []int{0, 0, 0, 0}}}, ok, "contig chr10 after chr22"},
		{"bad REF", nil, Record{Chrom: "chr10", Pos: 1, Ref: "R", Alts: []string{"C"}, Alleles: []int{0, 0, 0, 0}}, `REF "R"`},
		{"no ALT", nil, Record{Chrom: "chr10", Pos: 1, Ref: "A", Alleles: []int{0, 0, 0, 0}}, "no ALT allele"},
		{"bad ALT", nil, Record{Chrom: "chr10", Pos: 1, Ref: "A", Alts: []string{"C,G"}, Alleles: []int{0, 0, 0, 0}}, `ALT "C,G"`},
		{"allele slots", nil, Record{Chrom: "chr10", Pos: 1, Ref: "A", Alts: []string{"C"}, Alleles: []int{0, 0}}, "2 allele slots: want 2 per sample (4)"},
		{"allele index", nil, Record{Chrom: "chr10", Pos: 1, Ref: "A", Alts: []string{"C"}, Alleles: []int{0, 0, 2, 0}}, "sample B: allele index 2"},
		{"haploid first slot", nil, Record{Chrom: "chr10", Pos: 1, Ref: "A", Alts: []string{"C"}, Alleles: []int{Haploid, 0, 0, 0}}, "sample A: allele index -2"},
		{"GQ length", nil, Record{Chrom: "chr10", Pos: 1, Ref: "A", Alts: []string{"C"}, Alleles: []int{0, 0, 0, 0}, GQ: []int32{1}}, "1 GQ values for 2 samples"},
		{"DS length", nil, Record{Chrom: "chr10", Pos: 1, Ref: "A", Alts: []string{"C", "G"}, Alleles: []int{0, 0, 0, 0}, DS: []float32{1, 2}}, "2 DS values: want 4"},
		{"ID with space", nil, Record{Chrom: "chr10", Pos: 1, ID: "rs 1", Ref: "A", Alts: []string{"C"}, Alleles: []int{0, 0, 0, 0}}, `ID "rs 1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := NewWriter(io.Discard, testHeader)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.before {
				if err := w.Write(&tc.before[i]); err != nil {
					t.Fatal(err)
				}
			}
			err = w.Write(&tc.rec)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			// The Writer keeps its first error.
			if err2 := w.Write(&ok); err2 != err {
				t.Errorf("after an error Write returned %v, want the first error", err2)
			}
			if err2 := w.Close(); err2 != err {
				t.Errorf("Close returned %v, want the first error", err2)
			}
		})
	}
}

func TestHeaderErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    Header
		want string
	}{
		{"contig name", Header{Contigs: []Contig{{"chr 1", 5}}}, `contig name "chr 1"`},
		{"contig length", Header{Contigs: []Contig{{"chr1", 0}}}, "contig chr1: length 0"},
		{"duplicate contig", Header{Contigs: []Contig{{"chr1", 5}, {"chr1", 5}}}, "contig chr1 listed twice"},
		{"duplicate sample", Header{Samples: []string{"A", "A"}}, "sample A listed twice"},
		{"sample tab", Header{Samples: []string{"A\tB"}}, `sample name "A\tB"`},
		{"meta INFO", Header{Meta: []string{"INFO=<ID=X>"}}, "does not define fileformat, INFO or FORMAT"},
		{"format", Header{Format: []string{"PL"}}, `FORMAT key "PL"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewWriter(io.Discard, tc.h)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  string
	}{
		{"", []string{"GT"}, ""},
		{"GT", []string{"GT"}, ""},
		{"DS,GT,DP,GQ", []string{"GT", "GQ", "DP", "DS"}, ""},
		{"DS, DS", []string{"GT", "DS"}, ""},
		{"GT,AD", nil, `FORMAT key "AD": want one of GT, GQ, DP, DS`},
	} {
		got, err := ParseFormat(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseFormat(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseFormat(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseFormat(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// FuzzParseFormat checks that ParseFormat either rejects its input or
// returns known keys, GT first, that parse back to themselves.
func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{"", "GT", "GT,GQ,DP,DS", "DS,GT", "GT,,GQ", "AD", " DP ,DS"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		keys, err := ParseFormat(s)
		if err != nil {
			return
		}
		if len(keys) == 0 || keys[0] != "GT" {
			t.Fatalf("ParseFormat(%q) = %q: want GT first", s, keys)
		}
		again, err := ParseFormat(strings.Join(keys, ","))
		if err != nil || !cmp.Equal(keys, again) {
			t.Fatalf("ParseFormat(%q) = %q; round trip %q, %v", s, keys, again, err)
		}
	})
}

func TestCreate(t *testing.T) {
	dir := t.TempDir()
	rec := Record{Chrom: "chr10", Pos: 100, Ref: "A", Alts: []string{"C"}, Alleles: []int{0, 1, 0, 0}}
	for _, name := range []string{"x.vcf", "x.vcf.gz"} {
		path := filepath.Join(dir, name)
		w, err := Create(path, testHeader, Compression{Level: 1})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(&rec); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("%s exists before Close", name)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	plain, err := os.ReadFile(filepath.Join(dir, "x.vcf"))
	if err != nil {
		t.Fatal(err)
	}
	if got := gunzip(t, filepath.Join(dir, "x.vcf.gz")); !bytes.Equal(got, plain) {
		t.Error("x.vcf.gz does not decompress to x.vcf")
	}
	var names []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if diff := cmp.Diff([]string{"x.vcf", "x.vcf.gz", "x.vcf.gz.tbi"}, names); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}

	// A failed write leaves nothing behind.
	path := filepath.Join(dir, "bad.vcf.gz")
	w, err := Create(path, testHeader, Compression{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(&Record{Chrom: "chrZ"})
	if err := w.Close(); err == nil {
		t.Fatal("Close after a bad record succeeded")
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("failed Create left files: %v", entries)
	}
}

func TestRecordGenotype(t *testing.T) {
	rec := Record{Chrom: "chrX", Pos: 5000000, Ref: "CT", Alts: []string{"C", "A"}, Phased: true,
		Alleles: []int{1, Haploid, 0, 0, genome.Missing, 2},
		GQ:      []int32{50, -1, 3}, DS: []float32{0.98, 0, 0, 0, float32(math.NaN()), float32(math.NaN())}}
	var g genome.Genotype
	var got []string
	for i := range 3 {
		rec.Genotype(i, &g)
		got = append(got, fmt.Sprintf("%s:%d-%d %s %s %s GQ=%d DP=%d DS=%v", g.Chrom, g.Pos, g.End, g.ID, g.GT(), g.State, g.GQ, g.DP, g.DS))
	}
	want := []string{
		"chrX:5000000-5000001 . 1 called GQ=50 DP=-1 DS=[0.98 0]",
		"chrX:5000000-5000001 . 0|0 hom-ref GQ=-1 DP=-1 DS=[0 0]",
		"chrX:5000000-5000001 . .|2 called GQ=3 DP=-1 DS=[]",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("genotypes (-want +got):\n%s", diff)
	}
}

// Example shows the low-level Writer: a caller chooses the sites and every
// sample's alleles.
func ExampleWriter() {
	h := Header{
		Contigs: []Contig{{Name: "chr10", Length: 133797422}},
		Samples: []string{"P1", "P2", "P3"},
	}
	w, err := NewWriter(os.Stdout, h)
	if err != nil {
		panic(err)
	}
	// CYP2C19*2 (rs4244285): P1 heterozygous, P2 homozygous, P3 no call.
	rec := Record{
		Chrom: "chr10", Pos: 94781859, ID: "rs4244285", Ref: "G", Alts: []string{"A"},
		Alleles: []int{0, 1, 1, 1, genome.Missing, genome.Missing},
	}
	if err := w.Write(&rec); err != nil {
		panic(err)
	}
	if err := w.Close(); err != nil {
		panic(err)
	}
	// Output:
	// ##fileformat=VCFv4.3
	// ##reference=GRCh38
	// ##contig=<ID=chr10,length=133797422,assembly=GRCh38>
	// ##FILTER=<ID=PASS,Description="All filters passed">
	// ##INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count in genotypes, for each ALT allele">
	// ##INFO=<ID=AN,Number=1,Type=Integer,Description="Total number of alleles in called genotypes">
	// ##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency in called genotypes, for each ALT allele">
	// ##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
	// #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	P1	P2	P3
	// chr10	94781859	rs4244285	G	A	.	PASS	AC=3;AN=4;AF=0.75	GT	0/1	1/1	./.
}

// ExampleGenerate writes a small synthetic VCF.
func ExampleGenerate() {
	var b bytes.Buffer
	cfg := Config{Samples: 4, Variants: 3, Seed: 1, Chromosomes: []string{"chr22"}}
	if err := Generate(context.Background(), &b, cfg); err != nil {
		panic(err)
	}
	for _, l := range strings.Split(b.String(), "\n") {
		if l != "" && !strings.HasPrefix(l, "##") {
			fmt.Println(l)
		}
	}
	// Output:
	// #CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	S000001	S000002	S000003	S000004
	// chr22	14820125	.	T	G	.	PASS	AC=1;AN=8;AF=0.125	GT	0|0	0|0	0|0	0|1
	// chr22	36163765	.	G	A	.	PASS	AC=1;AN=8;AF=0.125	GT	0/0	0/0	0/0	0/1
	// chr22	42515853	.	A	C	.	PASS	AC=1;AN=8;AF=0.125	GT	0|0	0|0	0|0	0|1
}
