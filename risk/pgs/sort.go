package pgs

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/varamu/varamu/genome"
)

// Sorted is a scoring file sorted by locus on disk (SortFile): Open
// streams its variants in that order.
type Sorted struct {
	file  string // the sorted variants, in the run format
	score Score  // header, path and checksum of the file sorted
}

// SortFile sorts a scoring file that is not sorted by position with
// bounded memory (an external sort): it reads the file a part of at most
// part variants at a time, sorts each part by locus (chromosome by
// genome.ChromRank, then name, position, the chromosome as written, and
// the line: variants at one locus stay in file order), writes each part
// as a run to a file in dir, and merges the runs into one sorted file in
// dir. Every check of ReadFile is made, with its errors: parse errors
// name the first bad line, and a duplicate variant names the first
// repeat in file order and the line it repeats. The Score of the stream
// Open returns is the file's (its path, header and checksum). The caller
// removes dir; SortFile removes its runs.
func SortFile(ctx context.Context, path, dir string, part int) (*Sorted, error) {
	f, h, r, err := openSummed(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer r.Close()
	runs, err := os.CreateTemp(dir, "runs-*")
	if err != nil {
		return nil, fmt.Errorf("pgs: %w", err)
	}
	defer os.Remove(runs.Name())
	defer runs.Close()
	ends, err := writeRuns(ctx, r, runs, max(part, 1))
	if err != nil {
		return nil, err
	}
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("pgs: %s: %w", path, err)
	}
	s := &Sorted{score: Score{Header: *r.Header(), Path: path, SHA256: hex.EncodeToString(h.Sum(nil))}}
	if s.file, err = mergeRuns(ctx, path, runs, ends, dir); err != nil {
		return nil, err
	}
	return s, nil
}

// Open returns a Stream of the sorted file's variants (ReadTo makes no
// check of order or duplicates: SortFile made them). The caller closes it.
func (s *Sorted) Open() (*Stream, error) {
	f, err := os.Open(s.file)
	if err != nil {
		return nil, fmt.Errorf("pgs: %w", err)
	}
	score := Score{Header: s.score.Header, Path: s.score.Path, SHA256: s.score.SHA256}
	return &Stream{f: f, path: s.score.Path, score: &score, run: newRunReader(f, 1<<16), anyOrder: true}, nil
}

// writeRuns reads r's variants a part at a time, sorted by locus, as runs
// to w, returning each run's end offset; a file without variants is a
// *ParseError.
func writeRuns(ctx context.Context, r *Reader, w io.Writer, part int) ([]int64, error) {
	var ends []int64
	var off int64
	var buf, rs []byte
	for {
		t, err := readPart(r, part)
		if err != nil {
			return nil, err
		}
		if t.Len() == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		buf = buf[:0]
		for _, j := range locusOrder(t) {
			v := t.Locus(int(j))
			rs = t.AppendRsID(rs[:0], int(j))
			buf = appendRun(buf, &v, rs)
		}
		if _, err := w.Write(buf); err != nil {
			return nil, fmt.Errorf("pgs: %w", err)
		}
		off += int64(len(buf))
		ends = append(ends, off)
		if t.Len() < part {
			break
		}
	}
	if len(ends) == 0 {
		return nil, &ParseError{File: r.name, Line: r.line, Err: errorf("no variants")}
	}
	return ends, nil
}

// readPart reads up to n variants of r into a new table.
func readPart(r *Reader, n int) (*Table, error) {
	t := &Table{}
	for t.Len() < n {
		err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		add(t, &r.rec, r.rsid)
	}
	return t, nil
}

// locusOrder returns the variants of t by locus, then line.
func locusOrder(t *Table) []int32 {
	ranks := make([]int, len(t.chroms))
	names := make([]string, len(t.chroms))
	for c, name := range t.chroms {
		ranks[c], names[c] = genome.ChromRank(name)
	}
	chrom := make([]uint32, t.Len())
	for i, cr := range t.chromRuns {
		end := t.n
		if i+1 < len(t.chromRuns) {
			end = int(t.chromRuns[i+1].from)
		}
		for j := int(cr.from); j < end; j++ {
			chrom[j] = cr.v
		}
	}
	order := make([]int32, t.Len())
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ca, cb := chrom[a], chrom[b]
		return cmp.Or(cmp.Compare(ranks[ca], ranks[cb]), strings.Compare(names[ca], names[cb]),
			cmp.Compare(t.Pos(int(a)), t.Pos(int(b))), strings.Compare(t.chroms[ca], t.chroms[cb]), cmp.Compare(a, b))
	})
	return order
}

// The run format is how SortFile holds variants on disk: per variant its
// line, chromosome, position, effect and other allele, weight, effect
// allele frequency, dominance and rsID, integers as varints, strings as
// a length and their bytes, floats as their 8 bytes. It is internal: only
// the process that wrote a file reads it, and never from elsewhere, so
// its reader trusts it (no fuzzing).

// appendRun appends variant v, its rsID rsid, in the run format.
func appendRun(buf []byte, v *Variant, rsid []byte) []byte {
	buf = binary.AppendUvarint(buf, uint64(v.Line))
	buf = appendString(buf, v.Chrom)
	buf = binary.AppendVarint(buf, v.Pos)
	buf = appendString(buf, v.EffectAllele)
	buf = appendString(buf, v.OtherAllele)
	buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v.Weight))
	buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v.EffectFreq))
	var d byte
	if v.Dominant {
		d |= 1
	}
	if v.Recessive {
		d |= 2
	}
	buf = append(binary.AppendUvarint(append(buf, d), uint64(len(rsid))), rsid...)
	return buf
}

func appendString(buf []byte, s string) []byte {
	return append(binary.AppendUvarint(buf, uint64(len(s))), s...)
}

// runReader reads variants in the run format; v and rsid are the last
// read, valid until the next read.
type runReader struct {
	br    *bufio.Reader
	v     Variant
	rsid  []byte
	bytes []byte
}

// newRunReader reads r through a buffer of size bytes.
func newRunReader(r io.Reader, size int) *runReader {
	return &runReader{br: bufio.NewReaderSize(r, size)}
}

// read reads the next variant; io.EOF at the end.
func (rr *runReader) read() error {
	line, err := binary.ReadUvarint(rr.br)
	if err != nil {
		return err // io.EOF at a variant's start: the end
	}
	v := &rr.v
	v.Line = int(line)
	chrom, err := rr.string(v.Chrom)
	if err != nil {
		return err
	}
	v.Chrom = chrom
	if v.Pos, err = binary.ReadVarint(rr.br); err != nil {
		return noEOF(err)
	}
	if v.EffectAllele, err = rr.string(""); err != nil {
		return err
	}
	if v.OtherAllele, err = rr.string(""); err != nil {
		return err
	}
	var fixed [17]byte
	if _, err := io.ReadFull(rr.br, fixed[:]); err != nil {
		return noEOF(err)
	}
	v.Weight = math.Float64frombits(binary.LittleEndian.Uint64(fixed[:8]))
	v.EffectFreq = math.Float64frombits(binary.LittleEndian.Uint64(fixed[8:16]))
	v.Dominant, v.Recessive = fixed[16]&1 != 0, fixed[16]&2 != 0
	return rr.bytesInto(&rr.rsid)
}

// string reads a string; last when it is the same (a chromosome), and
// one-letter alleles without allocating.
func (rr *runReader) string(last string) (string, error) {
	if err := rr.bytesInto(&rr.bytes); err != nil {
		return "", err
	}
	b := rr.bytes
	switch {
	case string(b) == last:
		return last, nil
	case len(b) == 1 && bases[b[0]] != "":
		return bases[b[0]], nil
	}
	return string(b), nil
}

// bytesInto reads a length and that many bytes into *dst (reused).
func (rr *runReader) bytesInto(dst *[]byte) error {
	n, err := binary.ReadUvarint(rr.br)
	if err != nil {
		return noEOF(err)
	}
	*dst = slices.Grow((*dst)[:0], int(n))[:n]
	_, err = io.ReadFull(rr.br, *dst)
	return noEOF(err)
}

// noEOF makes an end of file inside a variant an error.
func noEOF(err error) error {
	if err == io.EOF {
		return fmt.Errorf("pgs: run file: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// mergeRuns merges the runs of f (ending at ends) into one sorted file in
// dir, returning its name; a duplicate variant is a *ParseError naming
// the first repeat in file order (path's line) and the line it repeats.
func mergeRuns(ctx context.Context, path string, f *os.File, ends []int64, dir string) (name string, err error) {
	out, err := os.CreateTemp(dir, "sorted-*")
	if err != nil {
		return "", fmt.Errorf("pgs: %w", err)
	}
	defer func() {
		if cerr := out.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("pgs: %w", cerr)
		}
		if err != nil {
			os.Remove(out.Name())
		}
	}()
	h := make(runHeap, 0, len(ends))
	var start int64
	for _, end := range ends {
		// Small buffers: a merge reads every run at once.
		rr := newRunReader(io.NewSectionReader(f, start, end-start), 1<<12)
		start = end
		if err := h.load(rr); err != nil {
			return "", err
		}
	}
	heap.Init(&h)
	w := bufio.NewWriterSize(out, 1<<16)
	d := dupFinder{path: path}
	var buf []byte
	for n := 0; len(h) > 0; n++ {
		if n%(1<<16) == 0 && ctx.Err() != nil {
			return "", ctx.Err()
		}
		rr := h[0].rr
		d.add(&rr.v)
		buf = appendRun(buf[:0], &rr.v, rr.rsid)
		if _, err := w.Write(buf); err != nil {
			return "", fmt.Errorf("pgs: %w", err)
		}
		if err := h.next(); err != nil {
			return "", err
		}
	}
	if err := d.err(); err != nil {
		return "", err
	}
	if err := w.Flush(); err != nil {
		return "", fmt.Errorf("pgs: %w", err)
	}
	return out.Name(), nil
}

// runHead is a run's next variant and its sort key.
type runHead struct {
	rr    *runReader
	rank  int
	name  string
	chrom string
	pos   int64
	line  int
}

// runHeap is the runs' next variants, the least locus first.
type runHeap []*runHead

func (h runHeap) Len() int { return len(h) }
func (h runHeap) Less(a, b int) bool {
	x, y := h[a], h[b]
	return cmp.Or(cmp.Compare(x.rank, y.rank), strings.Compare(x.name, y.name), cmp.Compare(x.pos, y.pos),
		strings.Compare(x.chrom, y.chrom), cmp.Compare(x.line, y.line)) < 0
}
func (h runHeap) Swap(a, b int) { h[a], h[b] = h[b], h[a] }
func (h *runHeap) Push(x any)   { *h = append(*h, x.(*runHead)) }
func (h *runHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// load adds run rr, reading its first variant (a run is never empty).
func (h *runHeap) load(rr *runReader) error {
	r := &runHead{rr: rr}
	if err := r.advance(); err != nil {
		return noEOF(err)
	}
	*h = append(*h, r)
	return nil
}

// next moves the first run on to its next variant, or drops it at its end.
func (h *runHeap) next() error {
	r := (*h)[0]
	switch err := r.advance(); {
	case err == io.EOF:
		heap.Pop(h)
	case err != nil:
		return err
	default:
		heap.Fix(h, 0)
	}
	return nil
}

// advance reads the run's next variant and makes its key.
func (r *runHead) advance() error {
	if err := r.rr.read(); err != nil {
		return err
	}
	v := &r.rr.v
	if v.Chrom != r.chrom {
		r.rank, r.name = genome.ChromRank(v.Chrom)
	}
	r.chrom, r.pos, r.line = v.Chrom, v.Pos, v.Line
	return nil
}

// dupFinder finds, among variants given by locus and at a locus by line,
// the first repeat in file order of a variant and the line it repeats.
type dupFinder struct {
	path  string
	chrom string
	pos   int64
	at    []Variant // the variants at the current locus
	// dup is the first repeat found so far (Line 0: none), first the
	// line it repeats.
	dup   Variant
	first int
}

func (d *dupFinder) add(v *Variant) {
	if v.Chrom != d.chrom || v.Pos != d.pos || len(d.at) == 0 {
		d.chrom, d.pos, d.at = v.Chrom, v.Pos, d.at[:0]
	}
	for _, p := range d.at {
		if p.EffectAllele == v.EffectAllele && p.OtherAllele == v.OtherAllele {
			if d.dup.Line == 0 || v.Line < d.dup.Line {
				d.dup, d.first = *v, p.Line
			}
			return // a repeat: the earlier one stands for it
		}
	}
	d.at = append(d.at, Variant{Chrom: v.Chrom, Pos: v.Pos, EffectAllele: v.EffectAllele, OtherAllele: v.OtherAllele, Line: v.Line})
}

func (d *dupFinder) err() error {
	if d.dup.Line == 0 {
		return nil
	}
	v := d.dup
	return &ParseError{File: d.path, Line: v.Line, Err: errorf("duplicate variant %s:%d %s/%s (first on line %d)", v.Chrom, v.Pos, v.EffectAllele, dot(v.OtherAllele), d.first)}
}
