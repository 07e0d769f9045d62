package research

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/query"
)

// ErrNoTable is wrapped by the error of an extract of a table the
// consented extract does not hold; the error lists those it holds.
var ErrNoTable = errors.New("research: no such table in the research extract")

// extractBatch is how many rows go into one Arrow record batch.
const extractBatch = 8192

// Extract writes one table of the project's pseudonymised, consented
// row-level extract (query.OpenAs for the project's research use: the
// content of a researcher's SQL session) to w as Parquet (zstd). The
// project gate and every person are decided and logged first, as for Ask.
// A table the extract does not hold returns an error wrapping ErrNoTable
// and writes nothing. Columns keep their SQL types where Parquet has one
// (text, integers, floating point, boolean, date, timestamp); lists and
// structures are written as their text.
func (s *Service) Extract(ctx context.Context, researcher, project, table string, w io.Writer) (rows int64, err error) {
	now := s.now()
	p, err := s.gate(ctx, researcher, project, now)
	if err != nil {
		return 0, err
	}
	e, err := query.OpenAs(ctx, s.dir, query.Config{Actor: researcher, Use: p.Use(), Clock: s.now})
	if err != nil {
		return 0, err
	}
	defer e.Close()
	return extract(ctx, e, table, w)
}

// extract writes table of e to w as Parquet.
func extract(ctx context.Context, e *query.Engine, table string, w io.Writer) (int64, error) {
	have, err := tables(ctx, e)
	if err != nil {
		return 0, err
	}
	if !have[table] {
		names := make([]string, 0, len(have))
		for n := range have {
			names = append(names, n)
		}
		slices.Sort(names)
		return 0, fmt.Errorf("%w: %q (tables: %s)", ErrNoTable, table, strings.Join(names, ", "))
	}
	r, err := e.DB().QueryContext(ctx, `SELECT * FROM "`+table+`"`)
	if err != nil {
		return 0, fmt.Errorf("research: extract %s: %w", table, err)
	}
	defer r.Close()
	return writeParquet(r, w)
}

// writeParquet writes every row of r to w as one Parquet file.
func writeParquet(r *sql.Rows, w io.Writer) (int64, error) {
	types, err := r.ColumnTypes()
	if err != nil {
		return 0, err
	}
	fields := make([]arrow.Field, len(types))
	for i, ct := range types {
		fields[i] = arrow.Field{Name: ct.Name(), Type: arrowType(ct.DatabaseTypeName()), Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithCreatedBy("varamu research extract"))
	pw, err := pqarrow.NewFileWriter(schema, w, props, pqarrow.DefaultWriterProps())
	if err != nil {
		return 0, fmt.Errorf("research: %w", err)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	vals := make([]any, len(types))
	ptrs := make([]any, len(types))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		return pw.Write(rec)
	}
	for r.Next() {
		if err := r.Scan(ptrs...); err != nil {
			pw.Close()
			return n, err
		}
		for i, v := range vals {
			appendValue(b.Field(i), v)
		}
		n++
		if n%extractBatch == 0 {
			if err := flush(); err != nil {
				pw.Close()
				return n, fmt.Errorf("research: %w", err)
			}
		}
	}
	if err := r.Err(); err != nil {
		pw.Close()
		return n, err
	}
	if n%extractBatch != 0 || n == 0 {
		if err := flush(); err != nil {
			pw.Close()
			return n, fmt.Errorf("research: %w", err)
		}
	}
	if err := pw.Close(); err != nil {
		return n, fmt.Errorf("research: %w", err)
	}
	return n, nil
}

var timestampUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// arrowType is the Parquet (Arrow) type a DuckDB column type is written
// as; types without a scalar counterpart are written as text.
func arrowType(db string) arrow.DataType {
	switch {
	case db == "BOOLEAN":
		return arrow.FixedWidthTypes.Boolean
	case slices.Contains([]string{"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}, db):
		return arrow.PrimitiveTypes.Int64
	case db == "FLOAT" || db == "DOUBLE":
		return arrow.PrimitiveTypes.Float64
	case db == "DATE":
		return arrow.FixedWidthTypes.Date32
	case strings.HasPrefix(db, "TIMESTAMP"):
		return timestampUTC
	}
	return arrow.BinaryTypes.String
}

// appendValue appends v (as database/sql scanned it from DuckDB) to b,
// whose type arrowType chose.
func appendValue(b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch fb := b.(type) {
	case *array.BooleanBuilder:
		x, _ := v.(bool)
		fb.Append(x)
	case *array.Int64Builder:
		fb.Append(toInt64(v))
	case *array.Float64Builder:
		switch x := v.(type) {
		case float64:
			fb.Append(x)
		case float32:
			fb.Append(float64(x))
		default:
			fb.AppendNull()
		}
	case *array.Date32Builder:
		t, _ := v.(time.Time)
		fb.Append(arrow.Date32FromTime(t))
	case *array.TimestampBuilder:
		t, _ := v.(time.Time)
		fb.Append(arrow.Timestamp(t.UnixMicro()))
	case *array.StringBuilder:
		fb.Append(query.Text(v))
	}
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	case uint8:
		return int64(x)
	case uint16:
		return int64(x)
	case uint32:
		return int64(x)
	}
	return 0
}
