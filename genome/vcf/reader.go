package vcf

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"

	"github.com/biogo/hts/bgzf"
)

// Reader reads a VCF stream: the header first (by NewReader), then records.
type Reader struct {
	name   string
	br     *bufio.Reader
	closer []io.Closer
	hdr    *Header
	line   int
	long   []byte
	rec    Record
}

// Open opens a VCF file by path ("-" for standard input), detecting plain
// text, gzip and BGZF by content. Close the Reader when done.
func Open(path string) (*Reader, error) {
	if path == "-" {
		return NewReader(os.Stdin, "<stdin>")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r, err := NewReader(f, path)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = append(r.closer, f)
	return r, nil
}

// NewReader reads the header of a VCF stream. name is used in errors.
// Compressed input (gzip or BGZF, where BGZF blocks are inflated in parallel
// on all cores) is detected from its first bytes.
func NewReader(in io.Reader, name string) (*Reader, error) {
	r := &Reader{name: name}
	pb := bufio.NewReaderSize(in, 1<<16)
	magic, err := pb.Peek(18)
	if len(magic) == 0 {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, &ParseError{File: name, Line: 1, Err: errorf("empty file (want a ##fileformat=VCFv4.x line)")}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var src io.Reader = pb
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		if isBGZF(magic) {
			bz, err := bgzf.NewReader(pb, runtime.GOMAXPROCS(0))
			if err != nil {
				return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("reading BGZF: %w", err)}
			}
			r.closer = append(r.closer, bz)
			src = bz
		} else {
			gz, err := gzip.NewReader(pb)
			if err != nil {
				return nil, &ParseError{File: name, Line: 1, Err: fmt.Errorf("reading gzip: %w", err)}
			}
			r.closer = append(r.closer, gz)
			src = gz
		}
	}
	r.br = bufio.NewReaderSize(src, 1<<20)
	if err := r.readHeader(); err != nil {
		return nil, err
	}
	return r, nil
}

// isBGZF checks for the gzip FEXTRA "BC" subfield that marks BGZF.
func isBGZF(h []byte) bool {
	return len(h) >= 16 && h[3]&4 != 0 && h[12] == 'B' && h[13] == 'C'
}

// nextLine returns the next line without its line ending; the slice is
// valid until the next call.
func (r *Reader) nextLine() ([]byte, error) {
	line, err := r.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		r.long = append(r.long[:0], line...)
		for errors.Is(err, bufio.ErrBufferFull) {
			line, err = r.br.ReadSlice('\n')
			r.long = append(r.long, line...)
		}
		line = r.long
	}
	if err != nil && !(errors.Is(err, io.EOF) && len(line) > 0) {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, &ParseError{File: r.name, Line: r.line + 1, Err: fmt.Errorf("reading: %w (truncated or corrupt compressed file?)", err)}
	}
	r.line++
	line = bytes.TrimSuffix(line, []byte{'\n'})
	line = bytes.TrimSuffix(line, []byte{'\r'})
	return line, nil
}

func (r *Reader) readHeader() error {
	var meta []string
	for {
		line, err := r.nextLine()
		if errors.Is(err, io.EOF) {
			if r.line == 0 {
				return &ParseError{File: r.name, Line: 1, Err: errorf("empty file (want a ##fileformat=VCFv4.x line)")}
			}
			return &ParseError{File: r.name, Line: r.line + 1, Err: errorf("end of file inside the header (want a #CHROM header line)")}
		}
		if err != nil {
			return err
		}
		switch {
		case bytes.HasPrefix(line, []byte("##")):
			meta = append(meta, string(line[2:]))
		case bytes.HasPrefix(line, []byte("#")):
			h, err := parseHeader(r.name, meta, string(line), r.line)
			if err != nil {
				return err
			}
			r.hdr = h
			return nil
		default:
			if r.line == 1 {
				return &ParseError{File: r.name, Line: 1, Err: errorf("want ##fileformat=VCFv4.x, found %q", truncate(line, 40))}
			}
			return &ParseError{File: r.name, Line: r.line, Err: errorf("want a #CHROM header line before data, found %q", truncate(line, 40))}
		}
	}
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// Header returns the parsed header.
func (r *Reader) Header() *Header { return r.hdr }

// Name returns the name given to NewReader.
func (r *Reader) Name() string { return r.name }

// Line returns the number of the last line read.
func (r *Reader) Line() int { return r.line }

// Read returns the next record, or io.EOF after the last one. The record
// is valid until the next call to Read.
func (r *Reader) Read() (*Record, error) {
	for {
		line, err := r.nextLine()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			continue
		}
		if err := ParseLine(r.hdr, r.name, r.line, line, &r.rec); err != nil {
			return nil, err
		}
		return &r.rec, nil
	}
}

// All returns an iterator over the remaining records; it stops after the
// first error, which it yields.
func (r *Reader) All() iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		for {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				return
			}
			if !yield(rec, err) || err != nil {
				return
			}
		}
	}
}

// LineBatch holds raw data lines copied out of the stream, for parsing on
// other goroutines with ParseLine.
type LineBatch struct {
	Buf       []byte
	Ends      []int // end offset in Buf of each line
	FirstLine int   // line number of the first line
}

// Line returns line i of the batch and its line number.
func (b *LineBatch) Line(i int) ([]byte, int) {
	start := 0
	if i > 0 {
		start = b.Ends[i-1]
	}
	return b.Buf[start:b.Ends[i]], b.FirstLine + i
}

// Len returns the number of lines in the batch.
func (b *LineBatch) Len() int { return len(b.Ends) }

// ReadBatch fills b with the next data lines, about maxBytes of them (at
// least one), reusing b's buffers. It returns io.EOF when no line is left.
// Empty lines are skipped but counted.
func (r *Reader) ReadBatch(b *LineBatch, maxBytes int) error {
	b.Buf, b.Ends = b.Buf[:0], b.Ends[:0]
	b.FirstLine = 0
	for len(b.Buf) < maxBytes {
		line, err := r.nextLine()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if len(line) == 0 {
			if b.FirstLine == 0 {
				continue
			}
			// Keep numbering exact: an empty line inside a batch ends it.
			break
		}
		if b.FirstLine == 0 {
			b.FirstLine = r.line
		}
		b.Buf = append(b.Buf, line...)
		b.Ends = append(b.Ends, len(b.Buf))
	}
	if len(b.Ends) == 0 {
		return io.EOF
	}
	return nil
}

// Close closes the decompressor and the file opened by Open.
func (r *Reader) Close() error {
	var first error
	for i := len(r.closer) - 1; i >= 0; i-- {
		if err := r.closer[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	r.closer = nil
	return first
}
