package genotypes

import (
	"fmt"
	"io"
	"os"
)

// The dense read decodes the row groups of calls.parquet it needs
// straight from their pages into reused Go slices (pageCols), without
// building Arrow arrays or column readers: the row group's bytes are read
// with one ReadAt, each column chunk decoded by chunkDecoder, and the
// levels of each list column give the rows' offsets into its values. The
// rows mean what callsCols gives the per-sample read; the dense tests hold
// the two reads equal.

// pageList is one list column of a row group: row i's values are
// v[off[i]:off[i+1]] (a null list reads as empty).
type pageList struct {
	off []int32
	v   []int32
}

func (l *pageList) at(i int) []int32 { return l.v[l.off[i]:l.off[i+1]] }

// pageCols are the columns of one row group of calls.parquet (layout
// 7: the plane in planeWords nullable columns, a row dense when its words
// are not null; the samples lists gap-decoded). Its slices are reused
// for the next row group.
type pageCols struct {
	site, from         []int32
	levels, smp, codes pageList
	dense              []bool  // the row is dense
	dv                 []int64 // planeWords words a row
}

// row returns row i.
func (c *pageCols) row(i int) callsRow {
	r := callsRow{samples: c.smp.at(i), codes: c.codes.at(i)}
	if c.dense[i] {
		r.words, r.levels = c.dv[i*planeWords:(i+1)*planeWords], c.levels.at(i)
	}
	return r
}

// pageScratch is what decoding row groups reuses: the bytes read, the
// decoder's buffers, each column's decoded levels and values, and the
// columns.
type pageScratch struct {
	dec  chunkDecoder
	raw  []byte
	flat [2]chunkOut[int32] // site, sample_from
	list [3]chunkOut[int32] // levels, samples, codes
	pl   chunkOut[int64]
	c    pageCols
}

// allPlanes asks readPageCols for every plane word.
const allPlanes = 1<<planeWords - 1

// readPageCols decodes row group g of the calls file f (indexed by x),
// reading the plane words in the mask planes only (the others are 0), into
// sc.c, valid until the next call.
func readPageCols(f io.ReaderAt, x *callsIndex, g int, planes uint, sc *pageScratch) (*pageCols, error) {
	if g < 0 || g >= len(x.rows) {
		return nil, fmt.Errorf("genotypes: calls row group %d of %d", g, len(x.rows))
	}
	rows := x.rows[g]
	if rows > 1<<24 {
		return nil, fmt.Errorf("genotypes: calls row group of %d rows", rows)
	}
	c := &sc.c
	if rows == 0 { // an empty chunk of a block: its columns' offsets are not to be read
		c.site, c.from = c.site[:0], c.from[:0]
		return c, nil
	}
	lo, hi := x.span(g, planes)
	sc.raw = growLen(sc.raw[:0], int(hi-lo))
	if _, err := f.ReadAt(sc.raw, lo); err != nil {
		return nil, err
	}
	chunk := func(col int) []byte {
		cc := x.chunk(g, col)
		if cc.levels == 0 {
			return nil
		}
		return sc.raw[cc.off-lo : cc.off-lo+cc.size]
	}
	shape := func(col int) colShape {
		sh := x.shape[col]
		cc := x.chunk(g, col)
		sh.codec, sh.levels = cc.codec, cc.levels
		return sh
	}
	for i, col := range []int{callsSite, callsFrom} {
		if err := decodeChunk(&sc.dec, chunk(col), shape(col), &sc.flat[i]); err != nil {
			return nil, fmt.Errorf("column %d: %w", col, err)
		}
		if int64(len(sc.flat[i].v)) != rows {
			return nil, fmt.Errorf("genotypes: calls column %d has %d values for %d rows", col, len(sc.flat[i].v), rows)
		}
	}
	c.site, c.from = sc.flat[0].v, sc.flat[1].v
	for i, l := range []*pageList{&c.levels, &c.smp, &c.codes} {
		col := callsLevels + i
		if err := decodeChunk(&sc.dec, chunk(col), shape(col), &sc.list[i]); err != nil {
			return nil, fmt.Errorf("column %d: %w", col, err)
		}
		if err := listOffsets(l, &sc.list[i], x.shape[col].maxDef, int(rows)); err != nil {
			return nil, fmt.Errorf("column %d: %w", col, err)
		}
	}
	ungapRows(c.smp.v, c.smp.off)
	c.dense = growLen(c.dense[:0], int(rows))
	clear(c.dense)
	c.dv = growLen(c.dv[:0], int(rows)*planeWords)
	if planes&allPlanes != allPlanes {
		clear(c.dv)
	}
	for k := range planeWords {
		if planes&(1<<k) == 0 {
			continue
		}
		col := callsPlane0 + k
		if err := decodeChunk(&sc.dec, chunk(col), shape(col), &sc.pl); err != nil {
			return nil, fmt.Errorf("column %d: %w", col, err)
		}
		if err := setPlane(c, k, &sc.pl, x.shape[col].maxDef); err != nil {
			return nil, fmt.Errorf("column %d: %w", col, err)
		}
	}
	return c, nil
}

// span returns the bytes of row group g holding its list columns and the
// plane words in planes (a site-major file's index has no plane word
// columns, callsPlane0 on: all of its columns).
func (x *callsIndex) span(g int, planes uint) (lo, hi int64) {
	lo, hi = x.size, 0
	for col := range len(x.shape) {
		cc := x.chunk(g, col)
		if cc.levels == 0 || col >= callsPlane0 && planes&(1<<(col-callsPlane0)) == 0 {
			continue // empty chunks' offsets are not to be read
		}
		lo, hi = min(lo, cc.off), max(hi, cc.off+cc.size)
	}
	return lo, max(lo, hi)
}

// setPlane copies plane word k of each dense row (a non-null value) into
// the rows' words.
func setPlane(c *pageCols, k int, o *chunkOut[int64], maxDef int16) error {
	if len(o.def) != len(c.dense) {
		return fmt.Errorf("genotypes: calls plane has %d levels for %d rows", len(o.def), len(c.dense))
	}
	j := 0
	for i, d := range o.def {
		if d == int32(maxDef) {
			c.dense[i] = true
			c.dv[i*planeWords+k] = o.v[j]
			j++
		}
	}
	return nil
}

// listOffsets makes list l of rows rows from a list column's levels: a
// list of non-null elements (a null element is an error), itself
// nullable or not as its levels say.
func listOffsets(l *pageList, o *chunkOut[int32], maxDef int16, rows int) error {
	if len(o.rep) != len(o.def) {
		return fmt.Errorf("genotypes: calls list of %d repetition and %d definition levels", len(o.rep), len(o.def))
	}
	md := int32(maxDef)
	l.v, l.off = o.v, l.off[:0]
	if len(o.rep) > 0 && o.rep[0] != 0 {
		return fmt.Errorf("genotypes: calls list column starts inside a list")
	}
	var k int32 // values so far
	for i, d := range o.def {
		if o.rep[i] == 0 {
			l.off = append(l.off, k)
		}
		switch {
		case d == md:
			k++
		case d == md-1:
			return fmt.Errorf("genotypes: calls list holds a null element")
		}
	}
	if len(l.off) != rows || int(k) != len(o.v) {
		return fmt.Errorf("genotypes: calls list column: %d lists of %d values for %d rows of %d", len(l.off), k, rows, len(o.v))
	}
	l.off = append(l.off, k)
	return nil
}

// openCalls opens a calls file for the dense read.
func openCalls(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("genotypes: %w", err)
	}
	return f, nil
}
