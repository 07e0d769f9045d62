// Package rows reads the rows of a store table — the union of its Parquet
// files — a batch at a time, with typed accessors for the columns asked
// for. It is the small, shared reader for packages that need a few columns
// of a table without SQL (access decisions, alerts, annotation runs), so
// that DuckDB stays in package query.
package rows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/store"
)

// Row is the current row of a scan. Column c is the c-th name given to
// Scan. A Row is valid only inside the callback; values it returns may be
// kept. A string (Str, Strs) is not copied: it shares the memory of its
// column chunk, so keeping one keeps the whole chunk alive; a caller that
// keeps strings from many rows (a long-lived index) should keep
// strings.Clone copies. A null reads as the zero value.
type Row struct {
	cols []arrow.Array
	i    int
}

// IsNull reports whether column c is null.
func (r *Row) IsNull(c int) bool { return r.cols[c].IsNull(r.i) }

// Str reads a string column.
func (r *Row) Str(c int) string {
	if r.IsNull(c) {
		return ""
	}
	return r.cols[c].(*array.String).Value(r.i)
}

// I64 reads an int64 column.
func (r *Row) I64(c int) int64 {
	if r.IsNull(c) {
		return 0
	}
	return r.cols[c].(*array.Int64).Value(r.i)
}

// I32 reads an int32 column.
func (r *Row) I32(c int) int32 {
	if r.IsNull(c) {
		return 0
	}
	return r.cols[c].(*array.Int32).Value(r.i)
}

// F64 reads a float64 column.
func (r *Row) F64(c int) float64 {
	if r.IsNull(c) {
		return 0
	}
	return r.cols[c].(*array.Float64).Value(r.i)
}

// F64p reads a float64 column, nil when null.
func (r *Row) F64p(c int) *float64 {
	if r.IsNull(c) {
		return nil
	}
	v := r.cols[c].(*array.Float64).Value(r.i)
	return &v
}

// Bool reads a boolean column.
func (r *Row) Bool(c int) bool {
	if r.IsNull(c) {
		return false
	}
	return r.cols[c].(*array.Boolean).Value(r.i)
}

// Strs reads a list<string> column; a null list is empty, never nil.
func (r *Row) Strs(c int) []string {
	out := []string{}
	if r.IsNull(c) {
		return out
	}
	l := r.cols[c].(*array.List)
	vals := l.ListValues().(*array.String)
	beg, end := l.ValueOffsets(r.i)
	for j := beg; j < end; j++ {
		out = append(out, vals.Value(int(j)))
	}
	return out
}

// Time reads a timestamp column, in UTC.
func (r *Row) Time(c int) time.Time {
	if r.IsNull(c) {
		return time.Time{}
	}
	a := r.cols[c].(*array.Timestamp)
	return a.Value(r.i).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC()
}

// Scan calls fn for every row of every file of a store table, reading only
// the named columns. A table without files has no rows. It stops at the
// first error fn returns.
func Scan(ctx context.Context, st *store.Store, table string, columns []string, fn func(*Row) error) error {
	for _, path := range st.Files(table) {
		if err := ScanFile(ctx, path, columns, fn); err != nil {
			return fmt.Errorf("table %s: %s: %w", table, path, err)
		}
	}
	return nil
}

// ErrNoColumn is wrapped when a file lacks a column asked for (a file
// written before the column existed).
var ErrNoColumn = errors.New("rows: no column")

// ScanFile is Scan over one Parquet file.
func ScanFile(ctx context.Context, path string, columns []string, fn func(*Row) error) error {
	r := &Row{}
	return ScanFileBatches(ctx, path, columns, func(rec arrow.RecordBatch) error {
		r.cols = rec.Columns()
		for r.i = 0; r.i < int(rec.NumRows()); r.i++ {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// ScanFileBatches calls fn with every record batch of one Parquet file,
// holding the named columns in the order given (a column named twice is
// there twice). A batch is valid only inside the callback. A file that
// lacks a column gives an error wrapping ErrNoColumn.
func ScanFileBatches(ctx context.Context, path string, columns []string, fn func(arrow.RecordBatch) error) error {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	sc, err := fr.Schema()
	if err != nil {
		return err
	}
	idx := make([]int, 0, len(columns))
	for _, c := range columns {
		is := sc.FieldIndices(c)
		if len(is) != 1 {
			return fmt.Errorf("%w %q", ErrNoColumn, c)
		}
		if !slices.Contains(idx, is[0]) {
			idx = append(idx, is[0])
		}
	}
	rr, err := fr.GetRecordReader(ctx, idx, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := project(rr.RecordBatch(), columns, fn); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// project hands fn the columns of rec in the order asked for, whatever
// order the reader returned them in.
func project(rec arrow.RecordBatch, columns []string, fn func(arrow.RecordBatch) error) error {
	cols := make([]arrow.Array, len(columns))
	fields := make([]arrow.Field, len(columns))
	for i, c := range columns {
		j := rec.Schema().FieldIndices(c)
		if len(j) != 1 {
			return fmt.Errorf("%w %q", ErrNoColumn, c)
		}
		cols[i], fields[i] = rec.Column(j[0]), rec.Schema().Field(j[0])
	}
	sub := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
	defer sub.Release()
	return fn(sub)
}
