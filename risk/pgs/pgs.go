// Package pgs reads PGS Catalog scoring files (format 2.0, as described at
// https://www.pgscatalog.org/downloads/#scoring_columns): a block of
// `#key=value` header lines (pgs_id, pgs_name, genome_build, weight_type,
// HmPOS_build, ...), then a tab-separated table with the columns rsID,
// chr_name, chr_position, effect_allele, other_allele, effect_weight,
// is_dominant, is_recessive, allelefrequency_effect and, in harmonised
// files, hm_chr and hm_pos. Plain and gzip files are read the same way.
//
// The reader streams: Read returns one variant at a time and never holds the
// file. Bad input is a *ParseError naming the file, the line and the column,
// and what was expected.
package pgs

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/varamu/varamu/genome"
)

// ErrSyntax is wrapped by every ParseError caused by malformed input.
var ErrSyntax = errors.New("pgs: malformed scoring file")

// ParseError describes bad input: where it is and what was wrong.
type ParseError struct {
	File   string // name given to NewReader
	Line   int    // 1-based line number
	Column string // column name, may be empty
	Err    error
}

func (e *ParseError) Error() string {
	s := e.File + ":" + strconv.Itoa(e.Line) + ": "
	if e.Column != "" {
		s += e.Column + ": "
	}
	return s + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

type syntaxErr struct{ msg string }

func (e syntaxErr) Error() string { return e.msg }
func (e syntaxErr) Unwrap() error { return ErrSyntax }

func errorf(format string, args ...any) error { return syntaxErr{fmt.Sprintf(format, args...)} }

// Header is the `#key=value` block of a scoring file.
type Header struct {
	// Values holds every key as written (keys are case-sensitive).
	Values map[string]string
	// ID is pgs_id, else pgs_name: the name scores are reported under.
	ID string
	// Build is the build of the positions used: HmPOS_build for a
	// harmonised file, else genome_build. UnknownBuild when the file says
	// nothing or "NR" (not reported).
	Build genome.Build
	// BuildText is the build as written ("" when absent).
	BuildText string
	// Harmonized is true when positions come from hm_chr and hm_pos.
	Harmonized bool
	// Columns are the table's column names, in file order.
	Columns []string
}

// Variant is one row of the scoring table.
type Variant struct {
	RsID         string // "" when absent
	Chrom        string // normalised ("chr22")
	Pos          int64
	EffectAllele string // upper case
	OtherAllele  string // upper case; "" when the file gives none
	Weight       float64
	Dominant     bool
	Recessive    bool
	// EffectFreq is allelefrequency_effect; NaN when absent.
	EffectFreq float64
	// Line is the 1-based line of the row in the file.
	Line int
}

// Reader reads a scoring file.
type Reader struct {
	name string
	br   *bufio.Reader
	gz   *gzip.Reader
	line int
	hdr  Header
	col  columns
	rec  Variant
	done bool
	// keyLines holds the line of each header key.
	keyLines map[string]int
	// fields is the split of the current line (reused), rsid the rsID
	// field of the last row parsed (a view of the line), long a line
	// longer than br's buffer; chromIn and chromOut the last chromosome
	// name normalised.
	fields            [][]byte
	rsid              []byte
	long              []byte
	chromIn, chromOut string
}

// columns are the indices of the known columns; -1 when absent.
type columns struct {
	rsid, chr, pos, hmChr, hmPos, effect, other, weight, dom, rec, freq int
}

// NewReader reads the header of a scoring file from in (plain or gzip);
// name is used in errors.
func NewReader(in io.Reader, name string) (*Reader, error) { return newReaderSize(in, name, 1<<16) }

// newReaderSize is NewReader reading through a buffer of size bytes
// (lines longer than it are read whole all the same).
func newReaderSize(in io.Reader, name string, size int) (*Reader, error) {
	br := bufio.NewReaderSize(in, size)
	r := &Reader{name: name, br: br}
	if magic, err := br.Peek(2); err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("gzip: %w", err)}
		}
		r.gz = gz
		r.br = bufio.NewReaderSize(gz, size)
	}
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

// Header returns the file's header.
func (r *Reader) Header() *Header { return &r.hdr }

// nextLine returns the next line without its end, or io.EOF. The bytes
// are the reader's buffer: valid until the next call.
func (r *Reader) nextLine() ([]byte, error) {
	b, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull { // a line longer than the buffer
		r.long = append(r.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = r.br.ReadSlice('\n')
			r.long = append(r.long, b...)
		}
		b = r.long
	}
	if err != nil && (err != io.EOF || len(b) == 0) {
		if err == io.EOF {
			return nil, io.EOF
		}
		return nil, &ParseError{File: r.name, Line: r.line + 1, Err: err}
	}
	r.line++
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b, nil
}

func (r *Reader) fail(column string, err error) error {
	return &ParseError{File: r.name, Line: r.line, Column: column, Err: err}
}

func (r *Reader) readHeader() error {
	r.hdr.Values = map[string]string{}
	r.keyLines = map[string]int{}
	for {
		b, err := r.nextLine()
		if err == io.EOF {
			return &ParseError{File: r.name, Line: r.line, Err: errorf("no column header line (want a tab-separated line naming effect_allele and effect_weight)")}
		}
		if err != nil {
			return err
		}
		s := string(b)
		if strings.HasPrefix(s, "#") {
			if k, v, ok := strings.Cut(strings.TrimLeft(s, "#"), "="); ok && !strings.HasPrefix(s, "##") {
				r.hdr.Values[strings.TrimSpace(k)] = strings.TrimSpace(v)
				r.keyLines[strings.TrimSpace(k)] = r.line
			}
			continue
		}
		if strings.TrimSpace(s) == "" {
			continue
		}
		r.hdr.Columns = strings.Split(s, "\t")
		return r.resolveHeader()
	}
}

// knownBuild maps a build as written to a Build; ok is false for a value
// that names no build varamu knows.
func knownBuild(s string) (genome.Build, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "nr", "na":
		return genome.UnknownBuild, true
	case "grch37", "hg19", "grch37.p13", "b37":
		return genome.GRCh37, true
	case "grch38", "hg38", "grch38.p14", "b38":
		return genome.GRCh38, true
	}
	return genome.UnknownBuild, false
}

func (r *Reader) resolveHeader() error {
	h := &r.hdr
	h.ID = h.Values["pgs_id"]
	if h.ID == "" {
		h.ID = h.Values["pgs_name"]
	}
	idx := map[string]int{}
	for i, c := range h.Columns {
		c = strings.TrimSpace(c)
		if _, dup := idx[c]; dup {
			return r.fail("", errorf("column %q appears twice", c))
		}
		idx[c] = i
	}
	get := func(n string) int {
		if i, ok := idx[n]; ok {
			return i
		}
		return -1
	}
	r.col = columns{
		rsid: get("rsID"), chr: get("chr_name"), pos: get("chr_position"), hmChr: get("hm_chr"), hmPos: get("hm_pos"),
		effect: get("effect_allele"), other: get("other_allele"), weight: get("effect_weight"),
		dom: get("is_dominant"), rec: get("is_recessive"), freq: get("allelefrequency_effect"),
	}
	for _, req := range []struct {
		name string
		i    int
	}{{"effect_allele", r.col.effect}, {"effect_weight", r.col.weight}} {
		if req.i < 0 {
			return r.fail("", errorf("missing required column %s (columns: %s)", req.name, strings.Join(h.Columns, ", ")))
		}
	}
	buildKey := "genome_build"
	switch {
	case r.col.hmChr >= 0 && r.col.hmPos >= 0:
		h.Harmonized = true
		if _, ok := h.Values["HmPOS_build"]; ok {
			buildKey = "HmPOS_build"
		}
	case r.col.chr < 0 || r.col.pos < 0:
		return r.fail("", errorf("missing required columns chr_name and chr_position (or hm_chr and hm_pos): variants are matched by position"))
	}
	h.BuildText = h.Values[buildKey]
	b, ok := knownBuild(h.BuildText)
	if !ok {
		return &ParseError{File: r.name, Line: r.keyLines[buildKey], Column: buildKey,
			Err: errorf("unknown genome build %q (want GRCh37, GRCh38, hg19, hg38 or NR)", h.BuildText)}
	}
	h.Build = b
	return nil
}

// Read returns the next variant, or io.EOF after the last. The returned
// Variant is valid until the next call to Read.
func (r *Reader) Read() (*Variant, error) {
	if err := r.next(); err != nil {
		return nil, err
	}
	r.rec.RsID = string(r.rsid)
	return &r.rec, nil
}

// next parses the next row into r.rec, without its rsID (in r.rsid), or
// returns io.EOF after the last.
func (r *Reader) next() error {
	for {
		if r.done {
			return io.EOF
		}
		s, err := r.nextLine()
		if err == io.EOF {
			r.done = true
			return io.EOF
		}
		if err != nil {
			return err
		}
		if len(s) == 0 || s[0] == '#' {
			continue
		}
		return r.parse(s)
	}
}

// All returns the variants as an iterator; iteration stops at the first
// error, which is yielded.
func (r *Reader) All() iter.Seq2[*Variant, error] {
	return func(yield func(*Variant, error) bool) {
		for {
			v, err := r.Read()
			if err == io.EOF {
				return
			}
			if !yield(v, err) || err != nil {
				return
			}
		}
	}
}

// Close releases the gzip stream, if any; it does not close the input.
func (r *Reader) Close() error {
	if r.gz != nil {
		return r.gz.Close()
	}
	return nil
}

// field returns field i of f without surrounding white space (as
// strings.TrimSpace trims); empty when absent.
func field(f [][]byte, i int) []byte {
	if i < 0 || i >= len(f) {
		return nil
	}
	b := f[i]
	if len(b) == 0 || (b[0] > ' ' && b[0] < utf8.RuneSelf && b[len(b)-1] > ' ' && b[len(b)-1] < utf8.RuneSelf) {
		return b
	}
	return bytes.TrimSpace(b)
}

// split splits a line at tabs into r.fields (reused).
func (r *Reader) split(s []byte) [][]byte {
	f := r.fields[:0]
	for {
		i := bytes.IndexByte(s, '\t')
		if i < 0 {
			break
		}
		f = append(f, s[:i])
		s = s[i+1:]
	}
	r.fields = append(f, s)
	return r.fields
}

// chrom normalises a chromosome name, remembering the last one (files
// are sorted by chromosome, so the name repeats).
func (r *Reader) chrom(name []byte) string {
	if string(name) != r.chromIn {
		r.chromIn = string(name)
		r.chromOut = genome.NormalizeChrom(r.chromIn)
	}
	return r.chromOut
}

// parse parses a row into r.rec, its rsID into r.rsid.
func (r *Reader) parse(s []byte) error {
	f := r.split(s)
	if len(f) != len(r.hdr.Columns) {
		return r.fail("", errorf("%d columns, want %d as in the column header", len(f), len(r.hdr.Columns)))
	}
	v := &r.rec
	*v = Variant{Line: r.line, EffectFreq: math.NaN()}
	r.rsid = field(f, r.col.rsid)
	if err := r.parseLocus(f); err != nil {
		return err
	}
	var err error
	if v.EffectAllele, err = allele(field(f, r.col.effect), false); err != nil {
		return r.fail("effect_allele", err)
	}
	if v.OtherAllele, err = allele(field(f, r.col.other), true); err != nil {
		return r.fail("other_allele", err)
	}
	w := field(f, r.col.weight)
	var ok bool
	if v.Weight, ok = parseFloat(w); !ok || !finite(v.Weight) {
		return r.fail("effect_weight", errorf("%q: want a finite number", w))
	}
	return r.parseFlags(f)
}

// parseLocus parses a row's chromosome and position (hm_chr and hm_pos
// in a harmonised file).
func (r *Reader) parseLocus(f [][]byte) error {
	chrCol, posCol := r.col.chr, r.col.pos
	chrName, posName := "chr_name", "chr_position"
	if r.hdr.Harmonized {
		chrCol, posCol, chrName, posName = r.col.hmChr, r.col.hmPos, "hm_chr", "hm_pos"
	}
	chr := field(f, chrCol)
	if len(chr) == 0 {
		return r.fail(chrName, errorf("empty (want a chromosome name)"))
	}
	r.rec.Chrom = r.chrom(chr)
	pos, ok := parsePos(field(f, posCol))
	if !ok || pos < 1 {
		return r.fail(posName, errorf("%q: want a position ≥ 1", field(f, posCol)))
	}
	r.rec.Pos = pos
	return nil
}

// parseFlags parses a row's is_dominant, is_recessive and
// allelefrequency_effect.
func (r *Reader) parseFlags(f [][]byte) error {
	v := &r.rec
	var err error
	if v.Dominant, err = flag(field(f, r.col.dom)); err != nil {
		return r.fail("is_dominant", err)
	}
	if v.Recessive, err = flag(field(f, r.col.rec)); err != nil {
		return r.fail("is_recessive", err)
	}
	if v.Dominant && v.Recessive {
		return r.fail("is_recessive", errorf("a variant cannot be both dominant and recessive"))
	}
	if fr := field(f, r.col.freq); len(fr) != 0 {
		x, ok := parseFloat(fr)
		if !ok || x < 0 || x > 1 {
			return r.fail("allelefrequency_effect", errorf("%q: want a frequency between 0 and 1", fr))
		}
		v.EffectFreq = x
	}
	return nil
}

// allele checks an allele: bases A, C, G, T, N (any case; returned upper
// case). An empty other allele is allowed.
func allele(s []byte, emptyOK bool) (string, error) {
	if len(s) == 0 {
		if emptyOK {
			return "", nil
		}
		return "", errorf("empty (want an allele of A, C, G, T)")
	}
	if len(s) == 1 {
		if b := bases[s[0]]; b != "" {
			return b, nil // shared: no string made per row
		}
	}
	u := strings.ToUpper(string(s))
	for i := 0; i < len(u); i++ {
		switch u[i] {
		case 'A', 'C', 'G', 'T', 'N':
		default:
			return "", errorf("%q: want an allele of A, C, G, T", s)
		}
	}
	return u, nil
}

// bases are the single-base alleles, any case, as returned ("" for other
// bytes).
var bases = [256]string{'A': "A", 'C': "C", 'G': "G", 'T': "T", 'N': "N", 'a': "A", 'c': "C", 'g': "G", 't': "T", 'n': "N"}

// flag parses is_dominant / is_recessive values; empty is false.
func flag(b []byte) (bool, error) {
	switch string(b) { // the common spellings without folding case
	case "", "FALSE", "0":
		return false, nil
	case "TRUE", "1":
		return true, nil
	}
	switch strings.ToLower(string(b)) {
	case "false", "f":
		return false, nil
	case "true", "t":
		return true, nil
	}
	return false, errorf("%q: want TRUE or FALSE", b)
}

// maxPresized bounds the variants a header's variants_number reserves
// room for (the header is not trusted further).
const maxPresized = 1 << 22

// expectedVariants returns variants_number when the header gives a
// plausible one, else 0: a capacity hint for reading the table.
func (h *Header) expectedVariants() int {
	n, err := strconv.Atoi(h.Values["variants_number"])
	if err != nil || n < 0 {
		return 0
	}
	return min(n, maxPresized)
}
