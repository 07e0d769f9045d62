package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
)

func testRecord(t *testing.T, values ...string) arrow.RecordBatch {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{{Name: "sample", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues(values, nil)
	return b.NewRecordBatch()
}

// TestWriteTable: a table written through the transaction has the house
// settings (zstd, statistics, created_by) and its rows in the manifest
// once committed.
func TestWriteTable(t *testing.T) {
	s, err := Open(t.TempDir(), Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rec := testRecord(t, "S1", "S2", "S3")
	defer rec.Release()
	if err := tx.WriteTable("things", "t/things.parquet", "p1", rec, "varamu test"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit("things", nil); err != nil {
		t.Fatal(err)
	}
	files := s.Manifest().Tables["things"]
	if len(files) != 1 || files[0].Rows != 3 || files[0].Part != "p1" || !strings.HasSuffix(files[0].Path, "/t/things.parquet") {
		t.Fatalf("manifest: %+v", files)
	}
	pf, err := file.OpenParquetFile(filepath.Join(s.Dir(), files[0].Path), false)
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	md := pf.MetaData()
	if md.GetCreatedBy() != "varamu test" || md.NumRows != 3 {
		t.Errorf("created_by %q, rows %d", md.GetCreatedBy(), md.NumRows)
	}
	col, err := md.RowGroup(0).ColumnChunk(0)
	if err != nil {
		t.Fatal(err)
	}
	if col.Compression() != compress.Codecs.Zstd {
		t.Errorf("compression %v, want zstd", col.Compression())
	}
	if ok, err := col.StatsSet(); !ok || err != nil {
		t.Errorf("no statistics: %v", err)
	}
}

// TestTableWriterKeepsFirstError: after a failed write every call returns
// the same error and Close adds no file; an aborted file is not added.
func TestTableWriterKeepsFirstError(t *testing.T) {
	s, err := Open(t.TempDir(), Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	good := testRecord(t, "S1")
	defer good.Release()
	w, err := tx.CreateTable("things", "a.parquet", good.Schema(), ParquetProps("varamu test"))
	if err != nil {
		t.Fatal(err)
	}
	other := arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
	bad := array.NewRecordBuilder(memory.DefaultAllocator, other)
	defer bad.Release()
	bad.Field(0).(*array.Int64Builder).Append(1)
	badRec := bad.NewRecordBatch()
	defer badRec.Release()
	first := w.Write(badRec)
	if first == nil {
		t.Fatal("writing a record of another schema succeeded")
	}
	if err := w.Write(good); !errors.Is(err, first) && err != first {
		t.Errorf("second write: %v, want the first error %v", err, first)
	}
	if err := w.Close("p"); err != first {
		t.Errorf("close: %v, want the first error", err)
	}
	a, err := tx.CreateTable("things", "b.parquet", good.Schema(), ParquetProps("varamu test", parquet.WithDictionaryDefault(false)))
	if err != nil {
		t.Fatal(err)
	}
	a.Abort()
	if n := len(tx.added["things"]); n != 0 {
		t.Errorf("%d files added after a failed write and an abort, want 0", n)
	}
	if _, err := tx.CreateTable("things", "../escape.parquet", good.Schema(), ParquetProps("x")); err == nil {
		t.Error("a table file outside the transaction was created")
	}
}
