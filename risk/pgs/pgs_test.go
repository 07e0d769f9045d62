package pgs

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/internal/testref"

	"github.com/varamu/varamu/genome"
)

// reference returns a file of ../shared/reference/pgs (skipped outside CI
// when absent, a failure under CI).
func reference(t testing.TB, name string) string {
	t.Helper()
	return testref.Path(t, "pgs/"+name)
}

func TestReadCatalogFile(t *testing.T) {
	s, err := ReadFile(reference(t, "PGS001229_22.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if s.ID() != "PGS001229" || s.Header.Build != genome.GRCh37 || s.Header.Harmonized {
		t.Errorf("header: id %q build %q harmonised %v", s.ID(), s.Header.Build, s.Header.Harmonized)
	}
	if s.Header.Values["weight_type"] != "NR" || s.Header.Values["format_version"] != "2.0" {
		t.Errorf("header values: %v", s.Header.Values)
	}
	if s.Variants.Len() != 835 {
		t.Errorf("%d variants, want 835", s.Variants.Len())
	}
	first := s.Variants.At(0)
	want := Variant{RsID: "rs5746679", Chrom: "chr22", Pos: 17080378, EffectAllele: "G", OtherAllele: "A", Weight: 1.045457e-02, EffectFreq: math.NaN(), Line: 16}
	if d := cmp.Diff(want, first, cmp.Comparer(func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) })); d != "" {
		t.Errorf("first variant (-want +got):\n%s", d)
	}
	if len(s.SHA256) != 64 {
		t.Errorf("checksum %q", s.SHA256)
	}
}

func TestDominantRecessive(t *testing.T) {
	s, err := ReadFile(reference(t, "scorefile_dominant_and_recessive.txt"))
	if err != nil {
		t.Fatal(err)
	}
	v0, v1, v2 := s.Variants.At(0), s.Variants.At(1), s.Variants.At(2)
	if !v0.Dominant || v0.Recessive || !v1.Recessive || v2.Dominant {
		t.Errorf("flags: %+v %+v %+v", v0, v1, v2)
	}
	if s.ID() != "PGS001229_22_DominantRecessiveExample" {
		t.Errorf("id %q", s.ID())
	}
}

func TestGzipAndHarmonised(t *testing.T) {
	text := "#pgs_id=PGS000001\n#genome_build=GRCh37\n#HmPOS_build=GRCh38\n" +
		"rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\thm_chr\thm_pos\tallelefrequency_effect\n" +
		"rs1\t1\t100\ta\tg\t0.5\t1\t200\t0.25\n"
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(text))
	zw.Close()
	p := filepath.Join(t.TempDir(), "s.txt.gz")
	os.WriteFile(p, buf.Bytes(), 0o644)
	s, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	v := s.Variants.At(0)
	if s.Header.Build != genome.GRCh38 || !s.Header.Harmonized || v.Chrom != "chr1" || v.Pos != 200 || v.EffectAllele != "A" || v.EffectFreq != 0.25 {
		t.Errorf("got build %s %+v", s.Header.Build, v)
	}
}

func TestBadInput(t *testing.T) {
	const head = "#pgs_id=X\n#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
	tests := []struct{ name, text, want string }{
		{"missing column", "#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\n1\t5\tA\n",
			"s.txt:2: missing required column effect_weight (columns: chr_name, chr_position, effect_allele)"},
		{"no positions", "#genome_build=GRCh38\nrsID\teffect_allele\teffect_weight\nrs1\tA\t1\n",
			"s.txt:2: missing required columns chr_name and chr_position (or hm_chr and hm_pos): variants are matched by position"},
		{"non-numeric weight", head + "1\t5\tA\tG\t0.1\n1\t6\tA\tG\tabc\n", `s.txt:5: effect_weight: "abc": want a finite number`},
		{"unknown build", "#pgs_id=X\n#genome_build=NCBI36\nchr_name\tchr_position\teffect_allele\teffect_weight\n",
			`s.txt:2: genome_build: unknown genome build "NCBI36" (want GRCh37, GRCh38, hg19, hg38 or NR)`},
		{"duplicate", head + "1\t5\tA\tG\t0.1\n1\t5\tA\tG\t0.2\n", "s.txt:5: duplicate variant chr1:5 A/G (first on line 4)"},
		{"first duplicate in file order", head + "1\t9\tA\tG\t0.1\n1\t5\tA\tG\t0.1\n1\t9\tA\tG\t0.2\n1\t5\tA\tG\t0.2\n1\t9\tA\tG\t0.2\n",
			"s.txt:6: duplicate variant chr1:9 A/G (first on line 4)"},
		{"bad allele", head + "1\t5\tZ\tG\t0.1\n", `s.txt:4: effect_allele: "Z": want an allele of A, C, G, T`},
		{"bad position", head + "1\tx\tA\tG\t0.1\n", `s.txt:4: chr_position: "x": want a position ≥ 1`},
		{"short row", head + "1\t5\tA\n", "s.txt:4: 3 columns, want 5 as in the column header"},
		{"no header", "#genome_build=GRCh38\n", "s.txt:1: no column header line (want a tab-separated line naming effect_allele and effect_weight)"},
		{"empty", head, "s.txt:3: no variants"},
		{"both flags", "#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\teffect_weight\tis_dominant\tis_recessive\n1\t5\tA\t1\tTRUE\tTRUE\n",
			"s.txt:3: is_recessive: a variant cannot be both dominant and recessive"},
		{"bad frequency", "#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\teffect_weight\tallelefrequency_effect\n1\t5\tA\t1\t1.5\n",
			`s.txt:3: allelefrequency_effect: "1.5": want a frequency between 0 and 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "s.txt")
			os.WriteFile(p, []byte(tt.text), 0o644)
			_, err := ReadFile(p)
			if err == nil {
				t.Fatal("no error")
			}
			if got := strings.TrimPrefix(err.Error(), dir+"/"); got != tt.want {
				t.Errorf("error\n got %s\nwant %s", got, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) {
				t.Errorf("error %T does not wrap ParseError/ErrSyntax", err)
			}
		})
	}
}

func TestMissingBuild(t *testing.T) {
	r, err := NewReader(strings.NewReader("chr_name\tchr_position\teffect_allele\teffect_weight\n1\t5\tA\t1\n"), "s")
	if err != nil {
		t.Fatal(err)
	}
	if r.Header().Build != genome.UnknownBuild {
		t.Errorf("build %q", r.Header().Build)
	}
}

// FuzzReader: any input either parses or returns a ParseError; never a
// panic, and every variant read has a position and an effect allele. The
// same input read through a 16-byte buffer (every line longer than it)
// gives the same variants and error, and the table ReadFile fills from
// the line's bytes holds the variants Read returns.
func FuzzReader(f *testing.F) {
	f.Add([]byte("#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tis_dominant\n1\t5\tA\tG\t0.1\tTRUE\n"))
	f.Add([]byte("#HmPOS_build=GRCh38\nhm_chr\thm_pos\teffect_allele\teffect_weight\n1\t5\tA\t0.1\n"))
	f.Add([]byte("chr_name\tchr_position\teffect_allele\teffect_weight\n1\t5\tA\t1e400\n"))
	f.Add([]byte("rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tallelefrequency_effect\r\n" +
		"rs12\t 1\t5\tac\tG\t-0.0411205\t0.5\r\n#x\n\nesv1\tchrX\t007\tN\t\t1.045457e-02\t\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		vs, err := readAll(data, 1<<16)
		small, errSmall := readAll(data, 16)
		if fmt.Sprint(err) != fmt.Sprint(errSmall) || !cmp.Equal(vs, small, nanEqual) {
			t.Fatalf("16-byte buffer: %v %v, 64 KiB: %v %v", small, errSmall, vs, err)
		}
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a ParseError", err)
			}
		}
		tab := tableOfRows(t, data)
		for j, v := range vs {
			if v.Pos < 1 || v.EffectAllele == "" || math.IsNaN(v.Weight) {
				t.Fatalf("bad variant %+v", v)
			}
			if got := tab.At(j); !cmp.Equal(got, v, nanEqual) {
				t.Fatalf("table variant %d: %+v, Read %+v", j, got, v)
			}
		}
	})
}

// readAll reads every variant of data through a buffer of size bytes, up
// to the first error.
func readAll(data []byte, size int) ([]Variant, error) {
	r, err := newReaderSize(bytes.NewReader(data), "fuzz", size)
	if err != nil {
		return nil, err
	}
	var vs []Variant
	for {
		v, err := r.Read()
		if err == io.EOF {
			return vs, nil
		}
		if err != nil {
			return vs, err
		}
		vs = append(vs, *v)
	}
}

// tableOfRows fills a table as ReadFile does, from the lines' bytes, up
// to the first error.
func tableOfRows(t *testing.T, data []byte) *Table {
	var tab Table
	r, err := NewReader(bytes.NewReader(data), "fuzz")
	if err != nil {
		return &tab
	}
	for r.next() == nil {
		add(&tab, &r.rec, r.rsid)
	}
	return &tab
}

// TestLongLines: lines longer than the reader's buffer are read whole,
// with their line numbers, in plain and gzip files.
func TestLongLines(t *testing.T) {
	long := strings.Repeat("A", 100000)
	text := "#pgs_id=X\n#genome_build=GRCh38\n#note=" + long + "\nrsID\tchr_name\tchr_position\teffect_allele\teffect_weight\n" +
		"id" + long + "\t1\t5\t" + long + "\t0.5\nrs7\t1\t6\tA\t-1\n1\t1\t7\tA\tx" + long + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	for name, data := range map[string][]byte{"plain": []byte(text), "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			vs, err := readAll(data, 1<<16)
			want := []Variant{{RsID: "id" + long, Chrom: "chr1", Pos: 5, EffectAllele: long, Weight: 0.5, EffectFreq: math.NaN(), Line: 5},
				{RsID: "rs7", Chrom: "chr1", Pos: 6, EffectAllele: "A", Weight: -1, EffectFreq: math.NaN(), Line: 6}}
			if d := cmp.Diff(want, vs, nanEqual); d != "" {
				t.Errorf("variants (-want +got):\n%s", d)
			}
			if err == nil || !strings.HasPrefix(err.Error(), "fuzz:7: effect_weight: \"x") {
				t.Errorf("error %v, want one on line 7", err)
			}
		})
	}
}

// BenchmarkReadFile reads a scoring file of 100,000 variants.
func BenchmarkReadFile(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("#pgs_id=PGS999\n#genome_build=GRCh38\nrsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n")
	for i := range 100000 {
		fmt.Fprintf(&sb, "rs%d\t%d\t%d\t%s\t%s\t%.6g\n", i, 1+i%22, 1000+i*97, "ACGT"[i%4:i%4+1], "TGCA"[i%4:i%4+1], float64(i%1000)/1e4-0.05)
	}
	path := filepath.Join(b.TempDir(), "s.txt")
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ReadFile(path); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReadFiles: files come back in the order given, and of several bad
// files the first one's error, whatever finished first.
func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for i := range 6 {
		body := fmt.Sprintf("#pgs_id=P%d\n#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\teffect_weight\n1\t%d\tA\t1\n", i, i+1)
		if i == 3 || i == 5 {
			body += "1\tx\tA\t1\n"
		}
		p := filepath.Join(dir, fmt.Sprintf("s%d.txt", i))
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	got, err := ReadFiles(paths[:3])
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range got {
		if s.ID() != fmt.Sprint("P", i) {
			t.Errorf("file %d: %s", i, s.ID())
		}
	}
	if _, err := ReadFiles(paths); err == nil || !strings.Contains(err.Error(), "s3.txt:5") {
		t.Errorf("error %v, want s3.txt's", err)
	}
}

// TestSortedDuplicatesAgreesWithSort: the one-pass check of a sorted file
// finds the same first repeat as the sorted index, on random sorted files
// with repeats, several alleles at a position and chromosomes out of
// order (where it must give way).
func TestSortedDuplicatesAgreesWithSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alleles := []string{"A", "C", "G", "T", ""}
	sorted := 0
	for trial := range 2000 {
		var vs []Variant
		chroms := []string{"chr1", "chr2", "chr1"}[:2+trial%2]
		for _, c := range chroms {
			pos := int64(1)
			for range rng.IntN(12) {
				pos += int64(rng.IntN(3))
				vs = append(vs, Variant{Chrom: c, Pos: pos, EffectAllele: alleles[rng.IntN(4)], OtherAllele: alleles[rng.IntN(5)], Line: len(vs) + 1})
			}
		}
		tab := TableOf(vs...)
		f1, d1, ok := sortedDuplicates(&tab)
		f2, d2 := sortDuplicates(&tab)
		if !ok {
			continue
		}
		sorted++
		if d1 != d2 || (d1 >= 0 && f1 != f2) {
			t.Fatalf("trial %d: one pass says %d repeats %d, the sort %d repeats %d: %+v", trial, d1, f1, d2, f2, vs)
		}
	}
	if sorted < 500 {
		t.Fatalf("only %d sorted trials", sorted)
	}
}
