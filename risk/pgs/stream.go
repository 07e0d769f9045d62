package pgs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrUnsorted is returned by Stream.ReadTo when the file is not sorted as
// a Stream reads it: each chromosome in one run, positions not decreasing
// within it, at most maxSamePosition variants at a position.
var ErrUnsorted = errors.New("pgs: scoring file not sorted by position")

// Stream reads a scoring file sorted by position a part at a time into a
// Table, refusing duplicate variants as it goes (as ReadFile does, with
// the same error), so that the file need not be held whole: the caller
// drops the variants it is done with (Table.DropBefore). A file in any
// order is streamed sorted through SortFile (Sorted.Open), or in its own
// order, unchecked, through OpenFileOrder.
type Stream struct {
	f     *os.File
	r     *Reader
	path  string
	score *Score
	// last are the variants at the last position read (chromosome
	// chrom, position pos): their alleles and lines.
	last  []streamed
	chrom uint32
	pos   int64
	seen  map[uint32]bool // the chromosomes whose run has ended
	// run, when set, reads the variants of a file sorted by SortFile
	// instead of r (Sorted.Open).
	run *runReader
	// anyOrder is set for a stream that checks neither order nor
	// duplicates (Sorted.Open, OpenFileOrder).
	anyOrder bool
}

type streamed struct {
	effect, other uint32
	line          int
}

// OpenStream opens a scoring file, checksums it (one pass over its bytes:
// Score.SHA256 is known before the variants are read) and reads its
// header. The Score returned has no variants yet: ReadTo appends them.
func OpenStream(path string) (*Stream, error) {
	sum, err := FileSHA256(path)
	if err != nil {
		return nil, err
	}
	return openStream(path, sum)
}

// OpenFileOrder opens a scoring file to read it again in the order of
// its lines, checking neither the order nor duplicates (a file SortFile
// has checked), without a checksum (Score.SHA256 is empty).
func OpenFileOrder(path string) (*Stream, error) {
	s, err := openStream(path, "")
	if err != nil {
		return nil, err
	}
	s.anyOrder = true
	return s, nil
}

// openStream opens a scoring file whose checksum is sum and reads its
// header.
func openStream(path, sum string) (*Stream, error) {
	f, r, err := openReader(path, nil)
	if err != nil {
		return nil, err
	}
	s := &Stream{f: f, r: r, path: path, seen: map[uint32]bool{}}
	s.score = &Score{Header: *r.Header(), Path: path, SHA256: sum}
	return s, nil
}

// FileSHA256 returns the hex SHA-256 of a file's bytes as stored.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("pgs: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Score returns the file's score: its header, checksum and the variants
// read so far (Score.Variants, which ReadTo appends to).
func (s *Stream) Score() *Score { return s.score }

// ReadTo appends up to n more variants to the score's table; eof is true
// once the file is read to its end. A duplicate variant or a file with no
// variants is a *ParseError; a file not sorted is ErrUnsorted (sort it
// with SortFile, or read it with ReadFile).
func (s *Stream) ReadTo(n int) (eof bool, err error) {
	t := &s.score.Variants
	if rest := s.score.Header.expectedVariants() - t.Len(); rest > 0 {
		t.Grow(min(n, rest)) // room for the part, without append's spare room
	}
	for range n {
		err := s.next()
		if err == io.EOF {
			if t.Len() == 0 && s.r != nil {
				return true, &ParseError{File: s.path, Line: s.r.line, Err: errorf("no variants")}
			}
			return true, nil
		}
		if err != nil {
			return false, err
		}
		if s.run != nil {
			add(t, &s.run.v, s.run.rsid)
			continue
		}
		add(t, &s.r.rec, s.r.rsid)
		if s.anyOrder {
			continue
		}
		if err := s.check(t, t.Len()-1); err != nil {
			return false, err
		}
	}
	return false, nil
}

// next reads the next variant, from the run file of a sorted file (run)
// or the scoring file.
func (s *Stream) next() error {
	if s.run != nil {
		return s.run.read()
	}
	return s.r.next()
}

// check checks variant j, just read, against the variants before it at
// its position.
func (s *Stream) check(t *Table, j int) error {
	c, pos, i := t.chromCode(j), t.Pos(j), j-t.base
	v := streamed{t.effect.at(i), t.other.at(i), t.Line(j)}
	switch {
	case len(s.last) > 0 && c == s.chrom && pos == s.pos:
		for _, p := range s.last {
			if p.effect == v.effect && p.other == v.other {
				l := t.Locus(j)
				return &ParseError{File: s.path, Line: l.Line, Err: errorf("duplicate variant %s:%d %s/%s (first on line %d)", l.Chrom, l.Pos, l.EffectAllele, dot(l.OtherAllele), p.line)}
			}
		}
		if len(s.last) >= maxSamePosition {
			return fmt.Errorf("%s:%d: %w (more than %d variants at one position)", s.path, v.line, ErrUnsorted, maxSamePosition)
		}
		s.last = append(s.last, v)
		return nil
	case len(s.last) > 0 && c == s.chrom && pos < s.pos:
		return fmt.Errorf("%s:%d: %w", s.path, v.line, ErrUnsorted)
	case len(s.last) > 0 && c != s.chrom:
		s.seen[s.chrom] = true
		if s.seen[c] {
			return fmt.Errorf("%s:%d: %w", s.path, v.line, ErrUnsorted)
		}
	}
	s.chrom, s.pos, s.last = c, pos, append(s.last[:0], v)
	return nil
}

// Close closes the file.
func (s *Stream) Close() error {
	if s.r != nil {
		s.r.Close()
	}
	return s.f.Close()
}

// ReadHeaders reads the headers of scoring files: Scores with their
// header and path, without variants or checksum (Score.ID works).
func ReadHeaders(paths []string) ([]*Score, error) {
	out := make([]*Score, len(paths))
	for i, path := range paths {
		f, r, err := openReader(path, nil)
		if err != nil {
			return nil, err
		}
		out[i] = &Score{Header: *r.Header(), Path: path}
		r.Close()
		f.Close()
	}
	return out, nil
}
