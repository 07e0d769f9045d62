// Package vcf reads VCF 4.2 and 4.3 files (plain, gzip or BGZF) as a
// stream of records, decoding each sample's genotype only when asked, and
// writes VCF 4.3 (plain, or BGZF with a tabix index, hts-specs tabix.tex)
// that it reads back: its Writer is the one VCF writer of varamu.
//
// It implements the parts of the VCF 4.3 specification
// (https://samtools.github.io/hts-specs/VCFv4.3.pdf) that a genotype store
// needs: meta-information lines (contig, INFO, FORMAT, FILTER, reference),
// the header line with sample names, the eight fixed columns, and the FORMAT
// and sample columns with GT first. Chromosome names are normalised to the
// "chr" form (genome.NormalizeChrom) and the genome build is detected from
// the ##reference line, ##contig assembly= values or contig lengths.
//
// Errors in the input are returned as *ParseError values carrying the file
// name, line number, and what was expected and found; the reader never
// prints and never panics on bad input.
package vcf

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/varamu/varamu/genome"
)

// ErrSyntax is wrapped by every ParseError caused by malformed input.
var ErrSyntax = errors.New("vcf: syntax error")

// ParseError describes bad input: where it is and what was wrong.
type ParseError struct {
	File   string // name given to NewReader
	Line   int    // 1-based line number
	Column string // column or field name ("POS", "GT"), may be empty
	Sample string // sample name, for errors in a sample column
	Err    error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Line))
	b.WriteString(": ")
	if e.Sample != "" {
		b.WriteString("sample ")
		b.WriteString(e.Sample)
		b.WriteString(": ")
	}
	if e.Column != "" {
		b.WriteString(e.Column)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// syntaxErr is a cause that wraps ErrSyntax.
type syntaxErr struct{ msg string }

func (e *syntaxErr) Error() string { return e.msg }
func (e *syntaxErr) Unwrap() error { return ErrSyntax }

func errorf(format string, args ...any) error { return &syntaxErr{fmt.Sprintf(format, args...)} }

// Field is an INFO or FORMAT definition.
type Field struct {
	ID          string
	Number      string // "1", "A", "R", "G", ".", ...
	Type        string // Integer, Float, Flag, Character, String
	Description string
}

// Contig is a ##contig line.
type Contig struct {
	ID       string // as written in the file
	Name     string // normalised ("chr10")
	Length   int64  // 0 when not given
	Assembly string
}

// Header is a parsed VCF header.
type Header struct {
	FileFormat string   // "VCFv4.3"
	Meta       []string // every ## line, without the leading "##", in order
	Contigs    []Contig
	Infos      map[string]Field
	Formats    map[string]Field
	Filters    map[string]string
	Reference  string
	Samples    []string
	// Build is the genome build detected from ##reference, ##contig
	// assembly= or contig lengths; genome.UnknownBuild when none says.
	Build genome.Build
	// GVCF is true when the header declares a gVCF (a <NON_REF> or <*>
	// ALT definition, or an INFO/END field together with a GVCFBlock line).
	GVCF bool
	// ChromLine is the line number of the #CHROM line (for errors about
	// sample names).
	ChromLine int
}

// parseHeaderLines parses the meta lines and the #CHROM line.
func parseHeader(file string, meta []string, chromLine string, chromLineNo int) (*Header, error) {
	h := &Header{
		ChromLine: chromLineNo,
		Infos:     map[string]Field{},
		Formats:   map[string]Field{},
		Filters:   map[string]string{},
	}
	builds := map[genome.Build]bool{}
	for i, m := range meta {
		line := i + 1
		key, val, ok := strings.Cut(m, "=")
		if !ok {
			return nil, &ParseError{File: file, Line: line, Err: errorf("meta line %q: want ##key=value", "##"+m)}
		}
		if i == 0 {
			if key != "fileformat" {
				return nil, &ParseError{File: file, Line: 1, Err: errorf("want ##fileformat=VCFv4.x as the first line, found %q", "##"+m)}
			}
			h.FileFormat = val
		}
		h.Meta = append(h.Meta, m)
		switch key {
		case "reference":
			h.Reference = val
			if b := genome.BuildFromName(val); b != "" {
				builds[b] = true
			}
		case "INFO", "FORMAT", "contig", "FILTER", "ALT":
			kv, err := parseStructured(val)
			if err != nil {
				return nil, &ParseError{File: file, Line: line, Column: key, Err: err}
			}
			id := kv["ID"]
			if id == "" {
				return nil, &ParseError{File: file, Line: line, Column: key, Err: errorf("want ID=..., found %q", val)}
			}
			switch key {
			case "INFO", "FORMAT":
				f := Field{ID: id, Number: kv["Number"], Type: kv["Type"], Description: kv["Description"]}
				if f.Number == "" || f.Type == "" {
					return nil, &ParseError{File: file, Line: line, Column: key, Err: errorf("%s: want Number and Type", id)}
				}
				if key == "INFO" {
					h.Infos[id] = f
				} else {
					h.Formats[id] = f
				}
			case "contig":
				c := Contig{ID: id, Name: genome.NormalizeChrom(id), Assembly: kv["assembly"]}
				if l := kv["length"]; l != "" {
					n, err := strconv.ParseInt(l, 10, 64)
					if err != nil || n < 1 {
						return nil, &ParseError{File: file, Line: line, Column: "contig", Err: errorf("%s: length %q is not a positive integer", id, l)}
					}
					c.Length = n
					if b := genome.BuildFromContig(id, n); b != "" {
						builds[b] = true
					}
				}
				if b := genome.BuildFromName(c.Assembly); b != "" {
					builds[b] = true
				}
				h.Contigs = append(h.Contigs, c)
			case "FILTER":
				h.Filters[id] = kv["Description"]
			case "ALT":
				if id == "NON_REF" || id == "*" {
					h.GVCF = true
				}
			}
		case "GVCFBlock":
			h.GVCF = true
		}
	}
	if h.FileFormat == "" {
		return nil, &ParseError{File: file, Line: 1, Err: errorf("want ##fileformat=VCFv4.x as the first line")}
	}
	switch {
	case len(builds) == 1:
		for b := range builds {
			h.Build = b
		}
	case len(builds) > 1:
		return nil, &ParseError{File: file, Line: chromLineNo, Err: errorf("header names more than one genome build (reference, contig lengths or assembly disagree)")}
	}
	cols := strings.Split(chromLine, "\t")
	want := []string{"#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"}
	if len(cols) < len(want) {
		return nil, &ParseError{File: file, Line: chromLineNo, Err: errorf("header line: want 8 tab-separated columns #CHROM..INFO, found %d", len(cols))}
	}
	for i, w := range want {
		if cols[i] != w {
			return nil, &ParseError{File: file, Line: chromLineNo, Err: errorf("header line column %d: want %q, found %q", i+1, w, cols[i])}
		}
	}
	if len(cols) > 8 {
		if cols[8] != "FORMAT" {
			return nil, &ParseError{File: file, Line: chromLineNo, Err: errorf("header line column 9: want \"FORMAT\", found %q", cols[8])}
		}
		h.Samples = cols[9:]
		seen := make(map[string]int, len(h.Samples))
		for i, s := range h.Samples {
			if s == "" {
				return nil, &ParseError{File: file, Line: chromLineNo, Err: errorf("sample column %d has an empty name", i+10)}
			}
			if j, dup := seen[s]; dup {
				return nil, &ParseError{File: file, Line: chromLineNo, Sample: s, Err: errorf("listed twice (columns %d and %d)", j+10, i+10)}
			}
			seen[s] = i
		}
	}
	return h, nil
}

// parseStructured parses <ID=x,Number=1,Description="a, b">.
func parseStructured(v string) (map[string]string, error) {
	if len(v) < 2 || v[0] != '<' || v[len(v)-1] != '>' {
		return nil, errorf("want <key=value,...>, found %q", v)
	}
	v = v[1 : len(v)-1]
	out := map[string]string{}
	for len(v) > 0 {
		k, rest, ok := strings.Cut(v, "=")
		if !ok {
			return nil, errorf("want key=value in %q", v)
		}
		var val string
		if strings.HasPrefix(rest, `"`) {
			var b strings.Builder
			i := 1
			for ; i < len(rest); i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
					b.WriteByte(rest[i])
					continue
				}
				if rest[i] == '"' {
					break
				}
				b.WriteByte(rest[i])
			}
			if i >= len(rest) {
				return nil, errorf("unterminated quoted value for %s", k)
			}
			val = b.String()
			rest = rest[i+1:]
		} else {
			j := strings.IndexByte(rest, ',')
			if j < 0 {
				j = len(rest)
			}
			val, rest = rest[:j], rest[j:]
		}
		out[k] = val
		rest = strings.TrimPrefix(rest, ",")
		v = rest
	}
	return out, nil
}

// ContigLength returns the declared length of a normalised contig, or 0.
func (h *Header) ContigLength(name string) int64 {
	for _, c := range h.Contigs {
		if c.Name == name {
			return c.Length
		}
	}
	return 0
}

var tab = []byte{'\t'}

// splitN splits b on tabs into at most n fields, reusing dst.
func splitN(dst [][]byte, b []byte, n int) [][]byte {
	dst = dst[:0]
	for len(dst) < n-1 {
		i := bytes.IndexByte(b, '\t')
		if i < 0 {
			break
		}
		dst = append(dst, b[:i])
		b = b[i+1:]
	}
	return append(dst, b)
}
