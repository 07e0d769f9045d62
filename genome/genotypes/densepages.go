package genotypes

import (
	"fmt"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// The dense read decodes the row groups of calls.parquet it needs
// straight from their pages into Go slices (pageCols), without building
// Arrow arrays: the levels of each list column give the rows' offsets into
// its values. The rows mean what callsCols gives the per-sample read; the
// dense tests hold the two reads equal.

// pageList is one list column of a row group: row i's values are
// v[off[i]:off[i+1]]; null[i] marks a null list (nil when none is).
type pageList[T int32 | int64] struct {
	off  []int32
	null []bool
	v    []T
}

func (l *pageList[T]) at(i int) []T { return l.v[l.off[i]:l.off[i+1]] }

// pageCols are the columns of one row group of calls.parquet (layout
// 7: the plane in planeWords nullable columns, a row dense when its words
// are not null; the samples lists gap-decoded).
type pageCols struct {
	site, from         []int32
	levels, smp, codes pageList[int32]
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

// leafReader reads a leaf column's values and levels (file's typed
// column chunk readers).
type leafReader[T int32 | int64] interface {
	ReadBatch(batchSize int64, values []T, defLvls, repLvls []int16) (int64, int, error)
	Descriptor() *schema.Column
}

// levelScratch is the definition and repetition levels of a column
// chunk, reused from one chunk to the next.
type levelScratch struct{ def, rep []int16 }

// readPageCols decodes row group rg of a calls file.
func readPageCols(rg *file.RowGroupReader, lv *levelScratch) (pageCols, error) {
	var c pageCols
	if n := rg.NumColumns(); n != callsPlane0+planeWords {
		return c, fmt.Errorf("genotypes: calls row group of %d columns, want %d", n, callsPlane0+planeWords)
	}
	rows := int(rg.NumRows())
	var err error
	if c.site, err = readFlat(rg, callsSite, rows); err != nil {
		return c, err
	}
	if c.from, err = readFlat(rg, callsFrom, rows); err != nil {
		return c, err
	}
	for i, l := range []*pageList[int32]{&c.levels, &c.smp, &c.codes} {
		if *l, err = readList[int32](rg, callsLevels+i, rows, lv); err != nil {
			return c, err
		}
	}
	ungapRows(c.smp.v, c.smp.off)
	c.dense, c.dv = make([]bool, rows), make([]int64, rows*planeWords)
	for k := range planeWords {
		if err := readPlane(rg, k, &c, lv); err != nil {
			return c, err
		}
	}
	return c, nil
}

// readPlane reads plane column k into the rows' words; a non-null word
// marks its row dense.
func readPlane(rg *file.RowGroupReader, k int, c *pageCols, lv *levelScratch) error {
	col := callsPlane0 + k
	cr, err := rg.Column(col)
	if err != nil {
		return err
	}
	r, ok := cr.(*file.Int64ColumnChunkReader)
	if !ok {
		return fmt.Errorf("genotypes: calls column %d is %s, not int64", col, cr.Type())
	}
	rows := len(c.dense)
	if cap(lv.def) < rows {
		lv.def, lv.rep = make([]int16, rows), make([]int16, rows)
	}
	def := lv.def[:rows]
	vals := make([]int64, rows)
	n, nv, err := r.ReadBatch(int64(rows), vals, def, nil)
	if err != nil {
		return err
	}
	if int(n) != rows {
		return fmt.Errorf("genotypes: calls column %d has %d levels for %d rows", col, n, rows)
	}
	maxDef := r.Descriptor().MaxDefinitionLevel()
	j := 0
	for i, d := range def {
		if d == maxDef {
			c.dense[i] = true
			c.dv[i*planeWords+k] = vals[j]
			j++
		}
	}
	if j != nv {
		return fmt.Errorf("genotypes: calls column %d: %d values for %d non-null levels", col, nv, j)
	}
	return nil
}

// readFlat reads a required int32 column of rows values.
func readFlat(rg *file.RowGroupReader, col, rows int) ([]int32, error) {
	cr, err := rg.Column(col)
	if err != nil {
		return nil, err
	}
	r, ok := cr.(*file.Int32ColumnChunkReader)
	if !ok {
		return nil, fmt.Errorf("genotypes: calls column %d is %s, not int32", col, cr.Type())
	}
	v := make([]int32, rows)
	n, _, err := r.ReadBatch(int64(rows), v, nil, nil)
	if err != nil {
		return nil, err
	}
	if int(n) != rows {
		return nil, fmt.Errorf("genotypes: calls column %d has %d values for %d rows", col, n, rows)
	}
	return v, nil
}

// readList reads a list column of rows rows: a list of non-null
// elements, itself nullable or not as its levels say.
func readList[T int32 | int64](rg *file.RowGroupReader, col, rows int, lv *levelScratch) (pageList[T], error) {
	var l pageList[T]
	cr, err := rg.Column(col)
	if err != nil {
		return l, err
	}
	r, ok := cr.(leafReader[T])
	if !ok {
		return l, fmt.Errorf("genotypes: calls column %d is %s", col, cr.Type())
	}
	md, err := rg.MetaData().ColumnChunk(col)
	if err != nil {
		return l, err
	}
	n := md.NumValues() // levels: one per element, empty or null list
	if int64(cap(lv.def)) < n {
		lv.def, lv.rep = make([]int16, n), make([]int16, n)
	}
	def, rep := lv.def[:n], lv.rep[:n]
	vals := make([]T, n)
	got, nv, err := r.ReadBatch(n, vals, def, rep)
	if err != nil {
		return l, err
	}
	if got != n {
		return l, fmt.Errorf("genotypes: calls column %d: %d of %d levels read", col, got, n)
	}
	maxDef := r.Descriptor().MaxDefinitionLevel()
	l.v, l.off = vals[:nv], make([]int32, 0, rows+1)
	var k int32 // values so far
	for i, d := range def {
		if rep[i] == 0 {
			if d < maxDef-2 {
				if l.null == nil {
					l.null = make([]bool, rows)
				}
				if len(l.off) < rows {
					l.null[len(l.off)] = true
				}
			}
			l.off = append(l.off, k)
		}
		switch {
		case d == maxDef:
			k++
		case d == maxDef-1:
			return l, fmt.Errorf("genotypes: calls column %d holds a null element", col)
		}
	}
	if len(l.off) != rows || int(k) != nv {
		return l, fmt.Errorf("genotypes: calls column %d: %d lists of %d values for %d rows of %d", col, len(l.off), k, rows, nv)
	}
	l.off = append(l.off, k)
	return l, nil
}
