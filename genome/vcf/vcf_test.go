package vcf

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/biogo/hts/bgzf"
	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/genome"
)

const small = `##fileformat=VCFv4.3
##reference=GRCh38
##contig=<ID=10,length=133797422>
##contig=<ID=X,length=156040895>
##INFO=<ID=END,Number=1,Type=Integer,Description="End">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="GQ">
##FORMAT=<ID=PS,Number=1,Type=Integer,Description="Phase set">
##FORMAT=<ID=DS,Number=A,Type=Float,Description="Dosage">
##FORMAT=<ID=GP,Number=G,Type=Float,Description="Probabilities">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	A	B	C
10	100	rs1	A	G	50	PASS	.	GT:GQ	0|1:30	1/1:.	./.:5
10	200	.	C	T,G	.	.	.	GT:PS	1|2:200	./1	0/0
X	300	.	G	A	.	.	.	GT:DS:GP	1:0.9:0.1,0.9	0/1:1:0,1,0	.:.:.
10	400	.	A	<NON_REF>	.	.	END=500	GT	0/0	./.	0/0
`

func TestReadSmall(t *testing.T) {
	r, err := NewReader(strings.NewReader(small), "small.vcf")
	if err != nil {
		t.Fatal(err)
	}
	h := r.Header()
	if h.Build != genome.GRCh38 || !cmp.Equal(h.Samples, []string{"A", "B", "C"}) || h.Contigs[0].Name != "chr10" {
		t.Fatalf("header: build %q samples %v contigs %+v", h.Build, h.Samples, h.Contigs)
	}
	type row struct {
		Chrom string
		Pos   int64
		End   int64
		GT    []string
		Codes []int32
		State []genome.State
	}
	var got []row
	var g genome.Genotype
	for rec, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		codes, err := rec.Codes(nil)
		if err != nil {
			t.Fatal(err)
		}
		x := row{Chrom: rec.Chrom, Pos: rec.Pos, End: rec.End(), Codes: codes}
		for i := range 3 {
			if err := rec.Genotype(i, &g); err != nil {
				t.Fatal(err)
			}
			x.GT = append(x.GT, g.GT())
			x.State = append(x.State, g.State)
			// Codes and Genotype agree.
			a, ph := genome.DecodeGT(codes[i], nil)
			if genome.FormatGT(a, ph) != g.GT() {
				t.Errorf("%s:%d sample %d: code %d decodes to %s, Genotype says %s", rec.Chrom, rec.Pos, i, codes[i], genome.FormatGT(a, ph), g.GT())
			}
		}
		got = append(got, x)
	}
	want := []row{
		{"chr10", 100, 100, []string{"0|1", "1/1", "./."}, nil, []genome.State{genome.Called, genome.Called, genome.NoCall}},
		{"chr10", 200, 200, []string{"1|2", "./1", "0/0"}, nil, []genome.State{genome.Called, genome.Called, genome.HomRef}},
		{"chrX", 300, 300, []string{"1", "0/1", "."}, nil, []genome.State{genome.Called, genome.Called, genome.NoCall}},
		{"chr10", 400, 500, []string{"0/0", "./.", "0/0"}, nil, []genome.State{genome.HomRef, genome.NoCall, genome.HomRef}},
	}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Codes" }, cmp.Ignore())); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
}

func TestGenotypeFields(t *testing.T) {
	r, err := NewReader(strings.NewReader(small), "small.vcf")
	if err != nil {
		t.Fatal(err)
	}
	var g genome.Genotype
	rec, _ := r.Read()
	rec.Genotype(0, &g)
	if g.GQ != 30 || g.DP != -1 {
		t.Errorf("GQ/DP = %d/%d, want 30/-1", g.GQ, g.DP)
	}
	rec.Genotype(1, &g)
	if g.GQ != -1 {
		t.Errorf("missing GQ = %d, want -1", g.GQ)
	}
	rec, _ = r.Read()
	rec.Genotype(0, &g)
	if g.PS != 200 || !g.Phased {
		t.Errorf("PS %d phased %v", g.PS, g.Phased)
	}
	rec, _ = r.Read()
	rec.Genotype(1, &g)
	if !cmp.Equal(g.GP, []float32{0, 1, 0}) || !cmp.Equal(g.DS, []float32{1}) {
		t.Errorf("GP %v DS %v", g.GP, g.DS)
	}
}

func gz(t *testing.T, s string, bgz bool) []byte {
	var buf bytes.Buffer
	if bgz {
		w := bgzf.NewWriter(&buf, 1)
		w.Write([]byte(s))
		w.Close()
	} else {
		w := gzip.NewWriter(&buf)
		w.Write([]byte(s))
		w.Close()
	}
	return buf.Bytes()
}

func TestCompressed(t *testing.T) {
	for _, bgz := range []bool{false, true} {
		r, err := NewReader(bytes.NewReader(gz(t, small, bgz)), "small.vcf.gz")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, err := range r.All() {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 4 {
			t.Errorf("bgzf=%v: %d records, want 4", bgz, n)
		}
	}
}

func TestTruncatedGzip(t *testing.T) {
	big := small + strings.Repeat("10\t1000\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t1/1\n", 2000)
	for _, bgz := range []bool{false, true} {
		b := gz(t, big, bgz)
		r, last := NewReader(bytes.NewReader(b[:len(b)/2]), "cut.vcf.gz")
		if last == nil {
			for _, err := range r.All() {
				last = err
			}
		}
		var pe *ParseError
		if !errors.As(last, &pe) || !strings.Contains(last.Error(), "cut.vcf.gz:") {
			t.Errorf("bgzf=%v: truncated file gave %v, want a ParseError naming the file", bgz, last)
		}
	}
}

func TestBadInput(t *testing.T) {
	hdr := "##fileformat=VCFv4.3\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n"
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "bad.vcf:1: empty file"},
		{"no fileformat", "#CHROM\tPOS\n", "bad.vcf:1: want ##fileformat=VCFv4.x as the first line"},
		{"data before header", "##fileformat=VCFv4.3\n1\t2\n", "bad.vcf:2: want a #CHROM header line"},
		{"duplicate sample", "##fileformat=VCFv4.3\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tA\n", "bad.vcf:2: sample A: listed twice"},
		{"columns", hdr + "1\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\n", "bad.vcf:4: want 11 tab-separated columns"},
		{"too many columns", hdr + "1\t5\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\t0/0\n", "bad.vcf:4: want 11 tab-separated columns"},
		{"pos", hdr + "1\tx5\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\n", "bad.vcf:4: POS: want a non-negative integer, found \"x5\""},
		{"ref", hdr + "1\t5\t.\t\tG\t.\t.\t.\tGT\t0/1\t0/0\n", "bad.vcf:4: REF: want at least one base"},
		{"gt", hdr + "1\t5\t.\tA\tG\t.\t.\t.\tGT\t0/x\t0/0\n", "bad.vcf:4: sample A: GT: \"0/x\": want allele index"},
		{"gt index", hdr + "1\t5\t.\tA\tG\t.\t.\t.\tGT\t0/0\t0/2\n", "bad.vcf:4: sample B: GT: allele index 2, but the site has 2 alleles"},
		{"undeclared format", hdr + "1\t5\t.\tA\tG\t.\t.\t.\tGT:XX\t0/1:1\t0/0:1\n", "bad.vcf:4: FORMAT: key \"XX\" is not declared"},
		{"triploid", hdr + "1\t5\t.\tA\tG\t.\t.\t.\tGT\t0/0/1\t0/0\n", "bad.vcf:4: sample A: GT: ploidy 3"},
		{"header eof", "##fileformat=VCFv4.3\n", "bad.vcf:2: end of file inside the header"},
		// Issue 8 item 10: index 4094 does not fit the 12-bit code field.
		{"allele index 4094", hdr + "1\t5\t.\tA\t" + manyAlts(4094) + "\t.\t.\t.\tGT\t0/4094\t0/0\n", "bad.vcf:4: ALT: 4094 alternate alleles: varamu stores allele indices up to 4093"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			r, err := NewReader(strings.NewReader(tt.in), "bad.vcf")
			if err == nil {
				for rec, e := range r.All() {
					if e != nil {
						err = e
						break
					}
					if _, e := rec.Codes(nil); e != nil {
						err = e
						break
					}
				}
			}
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("got error %v, want prefix %q", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) {
				t.Errorf("error %T is not a ParseError wrapping ErrSyntax", err)
			}
		})
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		a      []int
		phased bool
	}{{[]int{0, 0}, false}, {[]int{0, 1}, true}, {[]int{genome.Missing, 1}, false}, {[]int{2}, false}, {[]int{genome.Missing}, false}, {[]int{4000, 3}, true}} {
		c := genome.EncodeGT(tc.a, tc.phased)
		got, ph := genome.DecodeGT(c, nil)
		if !cmp.Equal(got, tc.a) || (len(tc.a) == 2 && ph != tc.phased) {
			t.Errorf("%v %v -> %d -> %v %v", tc.a, tc.phased, c, got, ph)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	for _, l := range strings.Split(small, "\n")[11:] {
		f.Add(l)
	}
	f.Add("10\t5\t.\tA\tG,T\t.\t.\t.\tGT\t1/2\t./.\t0|0")
	hr, err := NewReader(strings.NewReader(small), "fuzz.vcf")
	if err != nil {
		f.Fatal(err)
	}
	hdr := hr.Header()
	f.Fuzz(func(t *testing.T, line string) {
		var rec Record
		if err := ParseLine(hdr, "fuzz.vcf", 1, []byte(line), &rec); err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		codes, err := rec.Codes(nil)
		var g genome.Genotype
		for i := range hdr.Samples {
			gerr := rec.Genotype(i, &g)
			if err == nil && gerr == nil {
				a, ph := genome.DecodeGT(codes[i], nil)
				if genome.FormatGT(a, ph) != g.GT() && codes[i] != genome.NoGT {
					t.Fatalf("sample %d: Codes %s, Genotype %s", i, genome.FormatGT(a, ph), g.GT())
				}
			}
		}
	})
}

func FuzzHeader(f *testing.F) {
	f.Add(small)
	f.Add("##fileformat=VCFv4.2\n##INFO=<ID=X,Number=1,Type=String,Description=\"a, \\\"b\\\"\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
	f.Fuzz(func(t *testing.T, in string) {
		r, err := NewReader(strings.NewReader(in), "fuzz.vcf")
		if err != nil {
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, io.ErrUnexpectedEOF) {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("error %v is not a ParseError", err)
				}
			}
			return
		}
		for _, err := range r.All() {
			if err != nil {
				break
			}
		}
	})
}

// manyAlts returns n distinct ALT alleles, comma-separated.
func manyAlts(n int) string {
	alts := make([]string, n)
	for i := range alts {
		var b []byte
		for k := i + 1; k > 0; k /= 4 {
			b = append(b, "ACGT"[k%4])
		}
		alts[i] = "A" + string(b)
	}
	return strings.Join(alts, ",")
}

// TestAlleleIndex4093Fits: the largest storable index round-trips.
func TestAlleleIndex4093Fits(t *testing.T) {
	hdr := "##fileformat=VCFv4.3\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\n"
	r, err := NewReader(strings.NewReader(hdr+"1\t5\t.\tA\t"+manyAlts(4093)+"\t.\t.\t.\tGT\t4093/4092\n"), "ok.vcf")
	if err != nil {
		t.Fatal(err)
	}
	for rec, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		codes, err := rec.Codes(nil)
		if err != nil {
			t.Fatal(err)
		}
		if a, _ := genome.DecodeGT(codes[0], nil); len(a) != 2 || a[0] != 4093 || a[1] != 4092 {
			t.Errorf("decoded %v, want [4093 4092]", a)
		}
	}
}
