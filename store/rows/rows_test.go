package rows

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestScanFileNoColumn: a column the file lacks (one written before the
// column existed) is ErrNoColumn, so that readers can say what to do; the
// columns it has are read.
func TestScanFileNoColumn(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "sample", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"S1", "S2"}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "t.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = ScanFile(ctx, path, []string{"sample", "untested"}, func(*Row) error { return nil })
	if !errors.Is(err, ErrNoColumn) || err.Error() != `rows: no column "untested"` {
		t.Errorf("missing column: %v", err)
	}
	var got []string
	if err := ScanFile(ctx, path, []string{"sample"}, func(r *Row) error { got = append(got, r.Str(0)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != "S1" || got[1] != "S2" {
		t.Errorf("read %v", got)
	}
}

// TestScanFileBatchesOrder: the columns come in the order asked for,
// whatever their order in the file, and a column may be asked twice.
func TestScanFileBatchesOrder(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.BinaryTypes.String}, {Name: "b", Type: arrow.PrimitiveTypes.Int64}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"x", "y"}, nil)
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{1, 2}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "t.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := pqarrow.NewFileWriter(schema, f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var got []string
	err = ScanFile(context.Background(), path, []string{"b", "a", "b"}, func(r *Row) error {
		got = append(got, fmt.Sprintf("%d %s %d", r.I64(0), r.Str(1), r.I64(2)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1 x 1", "2 y 2"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
