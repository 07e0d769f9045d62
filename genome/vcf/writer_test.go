package vcf

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/genome"
)

// lineOf turns a read record into a Line, with its GT codes and the raw
// text of its other FORMAT values.
func lineOf(t testing.TB, rec *Record) Line {
	t.Helper()
	codes, err := rec.Codes(nil)
	if err != nil {
		t.Fatal(err)
	}
	l := Line{Chrom: rec.Chrom, Pos: rec.Pos, ID: rec.ID, Ref: rec.Ref, Alts: append([]string(nil), rec.Alts...),
		Qual: rec.Qual, Filter: rec.Filter, Info: rec.Info, GT: codes}
	if rec.NumSamples() == 0 {
		return l
	}
	l.Format = strings.Join(rec.Format, ":")
	var extra [][]byte
	for i := range rec.NumSamples() {
		var b []byte
		for k := 1; k < len(rec.Format); k++ {
			v, err := rec.SampleField(i, k)
			if err != nil {
				t.Fatal(err)
			}
			if v == nil {
				break // trailing fields dropped
			}
			b = append(append(b, ':'), v...)
		}
		extra = append(extra, b)
	}
	l.Fields = func(dst []byte, i int) []byte { return append(dst, extra[i]...) }
	return l
}

// readAll reads a VCF and returns its header and records as Lines.
func readAll(t testing.TB, data []byte) (*Header, []Line) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), "out.vcf")
	if err != nil {
		t.Fatal(err)
	}
	var out []Line
	for rec, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, lineOf(t, rec))
	}
	return r.Header(), out
}

// gtText is the GT text of every sample of l, as the Writer writes it.
func gtText(l Line) []string {
	var out []string
	for _, c := range l.GT {
		out = append(out, string(appendGT(nil, c)))
	}
	return out
}

// fieldsText is the text Fields appends for every sample of l.
func fieldsText(l Line) []string {
	var out []string
	for i := range l.GT {
		var b []byte
		if l.Fields != nil {
			b = l.Fields(nil, i)
		}
		out = append(out, string(b))
	}
	return out
}

const roundTrip = `##fileformat=VCFv4.3
##reference=GRCh38
##contig=<ID=chr10,length=133797422>
##contig=<ID=chrX,length=156040895>
##source=test
##INFO=<ID=END,Number=1,Type=Integer,Description="End">
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="GQ">
##FORMAT=<ID=DS,Number=A,Type=Float,Description="Dosage">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	A	B	C
chr10	100	rs1	A	G	50	PASS	.	GT:GQ	0|1:30	1/1:.	./.:5
chr10	200	.	C	T,G	.	.	.	GT	1|2	./1	0/0
chr10	400	.	A	<NON_REF>	.	.	END=500	GT	0/0	./.	0|0
chr10	400	.	AC	A	3.5	q10;s50	.	GT:GQ:DS	0/1:3	1|.:5:0.5	.|0
chrX	300	.	G	A	.	.	.	GT:DS	1:0.9	0/1:1	.:.
`

// TestWriteReadRoundTrip reads a VCF with per-sample phase, haploid,
// missing and multi-allelic calls, writes it, plain and BGZF, and reads the
// output back: every field and genotype must come back.
func TestWriteReadRoundTrip(t *testing.T) {
	in := roundTrip
	hdr, want := readAll(t, []byte(in))
	meta := hdr.Meta
	for _, gz := range []bool{false, true} {
		var buf bytes.Buffer
		var w *Writer
		var err error
		if gz {
			w, err = NewBGZFWriter(&buf, nil, meta, hdr.Samples, Compression{Level: 1, Workers: 1})
		} else {
			w, err = NewWriter(&buf, meta, hdr.Samples)
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if err := w.Write(&want[i]); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !gz && buf.String() != in {
			t.Errorf("plain output differs from the input:\n%s\nwant\n%s", buf.String(), in)
		}
		gotHdr, got := readAll(t, buf.Bytes())
		if diff := cmp.Diff(hdr.Meta, gotHdr.Meta); diff != "" {
			t.Errorf("gz %v: meta (-want +got):\n%s", gz, diff)
		}
		if len(got) != len(want) {
			t.Fatalf("gz %v: %d records back, want %d", gz, len(got), len(want))
		}
		for i := range want {
			if diff := cmp.Diff(want[i], got[i], cmp.FilterPath(func(p cmp.Path) bool {
				return p.Last().String() == ".Fields"
			}, cmp.Ignore())); diff != "" {
				t.Errorf("gz %v: record %d (-want +got):\n%s", gz, i+1, diff)
			}
			if diff := cmp.Diff(fieldsText(want[i]), fieldsText(got[i])); diff != "" {
				t.Errorf("gz %v: record %d FORMAT values (-want +got):\n%s", gz, i+1, diff)
			}
		}
	}
}

// TestWritePhasePerSample checks that phase is written per genotype, as
// the store's view must reproduce it.
func TestWritePhasePerSample(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, []string{`FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">`}, []string{"A", "B", "C", "D", "E", "F"})
	if err != nil {
		t.Fatal(err)
	}
	l := Line{Chrom: "chr1", Pos: 5, Ref: "A", Alts: []string{"C", "G", "T", "A", "C", "G", "T", "A", "C", "G"}, Format: "GT", GT: []int32{
		genome.EncodeDiploid(0, 1, true), genome.EncodeDiploid(0, 1, false), genome.EncodeHaploid(2),
		genome.NoGT, genome.EncodeDiploid(genome.Missing, 10, true), genome.EncodeDiploid(0, 0, false)}}
	if err := w.Write(&l); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	last := strings.Split(strings.TrimSpace(buf.String()), "\n")
	want := "chr1\t5\t.\tA\tC,G,T,A,C,G,T,A,C,G\t.\t.\t.\tGT\t0|1\t0/1\t2\t.\t.|10\t0/0"
	if got := last[len(last)-1]; got != want {
		t.Errorf("line\n%q\nwant\n%q", got, want)
	}
}

// TestWriteErrors checks that bad headers and records are refused with
// errors wrapping ErrWrite, and that the Writer keeps its first error.
func TestWriteErrors(t *testing.T) {
	meta := []string{"contig=<ID=chr1,length=1000>", "contig=<ID=chr2,length=1000>", `FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">`}
	gt := []int32{genome.EncodeDiploid(0, 1, false)}
	ok := func() Line { return Line{Chrom: "chr1", Pos: 10, Ref: "A", Alts: []string{"G"}, Format: "GT", GT: gt} }
	for _, tc := range []struct {
		name    string
		before  []Line
		line    func(*Line)
		wantErr string
	}{
		{"no REF", nil, func(l *Line) { l.Ref = "" }, "REF"},
		{"bad REF", nil, func(l *Line) { l.Ref = "AX" }, "REF"},
		{"ALT with comma", nil, func(l *Line) { l.Alts = []string{"G,T"} }, "ALT"},
		{"ALT dot", nil, func(l *Line) { l.Alts = []string{"."} }, "ALT"},
		{"ID with space", nil, func(l *Line) { l.ID = "rs 1" }, "ID"},
		{"QUAL", nil, func(l *Line) { l.Qual = "high" }, "QUAL"},
		{"INFO tab", nil, func(l *Line) { l.Info = "A=1\tB" }, "INFO"},
		{"position 0", nil, func(l *Line) { l.Pos = 0 }, "position 0"},
		{"beyond contig", nil, func(l *Line) { l.Pos = 1001 }, "outside contig"},
		{"unsorted", []Line{ok()}, func(l *Line) { l.Pos = 9 }, "sorted"},
		{"contig order", []Line{{Chrom: "chr2", Pos: 1, Ref: "A", Alts: []string{"G"}, Format: "GT", GT: gt}}, nil, "contig order"},
		{"contig split", []Line{ok(), {Chrom: "chrZ", Pos: 1, Ref: "A", Alts: []string{"G"}, Format: "GT", GT: gt}}, nil, "together"},
		{"FORMAT without GT", nil, func(l *Line) { l.Format = "GQ" }, "GT first"},
		{"FORMAT undeclared", nil, func(l *Line) { l.Format = "GT:XX" }, "not declared"},
		{"genotype count", nil, func(l *Line) { l.GT = nil }, "0 genotypes for 1 samples"},
		{"allele index", nil, func(l *Line) { l.GT = []int32{genome.EncodeDiploid(0, 2, false)} }, "allele indices below 2"},
		{"FORMAT value tab", nil, func(l *Line) {
			l.Format = "GT"
			l.Fields = func(b []byte, i int) []byte { return append(b, ":\t"...) }
		}, "FORMAT values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := NewWriter(&buf, meta, []string{"S"})
			if err != nil {
				t.Fatal(err)
			}
			for i := range tc.before {
				if err := w.Write(&tc.before[i]); err != nil {
					t.Fatal(err)
				}
			}
			l := ok()
			if tc.line != nil {
				tc.line(&l)
			}
			err = w.Write(&l)
			if !errors.Is(err, ErrWrite) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Write: %v: want an ErrWrite naming %q", err, tc.wantErr)
			}
			good := ok()
			good.Pos = 999
			if err2 := w.Write(&good); err2 != err {
				t.Errorf("Write after an error: %v, want the first error again", err2)
			}
			if err2 := w.Close(); err2 != err {
				t.Errorf("Close: %v, want the first error", err2)
			}
			if strings.Contains(buf.String(), "#CHROM") {
				t.Errorf("output was flushed after an error")
			}
		})
	}
	for _, tc := range []struct {
		name          string
		meta, samples []string
		wantErr       string
	}{
		{"meta line break", []string{"source=a\nb"}, nil, "one line"},
		{"meta without =", []string{"source"}, nil, "key=value"},
		{"sample tab", nil, []string{"a\tb"}, "sample name"},
		{"sample twice", nil, []string{"a", "a"}, "listed twice"},
		{"sample empty", nil, []string{""}, "empty name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewWriter(&bytes.Buffer{}, tc.meta, tc.samples)
			if !errors.Is(err, ErrWrite) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("NewWriter: %v: want an ErrWrite naming %q", err, tc.wantErr)
			}
		})
	}
}

// TestCreate checks that Create writes a BGZF file with a tabix index, or
// plain text, under the final names only when Close succeeds.
func TestCreate(t *testing.T) {
	dir := t.TempDir()
	meta := []string{"contig=<ID=chr1,length=100000>", `FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">`}
	for _, name := range []string{"a.vcf.gz", "a.vcf"} {
		path := filepath.Join(dir, name)
		w, err := Create(path, meta, []string{"S"}, Compression{})
		if err != nil {
			t.Fatal(err)
		}
		for p := int64(1); p <= 50000; p += 7 {
			if err := w.Write(&Line{Chrom: "chr1", Pos: p, Ref: "A", Alts: []string{"T"}, Format: "GT", GT: []int32{genome.EncodeDiploid(0, 1, true)}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%s exists before Close", name)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path)
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
		r.Close()
		if n != 7143 {
			t.Errorf("%s: %d records back, want 7143", name, n)
		}
		_, err = os.Stat(path + ".tbi")
		if strings.HasSuffix(name, ".gz") != (err == nil) {
			t.Errorf("%s: index present %v", name, err == nil)
		}
	}
	// A failed write leaves nothing behind.
	path := filepath.Join(dir, "bad.vcf.gz")
	w, err := Create(path, meta, []string{"S"}, Compression{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(&Line{Chrom: "chr1", Pos: 0, Ref: "A"})
	if w.Close() == nil {
		t.Fatal("Close after a bad record: no error")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*bad*")); len(left) > 0 {
		t.Errorf("files left after a failed write: %v", left)
	}
}

// FuzzWriteRead writes one record from fuzzed fields and, when the Writer
// accepts it, reads it back: every field must come back as written.
func FuzzWriteRead(f *testing.F) {
	f.Add("chr1", int64(100), "rs1", "A", "G,T", "50", "PASS", "AC=1", uint16(0x0102), true, ":5")
	f.Add("10", int64(1), "", "ACGT", "<DEL>", "", "", "", uint16(0xff01), false, "")
	f.Add("chrX", int64(7), ".", "N", "*", ".", "q10;s50", "END=9", uint16(0x0000), true, ":.")
	meta := []string{"contig=<ID=chr1,length=1000>", `FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">`,
		`FORMAT=<ID=GQ,Number=1,Type=Integer,Description="GQ">`}
	f.Fuzz(func(t *testing.T, chrom string, pos int64, id, ref, alts, qual, filter, info string, gts uint16, phased bool, gq string) {
		var l Line
		l.Chrom, l.Pos, l.ID, l.Ref, l.Qual, l.Filter, l.Info = chrom, pos, id, ref, qual, filter, info
		if alts != "" {
			l.Alts = strings.Split(alts, ",")
		}
		// Two samples: a diploid call with the fuzzed phase and a haploid
		// one; allele index 0xf means missing.
		allele := func(v uint16) int {
			if v&0xf == 0xf {
				return genome.Missing
			}
			return int(v & 0xf)
		}
		l.GT = []int32{genome.EncodeDiploid(allele(gts), allele(gts>>4), phased), genome.EncodeHaploid(allele(gts >> 8))}
		l.Format = "GT"
		if gq != "" {
			l.Format = "GT:GQ"
			l.Fields = func(b []byte, i int) []byte { return append(b, gq...) }
		}
		var buf bytes.Buffer
		w, err := NewWriter(&buf, meta, []string{"A", "B"})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Write(&l); err != nil {
			if !errors.Is(err, ErrWrite) {
				t.Fatalf("error %v does not wrap ErrWrite", err)
			}
			return
		}
		if err := w.Close(); err != nil {
			if !errors.Is(err, ErrWrite) {
				t.Fatalf("error %v does not wrap ErrWrite", err)
			}
			return
		}
		r, err := NewReader(&buf, "fuzz.vcf")
		if err != nil {
			t.Fatalf("reading back the header: %v\n%s", err, buf.String())
		}
		rec, err := r.Read()
		if err != nil {
			t.Fatalf("reading back %q: %v", buf.String(), err)
		}
		got := lineOf(t, rec)
		want := l
		want.Chrom = genome.NormalizeChrom(l.Chrom)
		for _, p := range []*string{&want.ID, &want.Qual, &want.Filter, &want.Info} {
			if *p == "" {
				*p = "."
			}
		}
		if diff := cmp.Diff(
			[]string{want.Chrom, strconv.FormatInt(want.Pos, 10), want.ID, want.Ref, strings.Join(want.Alts, ","), want.Qual, want.Filter, want.Info, want.Format},
			[]string{got.Chrom, strconv.FormatInt(got.Pos, 10), got.ID, got.Ref, strings.Join(got.Alts, ","), got.Qual, got.Filter, got.Info, got.Format}); diff != "" {
			t.Errorf("fixed columns (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(gtText(want), gtText(got)); diff != "" {
			t.Errorf("GT (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(fieldsText(want), fieldsText(got)); diff != "" {
			t.Errorf("FORMAT values (-want +got):\n%s", diff)
		}
	})
}
