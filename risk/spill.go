package risk

import (
	"bufio"
	"cmp"
	"container/heap"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"slices"

	"github.com/varamu/varamu/risk/pgs"
)

// spillSink is the sink of RunFiles when files were sorted on disk
// (pgs.SortFile) to be read in locus order: their matches, final in that
// order, are held on disk (matchSpill) and written to risk_matches in the
// files' order at the end (writeAll), as Run writes them; the other
// files' are written as they come.
type spillSink struct {
	sink   matchesSink
	spills []*matchSpill // by score; nil for a file read in its own order
}

// newSpillSink returns the sink of sink's results, spilling to files in
// dir the matches of those sorted (sorted[k] not nil). Close it.
func newSpillSink(sink matchesSink, sorted []*pgs.Sorted, dir string) (*spillSink, error) {
	s := &spillSink{sink: sink, spills: make([]*matchSpill, len(sink))}
	for k, srt := range sorted {
		if srt == nil {
			continue
		}
		f, err := os.CreateTemp(dir, "matches-*")
		if err != nil {
			return s, fmt.Errorf("risk: %w", err)
		}
		s.spills[k] = &matchSpill{f: f, r: sink[k].r}
	}
	return s, nil
}

func (s *spillSink) chunk(k, c int) error {
	if sp := s.spills[k]; sp != nil {
		return sp.add(c)
	}
	return s.sink.chunk(k, c)
}

// close closes and removes the spill files.
func (s *spillSink) close() {
	for _, sp := range s.spills {
		if sp != nil {
			sp.f.Close()
			os.Remove(sp.f.Name())
		}
	}
}

// writeAll writes each spilled result's matches in its file's order.
func (s *spillSink) writeAll(ctx context.Context) error {
	for k, sp := range s.spills {
		if sp == nil {
			continue
		}
		if err := sp.writeInFileOrder(ctx, s.sink[k]); err != nil {
			return err
		}
	}
	return nil
}

// matchSpill holds a result's matches on disk: each chunk of matches,
// once final, sorted by line, as a run of a file of its own, read back
// merged by line (writeInFileOrder). A match is its variant's line, the
// match's fields as varints (the frequency as its 8 bytes), and the
// reason of an allele mismatch as a length and its text. The format is
// internal: only the process that wrote a spill file reads it, and never
// from elsewhere, so its reader trusts it (no fuzzing).
type matchSpill struct {
	f     *os.File
	r     *ScoreResult
	ends  []int64 // each run's end offset in f
	off   int64
	buf   []byte
	order []int32
	lines []int
}

// add appends the matches of chunk c, sorted by line, as a run.
func (sp *matchSpill) add(c int) error {
	r := sp.r
	from, to := r.matches.bounds(c)
	sp.order, sp.lines = sp.order[:0], sp.lines[:0]
	for j := from; j < to; j++ {
		sp.order = append(sp.order, int32(j-from))
		sp.lines = append(sp.lines, r.Variants.Line(j))
	}
	slices.SortFunc(sp.order, func(a, b int32) int { return cmp.Compare(sp.lines[a], sp.lines[b]) })
	sp.buf = sp.buf[:0]
	for _, i := range sp.order {
		j := from + int(i)
		m := r.matches.at(j)
		sp.buf = appendSpilled(sp.buf, sp.lines[i], m)
		if m.why == whyMismatch {
			why := r.matches.why(j)
			sp.buf = append(binary.AppendUvarint(sp.buf, uint64(len(why))), why...)
		}
	}
	if _, err := sp.f.Write(sp.buf); err != nil {
		return fmt.Errorf("risk: %w", err)
	}
	sp.off += int64(len(sp.buf))
	sp.ends = append(sp.ends, sp.off)
	return nil
}

// appendSpilled appends a match and its variant's line, without the
// reason's text.
func appendSpilled(buf []byte, line int, m *match) []byte {
	buf = binary.AppendUvarint(buf, uint64(line))
	buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(m.freq))
	buf = binary.AppendVarint(buf, int64(m.missing))
	buf = binary.AppendUvarint(buf, uint64(m.ref))
	buf = binary.AppendUvarint(buf, uint64(m.alts))
	buf = binary.AppendUvarint(buf, uint64(m.alt))
	buf = binary.AppendVarint(buf, int64(m.index))
	return append(buf, m.orient, m.why)
}

// writeInFileOrder writes the result's risk_matches rows through mw's
// table writer in the file's order, a chunk at a time: the file read
// again in its order (pgs.OpenFileOrder) for the variants, the runs
// merged by line for their matches.
func (sp *matchSpill) writeInFileOrder(ctx context.Context, mw *matchesWriter) error {
	r := sp.r
	in, err := pgs.OpenFileOrder(r.Path)
	if err != nil {
		return err
	}
	defer in.Close()
	fr := &ScoreResult{ID: r.ID, Version: r.Version, Path: r.Path, alleles: r.alleles, Variants: &in.Score().Variants,
		matches: newMatchStore(r.Variants.Len(), r.matches.size)}
	w := newMatchesWriter(mw.w, fr, mw.cols)
	defer w.release()
	h, err := sp.runs()
	if err != nil {
		return err
	}
	for c := range len(fr.matches.chunks) {
		from, to := fr.matches.bounds(c)
		if _, err := in.ReadTo(to - fr.Variants.Len()); err != nil {
			return err
		}
		if err := h.fill(fr, from, to); err != nil {
			return err
		}
		if err := w.chunk(c); err != nil {
			return err
		}
		fr.matches.drop(c)
		fr.Variants.DropBefore(to)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// runs returns the spill's runs, each at its first match.
func (sp *matchSpill) runs() (*spillHeap, error) {
	h := &spillHeap{}
	var start int64
	for _, end := range sp.ends {
		sr := &spillReader{br: bufio.NewReaderSize(io.NewSectionReader(sp.f, start, end-start), 1<<12)}
		start = end
		if err := sr.read(); err != nil {
			return nil, err
		}
		*h = append(*h, sr)
	}
	heap.Init(h)
	return h, nil
}

// fill sets the matches of fr's variants from to to-1 (read, in the
// file's order) from the runs, the least line first.
func (h *spillHeap) fill(fr *ScoreResult, from, to int) error {
	fr.matches.ensure(from, to)
	for j := from; j < to; j++ {
		if len(*h) == 0 || j >= fr.Variants.Len() || (*h)[0].line != fr.Variants.Line(j) {
			return fmt.Errorf("risk: %s: the matches held on disk are out of step with the file at its variant %d", fr.Path, j+1)
		}
		sr := (*h)[0]
		*fr.matches.at(j) = sr.m
		if sr.m.why == whyMismatch {
			fr.matches.setWhy(j, string(sr.why))
		}
		switch err := sr.read(); {
		case err == io.EOF:
			heap.Pop(h)
		case err != nil:
			return err
		default:
			heap.Fix(h, 0)
		}
	}
	return nil
}

// spillReader reads a run of a spill file: line and m are the last match
// read, why its reason's text (valid until the next read).
type spillReader struct {
	br   *bufio.Reader
	line int
	m    match
	why  []byte
}

// read reads the next match; io.EOF at the run's end.
func (sr *spillReader) read() error {
	line, err := binary.ReadUvarint(sr.br)
	if err != nil {
		return err
	}
	var freq [8]byte
	if _, err := io.ReadFull(sr.br, freq[:]); err != nil {
		return spillErr(err)
	}
	var v [5]int64
	for i := range v {
		if i == 0 || i == 4 {
			v[i], err = binary.ReadVarint(sr.br)
		} else {
			var u uint64
			u, err = binary.ReadUvarint(sr.br)
			v[i] = int64(u)
		}
		if err != nil {
			return spillErr(err)
		}
	}
	var codes [2]byte
	if _, err := io.ReadFull(sr.br, codes[:]); err != nil {
		return spillErr(err)
	}
	sr.line = int(line)
	sr.m = match{freq: math.Float64frombits(binary.LittleEndian.Uint64(freq[:])), missing: int32(v[0]),
		ref: uint32(v[1]), alts: uint32(v[2]), alt: uint32(v[3]), index: int16(v[4]), orient: codes[0], why: codes[1]}
	if sr.m.why != whyMismatch {
		return nil
	}
	n, err := binary.ReadUvarint(sr.br)
	if err != nil {
		return spillErr(err)
	}
	sr.why = slices.Grow(sr.why[:0], int(n))[:n]
	_, err = io.ReadFull(sr.br, sr.why)
	return spillErr(err)
}

// spillErr makes an end of file inside a match an error.
func spillErr(err error) error {
	if err == io.EOF {
		return fmt.Errorf("risk: spilled matches: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// spillHeap is the runs of a spill, the least line next first.
type spillHeap []*spillReader

func (h spillHeap) Len() int           { return len(h) }
func (h spillHeap) Less(a, b int) bool { return h[a].line < h[b].line }
func (h spillHeap) Swap(a, b int)      { h[a], h[b] = h[b], h[a] }
func (h *spillHeap) Push(x any)        { *h = append(*h, x.(*spillReader)) }
func (h *spillHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
