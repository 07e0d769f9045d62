package vcf

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/varamu/varamu/genome"
)

// ErrWrite is wrapped by every error about a header or record a Writer
// refuses to write.
var ErrWrite = errors.New("vcf: cannot write")

// Line is one data line for a Writer. Text fields are written as given;
// "" writes "." in ID, QUAL, FILTER and INFO, and no Alts writes ".".
type Line struct {
	Chrom string
	Pos   int64 // 1-based
	ID    string
	Ref   string
	Alts  []string

	Qual, Filter, Info string

	// Format is the FORMAT column, GT first ("GT", "GT:GQ:DP"). It and the
	// sample columns are written only when the header has samples.
	Format string
	// GT holds one genotype code per sample (genome.EncodeDiploid,
	// EncodeHaploid; genome.NoGT writes "."). The phase is per sample:
	// a phased code writes "0|1", an unphased one "0/1".
	GT []int32
	// Fields, when not nil, appends sample i's values of the FORMAT keys
	// after GT to dst, each after its ':' separator, and returns the
	// extended slice (trailing values may be left out). The values MUST NOT
	// contain tabs or line breaks; the Writer refuses a line with either,
	// or with more values than the keys allow over all its samples.
	Fields func(dst []byte, i int) []byte
}

// Writer writes VCF 4.3 text, plain or BGZF-compressed with a tabix index,
// in the layout the Reader reads. It streams: memory holds one formatted
// line (and, when indexing, the index and one 8-byte offset per 64 KiB
// BGZF block). A Writer keeps its first error and does nothing after it.
//
// Records MUST be grouped by chromosome and sorted by position within one;
// chromosomes the header declares (##contig) MUST come in the header's
// order and within their length.
type Writer struct {
	hdr     *Header
	contigs map[string]int // ID -> index in hdr.Contigs

	plain *bufio.Writer // plain text output, or nil
	bg    *bgzfOut      // BGZF output, or nil

	commit func() error // run by Close when all went well (rename temp files)
	abort  func()       // run by Close on error (remove temp files)

	buf      []byte
	okFormat string          // the last FORMAT checked
	chrom    string          // CHROM of the last record
	declared int             // index of the last declared contig written, -1 before
	done     map[string]bool // chromosomes finished
	last     int64
	n        int64
	err      error
	closed   bool
}

// NewWriter returns a Writer of plain VCF text to w. It writes
// ##fileformat=VCFv4.3, then meta (the lines without their leading "##";
// fileformat lines in it are skipped), then the #CHROM line with FORMAT and
// the samples when there are any. Close flushes the output but does not
// close w.
func NewWriter(w io.Writer, meta, samples []string) (*Writer, error) {
	vw, err := newWriter(meta, samples)
	if err != nil {
		return nil, err
	}
	vw.plain = bufio.NewWriterSize(w, 1<<20)
	if err := vw.writeHeader(); err != nil {
		return nil, err
	}
	return vw, nil
}

// NewBGZFWriter returns a Writer of BGZF-compressed VCF text to w, with the
// header of NewWriter. When index is not nil, Close writes a
// BGZF-compressed tabix index of the output to it. Close does not close w
// or index.
func NewBGZFWriter(w, index io.Writer, meta, samples []string, c Compression) (*Writer, error) {
	vw, err := newWriter(meta, samples)
	if err != nil {
		return nil, err
	}
	vw.bg, err = newBGZFOut(w, index, c)
	if err != nil {
		return nil, err
	}
	if err := vw.writeHeader(); err != nil {
		return nil, err
	}
	// Records start in a fresh block, as bcftools writes them.
	vw.bg.flushBlock()
	return vw, vw.bg.err
}

// Create returns a Writer to the file at path: BGZF with a tabix index at
// path+".tbi" when the name ends in ".gz", plain VCF text otherwise. The
// files appear under their names only when Close succeeds; until then they
// are written to temporary files in the same directory. c applies to BGZF
// output only.
func Create(path string, meta, samples []string, c Compression) (*Writer, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	var tmps []*os.File
	abort := func() {
		for _, f := range tmps {
			f.Close()
			os.Remove(f.Name())
		}
	}
	temp := func(suffix string) (*os.File, error) {
		f, err := os.CreateTemp(dir, "."+base+suffix+".tmp*")
		if err != nil {
			abort()
			return nil, fmt.Errorf("vcf: %w", err)
		}
		tmps = append(tmps, f)
		return f, nil
	}
	f, err := temp("")
	if err != nil {
		return nil, err
	}
	var vw *Writer
	if strings.HasSuffix(path, ".gz") {
		var idx *os.File
		if idx, err = temp(".tbi"); err != nil {
			return nil, err
		}
		vw, err = NewBGZFWriter(f, idx, meta, samples, c)
	} else {
		vw, err = NewWriter(f, meta, samples)
	}
	if err != nil {
		abort()
		return nil, err
	}
	vw.abort = abort
	vw.commit = func() error { return moveIntoPlace(tmps, []string{path, path + ".tbi"}) }
	return vw, nil
}

// moveIntoPlace makes the written temporary files readable, durable and
// renames them to their final names.
func moveIntoPlace(files []*os.File, finals []string) error {
	for i, f := range files {
		if err := f.Chmod(0o644); err != nil {
			return fmt.Errorf("vcf: %w", err)
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("vcf: %w", err)
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("vcf: %w", err)
		}
		if err := os.Rename(f.Name(), finals[i]); err != nil {
			return fmt.Errorf("vcf: %w", err)
		}
	}
	return nil
}

// newWriter checks the header as the Reader would read it back.
func newWriter(meta, samples []string) (*Writer, error) {
	lines := make([]string, 0, 1+len(meta))
	lines = append(lines, "fileformat=VCFv4.3")
	for _, m := range meta {
		if strings.HasPrefix(m, "fileformat=") {
			continue
		}
		if strings.ContainsAny(m, "\n\r") {
			return nil, fmt.Errorf("%w: meta line %q: want one line", ErrWrite, m)
		}
		lines = append(lines, m)
	}
	for _, s := range samples {
		if strings.ContainsAny(s, "\t\n\r") {
			return nil, fmt.Errorf("%w: sample name %q: want no tabs or line breaks", ErrWrite, s)
		}
	}
	hdr, err := parseHeader("header", lines, chromLine(samples), len(lines)+1)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrWrite, err)
	}
	hdr.Meta = lines
	vw := &Writer{hdr: hdr, contigs: make(map[string]int, len(hdr.Contigs)), declared: -1, done: map[string]bool{}}
	for i, c := range hdr.Contigs {
		vw.contigs[c.ID] = i
	}
	return vw, nil
}

// chromLine is the #CHROM line, without its line break.
func chromLine(samples []string) string {
	var b strings.Builder
	b.WriteString("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO")
	if len(samples) > 0 {
		b.WriteString("\tFORMAT")
		for _, s := range samples {
			b.WriteByte('\t')
			b.WriteString(s)
		}
	}
	return b.String()
}

func (w *Writer) writeHeader() error {
	b := w.buf[:0]
	for _, m := range w.hdr.Meta {
		b = append(b, "##"...)
		b = append(b, m...)
		b = append(b, '\n')
	}
	b = append(b, chromLine(w.hdr.Samples)...)
	b = append(b, '\n')
	w.buf = b
	return w.emit(b, nil)
}

// Write writes one record.
func (w *Writer) Write(l *Line) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("%w: write after Close", ErrWrite)
	}
	if err := w.check(l); err != nil {
		w.err = fmt.Errorf("%w: record %d (%s:%d): %w", ErrWrite, w.n+1, l.Chrom, l.Pos, err)
		return w.err
	}
	w.n++
	w.buf = w.format(w.buf[:0], l)
	if w.err != nil {
		return w.err
	}
	return w.emit(w.buf, l)
}

// Abort stops the Writer with err: Close returns it and, for Create,
// removes the temporary files.
func (w *Writer) Abort(err error) {
	if w.err == nil {
		w.err = err
	}
}

// check checks a record before it is formatted.
func (w *Writer) check(l *Line) error {
	if err := w.checkOrder(l); err != nil {
		return err
	}
	if l.Ref == "" || !genome.Bases(l.Ref) {
		return fmt.Errorf("REF %q: want bases A, C, G, T, N", l.Ref)
	}
	if len(l.Alts) > genome.MaxAlleleIndex {
		return fmt.Errorf("%d ALT alleles: want at most %d", len(l.Alts), genome.MaxAlleleIndex)
	}
	for _, a := range l.Alts {
		if a == "" || a == "." || strings.ContainsAny(a, "\t\n\r, ") {
			return fmt.Errorf("ALT %q: want an allele without tabs, spaces, commas or line breaks", a)
		}
	}
	if strings.ContainsAny(l.ID, "\t\n\r; ") {
		return fmt.Errorf("ID %q: want no tabs, spaces, semicolons or line breaks", l.ID)
	}
	if l.Qual != "" && l.Qual != "." {
		if _, err := strconv.ParseFloat(l.Qual, 64); err != nil {
			return fmt.Errorf("QUAL %q: want a number or \".\"", l.Qual)
		}
	}
	for _, f := range [...]struct{ name, v string }{{"FILTER", l.Filter}, {"INFO", l.Info}} {
		if strings.ContainsAny(f.v, "\t\n\r") {
			return fmt.Errorf("%s %q: want no tabs or line breaks", f.name, f.v)
		}
	}
	return w.checkSamples(l)
}

// checkOrder checks CHROM and POS against the header and the records
// before.
func (w *Writer) checkOrder(l *Line) error {
	if l.Chrom == "" || l.Chrom[0] == '#' || strings.ContainsAny(l.Chrom, "\t\n\r ") {
		return fmt.Errorf("CHROM %q: want a name without spaces, tabs or line breaks, not starting with '#'", l.Chrom)
	}
	if l.Pos < 1 {
		return fmt.Errorf("position %d: want 1 or more", l.Pos)
	}
	if l.Chrom == w.chrom {
		if l.Pos < w.last {
			return fmt.Errorf("position %d after %d: want records sorted by position", l.Pos, w.last)
		}
		w.last = l.Pos
		return w.checkLength(l)
	}
	if w.done[l.Chrom] {
		return fmt.Errorf("contig %s after %s: want the records of a contig together", l.Chrom, w.chrom)
	}
	if i, ok := w.contigs[l.Chrom]; ok {
		if i < w.declared {
			return fmt.Errorf("contig %s after %s: want the header's contig order", l.Chrom, w.hdr.Contigs[w.declared].ID)
		}
		w.declared = i
	}
	if w.chrom != "" {
		w.done[w.chrom] = true
	}
	w.chrom, w.last = l.Chrom, l.Pos
	return w.checkLength(l)
}

func (w *Writer) checkLength(l *Line) error {
	if i, ok := w.contigs[l.Chrom]; ok {
		if n := w.hdr.Contigs[i].Length; n > 0 && l.Pos > n {
			return fmt.Errorf("position %d outside contig %s (1-%d)", l.Pos, l.Chrom, n)
		}
	}
	return nil
}

// checkSamples checks FORMAT and the number of genotypes; format checks
// the codes as it writes them.
func (w *Writer) checkSamples(l *Line) error {
	ns := len(w.hdr.Samples)
	if ns == 0 {
		return nil
	}
	if l.Format != w.okFormat {
		if err := w.checkFormat(l.Format); err != nil {
			return err
		}
		w.okFormat = l.Format
	}
	if len(l.GT) != ns {
		return fmt.Errorf("%d genotypes for %d samples", len(l.GT), ns)
	}
	return nil
}

// checkFormat checks that a FORMAT column has GT first and only keys the
// header declares.
func (w *Writer) checkFormat(f string) error {
	if f != "GT" && !strings.HasPrefix(f, "GT:") {
		return fmt.Errorf("FORMAT %q: want GT first", f)
	}
	for k := range strings.SplitSeq(f, ":") {
		if _, ok := w.hdr.Formats[k]; !ok {
			return fmt.Errorf("FORMAT %q: key %q is not declared by a ##FORMAT header line", f, k)
		}
	}
	return nil
}

// format appends the text line of l to b.
func (w *Writer) format(b []byte, l *Line) []byte {
	b = append(b, l.Chrom...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, l.Pos, 10)
	b = appendField(b, l.ID)
	b = append(b, '\t')
	b = append(b, l.Ref...)
	b = append(b, '\t')
	if len(l.Alts) == 0 {
		b = append(b, '.')
	}
	for j, a := range l.Alts {
		if j > 0 {
			b = append(b, ',')
		}
		b = append(b, a...)
	}
	b = appendField(b, l.Qual)
	b = appendField(b, l.Filter)
	b = appendField(b, l.Info)
	if len(w.hdr.Samples) == 0 {
		return append(b, '\n')
	}
	b = append(b, '\t')
	b = append(b, l.Format...)
	nAll := 1 + len(l.Alts)
	samplesAt := len(b)
	for i, c := range l.GT {
		if !validCode(c, nAll) {
			w.err = fmt.Errorf("%w: record %d (%s:%d): sample %s: genotype code %#x: want allele indices below %d", ErrWrite, w.n, l.Chrom, l.Pos, w.hdr.Samples[i], c, nAll)
			return b
		}
		b = append(b, '\t')
		b = appendGT(b, c)
		if l.Fields != nil {
			start := len(b)
			if b = l.Fields(b, i); len(b) > start && b[start] != ':' {
				w.err = fmt.Errorf("%w: record %d (%s:%d): sample %s: FORMAT values %q: want each after a ':'", ErrWrite, w.n, l.Chrom, l.Pos, w.hdr.Samples[i], b[start:])
				return b
			}
		}
	}
	if l.Fields != nil && badFields(b[samplesAt:], len(l.GT), len(l.GT)*strings.Count(l.Format, ":")) {
		w.err = fmt.Errorf("%w: record %d (%s:%d): FORMAT values: want at most %d values after GT a sample, without tabs or line breaks", ErrWrite, w.n, l.Chrom, l.Pos, strings.Count(l.Format, ":"))
		return b
	}
	return append(b, '\n')
}

// appendField appends a tab and v, or "." when v is empty.
func appendField(b []byte, v string) []byte {
	b = append(b, '\t')
	if v == "" {
		return append(b, '.')
	}
	return append(b, v...)
}

// The genotype codes of 0|0 and 0/0, the most common calls.
var (
	refPhased   = genome.EncodeDiploid(0, 0, true)
	refUnphased = genome.EncodeDiploid(0, 0, false)
)

// appendGT appends the text of a genotype code: "0|1", "0/1", "1" or ".".
func appendGT(b []byte, code int32) []byte {
	switch {
	case code == refPhased:
		return append(b, '0', '|', '0')
	case code == refUnphased:
		return append(b, '0', '/', '0')
	case code&genome.NoGT != 0:
		return append(b, '.')
	}
	b = appendAllele(b, int(code&0xFFF)-1)
	second := int((code>>12)&0xFFF) - 1
	if second == haploidSlot {
		return b
	}
	if code&phasedBit != 0 {
		b = append(b, '|')
	} else {
		b = append(b, '/')
	}
	return appendAllele(b, second)
}

// haploidSlot and phasedBit read a genotype code as genome.DecodeGT does.
const haploidSlot = 0xFFF - 1

var phasedBit = genome.EncodeDiploid(0, 0, true) &^ genome.EncodeDiploid(0, 0, false)

func appendAllele(b []byte, a int) []byte {
	switch {
	case a == genome.Missing:
		return append(b, '.')
	case a < 10:
		return append(b, byte('0'+a))
	}
	return strconv.AppendInt(b, int64(a), 10)
}

// validCode reports whether the allele indices of a genotype code are
// below nAll.
func validCode(c int32, nAll int) bool {
	a, b := int(c&0xFFF)-1, int((c>>12)&0xFFF)-1
	return c&genome.NoGT != 0 || a < nAll && (b < nAll || b == haploidSlot)
}

// badFields reports whether the sample columns v (each after its tab),
// with the values Fields appended, break the line: a tab or ':' too many
// (more than tabs and colons) or a line break. The checks run over the
// whole line at once, so that they cost little beside the formatting.
func badFields(v []byte, tabs, colons int) bool {
	return bytes.Count(v, tab) != tabs || bytes.Count(v, colon) > colons ||
		bytes.IndexByte(v, '\n') >= 0 || bytes.IndexByte(v, '\r') >= 0
}

var colon = []byte(":")

// emit writes a formatted line; l is nil for the header.
func (w *Writer) emit(line []byte, l *Line) error {
	if w.plain != nil {
		if _, err := w.plain.Write(line); err != nil {
			w.err = fmt.Errorf("vcf: %w", err)
		}
		return w.err
	}
	beg := w.bg.write(line)
	end := w.bg.offset()
	if w.bg.err != nil {
		w.err = w.bg.err
		return w.err
	}
	if l != nil && w.bg.index != nil {
		p := l.Pos - 1
		if err := w.bg.idx.add(l.Chrom, p, p+int64(len(l.Ref)), beg, end); err != nil {
			w.err = fmt.Errorf("vcf: %w", err)
		}
	}
	return w.err
}

// Close flushes the output, writes the index and, for Create, moves the
// files into place; after an error it writes nothing more and, for Create,
// removes the temporary files. It returns the first error of the Writer.
func (w *Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.plain != nil && w.err == nil {
		if err := w.plain.Flush(); err != nil {
			w.err = fmt.Errorf("vcf: %w", err)
		}
	}
	if w.bg != nil {
		if err := w.bg.close(); err != nil && w.err == nil {
			w.err = err
		}
	}
	if w.err == nil && w.commit != nil {
		w.err = w.commit()
	}
	if w.err != nil && w.abort != nil {
		w.abort()
	}
	return w.err
}
