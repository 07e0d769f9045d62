package synthvcf

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
)

// Haploid in the second allele slot of a sample (Record.Alleles[2*i+1])
// makes the sample's call haploid: one allele, written "0", "1" or ".".
const Haploid = -2

// Contig is a ##contig header line.
type Contig struct {
	Name   string // chromosome name as written in the CHROM column ("chr10")
	Length int64  // length in bases
}

// Header describes the VCF header a Writer writes.
type Header struct {
	// Reference is the ##reference value; "" means "GRCh38".
	Reference string
	// Contigs are the ##contig lines. Records MUST come in this order of
	// contigs and sorted by position within a contig.
	Contigs []Contig
	// Samples are the sample column names; empty writes a sites-only VCF.
	Samples []string
	// Format lists the FORMAT keys of every record. GT is always written,
	// first, whether listed or not; the others are GQ, DP and DS. Empty
	// means GT only.
	Format []string
	// Meta holds extra header lines without the leading "##"
	// ("source=varamu"). They MUST NOT redefine INFO or FORMAT keys.
	Meta []string
}

// Record is one VCF data line for a Writer. AC, AN and AF in INFO are
// computed from Alleles.
type Record struct {
	Chrom string
	Pos   int64  // 1-based
	ID    string // "" writes "."
	Ref   string
	Alts  []string // at least one ALT allele

	// Phased writes "|" between the alleles of every diploid call of the
	// record, "/" otherwise.
	Phased bool
	// Alleles holds two allele indices per sample: sample i at 2*i and
	// 2*i+1. An index is 0 for REF, j for Alts[j-1], genome.Missing for ".",
	// and Haploid in the second slot for a haploid call.
	Alleles []int
	// GQ and DP hold one value per sample, -1 for "."; nil writes "." for
	// every sample. Used only when the header lists the key.
	GQ, DP []int32
	// DS holds the ALT dosages, len(Alts) per sample (sample i at
	// i*len(Alts)); NaN writes "."; nil writes "." for every sample.
	DS []float32
}

// formatKey is one FORMAT field a Writer emits.
type formatKey uint8

const (
	fmtGT formatKey = iota
	fmtGQ
	fmtDP
	fmtDS
)

var formatDefs = map[string]struct {
	key  formatKey
	line string
}{
	"GT": {fmtGT, `##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">`},
	"GQ": {fmtGQ, `##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="Conditional genotype quality">`},
	"DP": {fmtDP, `##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">`},
	"DS": {fmtDS, `##FORMAT=<ID=DS,Number=A,Type=Float,Description="Alternate allele dosage">`},
}

// formatKeys are the FORMAT keys a Writer can emit, in the order it writes them.
var formatKeys = [...]string{"GT", "GQ", "DP", "DS"}

// ParseFormat parses a comma-separated FORMAT list such as "GT,GQ,DP,DS"
// into the keys a Writer emits, in Writer order (GT, GQ, DP, DS), GT always
// first.
func ParseFormat(s string) ([]string, error) {
	var keys []string
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if _, ok := formatDefs[f]; !ok {
			return nil, fmt.Errorf("synthvcf: FORMAT key %q: want one of %s", f, strings.Join(formatKeys[:], ", "))
		}
		keys = append(keys, f)
	}
	return normalizeFormat(keys)
}

// normalizeFormat returns the keys in Writer order with GT first.
func normalizeFormat(keys []string) ([]string, error) {
	seen := map[string]bool{"GT": true}
	for _, k := range keys {
		if _, ok := formatDefs[k]; !ok {
			return nil, fmt.Errorf("synthvcf: FORMAT key %q: want one of %s", k, strings.Join(formatKeys[:], ", "))
		}
		seen[k] = true
	}
	var out []string
	for _, k := range formatKeys {
		if seen[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// Writer turns the generator's records into VCF lines (INFO AC, AN and AF
// computed from the alleles; FORMAT GT and the Header's other keys) and
// writes them with a genome/vcf Writer: plain text, or BGZF with a tabix
// index. A Writer keeps its first error and does nothing after it.
type Writer struct {
	h       Header
	contigs map[string]bool
	keys    []formatKey
	vw      *vcf.Writer

	line   vcf.Line
	rec    *Record // the record being written, for fields
	info   []byte
	counts []int
	n      int64
	err    error
}

// Compression sets how BGZF output is compressed (genome/vcf's settings).
type Compression = vcf.Compression

// DefaultCompressionLevel is the gzip level used when Compression.Level is
// 0 (genome/vcf's default).
const DefaultCompressionLevel = vcf.DefaultCompressionLevel

// NewWriter returns a Writer of plain VCF text to w. Close flushes it but
// does not close w.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	vw, err := newWriter(h)
	if err != nil {
		return nil, err
	}
	if vw.vw, err = vcf.NewWriter(w, vw.h.meta(), h.Samples); err != nil {
		return nil, err
	}
	return vw, nil
}

// NewBGZFWriter returns a Writer of BGZF-compressed VCF text to w. When
// index is not nil, Close writes a BGZF-compressed tabix index of the output
// to it. Close does not close w or index.
func NewBGZFWriter(w, index io.Writer, h Header, c Compression) (*Writer, error) {
	vw, err := newWriter(h)
	if err != nil {
		return nil, err
	}
	if vw.vw, err = vcf.NewBGZFWriter(w, index, vw.h.meta(), h.Samples, c); err != nil {
		return nil, err
	}
	return vw, nil
}

// Create returns a Writer to the file at path: BGZF with a tabix index at
// path+".tbi" when the name ends in ".gz", plain VCF text otherwise. The
// files appear under their names only when Close succeeds. c applies to
// BGZF output only.
func Create(path string, h Header, c Compression) (*Writer, error) {
	vw, err := newWriter(h)
	if err != nil {
		return nil, err
	}
	if vw.vw, err = vcf.Create(path, vw.h.meta(), h.Samples, c); err != nil {
		return nil, err
	}
	return vw, nil
}

// newWriter checks the header and prepares the line every record fills.
func newWriter(h Header) (*Writer, error) {
	if h.Reference == "" {
		h.Reference = "GRCh38"
	}
	vw := &Writer{h: h, contigs: make(map[string]bool)}
	for _, c := range h.Contigs {
		if c.Name == "" || strings.ContainsAny(c.Name, " \t\n,<>=") {
			return nil, fmt.Errorf("synthvcf: contig name %q: want a name without spaces, commas, '<', '>' or '='", c.Name)
		}
		if c.Length <= 0 {
			return nil, fmt.Errorf("synthvcf: contig %s: length %d: want a positive length", c.Name, c.Length)
		}
		if vw.contigs[c.Name] {
			return nil, fmt.Errorf("synthvcf: contig %s listed twice", c.Name)
		}
		vw.contigs[c.Name] = true
	}
	seen := make(map[string]bool, len(h.Samples))
	for _, s := range h.Samples {
		if s == "" || strings.ContainsAny(s, "\t\n") {
			return nil, fmt.Errorf("synthvcf: sample name %q: want a non-empty name without tabs or newlines", s)
		}
		if seen[s] {
			return nil, fmt.Errorf("synthvcf: sample %s listed twice", s)
		}
		seen[s] = true
	}
	for _, m := range h.Meta {
		if strings.ContainsAny(m, "\n\r") || strings.HasPrefix(m, "INFO=") || strings.HasPrefix(m, "FORMAT=") || strings.HasPrefix(m, "fileformat=") {
			return nil, fmt.Errorf("synthvcf: meta line %q: want one line that does not define fileformat, INFO or FORMAT", m)
		}
	}
	format, err := normalizeFormat(h.Format)
	if err != nil {
		return nil, err
	}
	vw.h.Format = format
	for _, k := range format {
		vw.keys = append(vw.keys, formatDefs[k].key)
	}
	vw.line = vcf.Line{Filter: "PASS", Format: strings.Join(format, ":"), GT: make([]int32, len(h.Samples))}
	if len(vw.keys) > 1 {
		vw.line.Fields = vw.fields
	}
	return vw, nil
}

// meta returns the header's meta lines, without their leading "##".
func (h *Header) meta() []string {
	m := []string{"reference=" + h.Reference}
	asm := genome.BuildFromName(h.Reference)
	for _, c := range h.Contigs {
		line := "contig=<ID=" + c.Name + ",length=" + strconv.FormatInt(c.Length, 10)
		if asm != genome.UnknownBuild {
			line += ",assembly=" + string(asm)
		}
		m = append(m, line+">")
	}
	m = append(m, h.Meta...)
	m = append(m,
		`FILTER=<ID=PASS,Description="All filters passed">`,
		`INFO=<ID=AC,Number=A,Type=Integer,Description="Allele count in genotypes, for each ALT allele">`,
		`INFO=<ID=AN,Number=1,Type=Integer,Description="Total number of alleles in called genotypes">`,
		`INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency in called genotypes, for each ALT allele">`)
	if len(h.Samples) > 0 {
		for _, k := range h.Format {
			m = append(m, strings.TrimPrefix(formatDefs[k].line, "##"))
		}
	}
	return m
}

// Write writes one record. Records MUST follow the header's contig order
// and be sorted by position within a contig.
func (w *Writer) Write(r *Record) error {
	if w.err != nil {
		return w.err
	}
	if err := w.check(r); err != nil {
		w.err = fmt.Errorf("synthvcf: record %d (%s:%d): %w", w.n+1, r.Chrom, r.Pos, err)
		return w.err
	}
	w.n++
	l := &w.line
	l.Chrom, l.Pos, l.ID, l.Ref, l.Alts = r.Chrom, r.Pos, r.ID, r.Ref, r.Alts
	w.info = w.appendInfo(w.info[:0], len(r.Alts))
	l.Info = string(w.info)
	w.rec = r
	if err := w.vw.Write(l); err != nil {
		w.err = err
	}
	return w.err
}

// check checks what the generator's records must hold beyond a VCF line:
// a declared contig, at least one ALT of bases, '*' or <symbolic>, two
// allele slots per sample, and FORMAT values for every sample. It counts
// the alleles for INFO and encodes the genotypes into the line.
func (w *Writer) check(r *Record) error {
	if !w.contigs[r.Chrom] {
		return fmt.Errorf("contig %q not in the header", r.Chrom)
	}
	if len(r.Alts) == 0 {
		return errors.New("no ALT allele")
	}
	for _, a := range r.Alts {
		if !validBases(a) && !(len(a) > 2 && a[0] == '<' && a[len(a)-1] == '>' && !strings.ContainsAny(a, "\t,")) && a != "*" {
			return fmt.Errorf("ALT %q: want bases, '*' or a <symbolic> allele", a)
		}
	}
	ns := len(w.h.Samples)
	if len(r.Alleles) != 2*ns {
		return fmt.Errorf("%d allele slots: want 2 per sample (%d)", len(r.Alleles), 2*ns)
	}
	// Check the allele indices, count them for INFO and encode them, in one
	// pass.
	nAll := 1 + len(r.Alts)
	if cap(w.counts) < nAll {
		w.counts = make([]int, nAll)
	}
	counts := w.counts[:nAll]
	clear(counts)
	gt := w.line.GT
	for i := range ns {
		x, y := r.Alleles[2*i], r.Alleles[2*i+1]
		switch {
		case x >= 0 && x < nAll:
			counts[x]++
		case x == genome.Missing:
		default:
			return fmt.Errorf("sample %s: allele index %d: want -1 (missing), 0..%d, or Haploid in the second slot", w.h.Samples[i], x, nAll-1)
		}
		switch {
		case y >= 0 && y < nAll:
			counts[y]++
			gt[i] = genome.EncodeDiploid(x, y, r.Phased)
		case y == genome.Missing:
			gt[i] = genome.EncodeDiploid(x, y, r.Phased)
		case y == Haploid:
			gt[i] = genome.EncodeHaploid(x)
		default:
			return fmt.Errorf("sample %s: allele index %d: want -1 (missing), 0..%d, or Haploid in the second slot", w.h.Samples[i], y, nAll-1)
		}
	}
	if r.GQ != nil && len(r.GQ) != ns {
		return fmt.Errorf("%d GQ values for %d samples", len(r.GQ), ns)
	}
	if r.DP != nil && len(r.DP) != ns {
		return fmt.Errorf("%d DP values for %d samples", len(r.DP), ns)
	}
	if r.DS != nil && len(r.DS) != ns*len(r.Alts) {
		return fmt.Errorf("%d DS values: want %d (one per sample and ALT)", len(r.DS), ns*len(r.Alts))
	}
	return nil
}

// validBases reports whether s is a non-empty run of nucleotide letters.
func validBases(s string) bool { return s != "" && genome.Bases(s) }

// appendInfo appends INFO AC, AN and AF from the allele counts check made.
func (w *Writer) appendInfo(b []byte, nAlt int) []byte {
	nAll := 1 + nAlt
	counts := w.counts[:nAll]
	an := 0
	for _, c := range counts {
		an += c
	}
	b = append(b, "AC="...)
	for j := 1; j < nAll; j++ {
		if j > 1 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(counts[j]), 10)
	}
	b = append(b, ";AN="...)
	b = strconv.AppendInt(b, int64(an), 10)
	if an > 0 {
		b = append(b, ";AF="...)
		for j := 1; j < nAll; j++ {
			if j > 1 {
				b = append(b, ',')
			}
			b = strconv.AppendFloat(b, float64(counts[j])/float64(an), 'g', 6, 64)
		}
	}
	return b
}

// fields appends sample i's FORMAT values after GT (vcf.Line.Fields).
func (w *Writer) fields(b []byte, i int) []byte {
	r := w.rec
	nAlt := len(r.Alts)
	for _, k := range w.keys[1:] {
		b = append(b, ':')
		switch k {
		case fmtGQ:
			b = appendInt32(b, r.GQ, i)
		case fmtDP:
			b = appendInt32(b, r.DP, i)
		case fmtDS:
			if r.DS == nil {
				b = append(b, '.')
				break
			}
			for j := 0; j < nAlt; j++ {
				if j > 0 {
					b = append(b, ',')
				}
				v := r.DS[i*nAlt+j]
				if math.IsNaN(float64(v)) {
					b = append(b, '.')
				} else {
					b = strconv.AppendFloat(b, float64(v), 'f', 3, 32)
				}
			}
		}
	}
	return b
}

func appendInt32(b []byte, vs []int32, i int) []byte {
	if vs == nil || vs[i] < 0 {
		return append(b, '.')
	}
	return strconv.AppendInt(b, int64(vs[i]), 10)
}

// Close flushes the output, writes the index and, for Create, moves the
// files into place (or, after an error, removes them). It returns the first
// error of the Writer.
func (w *Writer) Close() error {
	if w.vw == nil {
		return w.err
	}
	if w.err != nil {
		w.vw.Abort(w.err)
	}
	if err := w.vw.Close(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}

// Genotype fills dst with sample i's call in r, as genome/vcf decodes it:
// State from the alleles, GQ and DP -1 when absent, DS nil when absent.
// dst.Alleles and dst.DS are reused; dst.Alts aliases r.Alts.
func (r *Record) Genotype(i int, dst *genome.Genotype) {
	dst.Chrom, dst.Pos, dst.End = r.Chrom, r.Pos, r.Pos+int64(len(r.Ref))-1
	dst.ID = r.ID
	if dst.ID == "" {
		dst.ID = "."
	}
	dst.Ref, dst.Alts = r.Ref, r.Alts
	x, y := r.Alleles[2*i], r.Alleles[2*i+1]
	dst.Alleles = append(dst.Alleles[:0], x)
	if y != Haploid {
		dst.Alleles = append(dst.Alleles, y)
	}
	dst.Phased = r.Phased && y != Haploid
	dst.PS = 0
	dst.GQ, dst.DP = -1, -1
	if r.GQ != nil {
		dst.GQ = max(r.GQ[i], -1)
	}
	if r.DP != nil {
		dst.DP = max(r.DP[i], -1)
	}
	dst.AD, dst.GP = nil, nil
	dst.DS = dst.DS[:0]
	if r.DS != nil {
		n := len(r.Alts)
		for _, v := range r.DS[i*n : (i+1)*n] {
			if !math.IsNaN(float64(v)) {
				dst.DS = append(dst.DS, r.DS[i*n:(i+1)*n]...)
				break
			}
		}
	}
	if len(dst.DS) == 0 {
		dst.DS = nil
	}
	dst.State = genome.StateOf(dst.Alleles)
}
