package genotypes

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// TestStrColEqualsArrow checks the copied string columns of a variants row
// group against the Arrow chunks they come from: every value and null,
// over random chunkings with and without nulls.
func TestStrColEqualsArrow(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 50 {
		var chunks []arrow.Array
		var want []string
		var wantNull []bool
		for range rng.IntN(4) + 1 {
			b := array.NewStringBuilder(mem)
			for range rng.IntN(20) {
				if trial%2 == 1 && rng.IntN(4) == 0 {
					b.AppendNull()
					want, wantNull = append(want, ""), append(wantNull, true)
					continue
				}
				s := strings.Repeat(string(rune('A'+rng.IntN(4))), rng.IntN(5))
				b.Append(s)
				want, wantNull = append(want, s), append(wantNull, false)
			}
			chunks = append(chunks, b.NewArray())
			b.Release()
		}
		c := newStrCol(chunks)
		for _, a := range chunks {
			a.Release()
		}
		for i := range want {
			got, null := c.at(i)
			if got != want[i] || null != wantNull[i] {
				t.Fatalf("trial %d row %d: got %q null %v, want %q null %v", trial, i, got, null, want[i], wantNull[i])
			}
			if text := c.text(i); wantNull[i] && text != "." || !wantNull[i] && text != want[i] {
				t.Fatalf("trial %d row %d: text %q", trial, i, text)
			}
		}
	}
}

// TestFootersParseOnce checks that a file's footer is parsed on its first
// open only, and that a missing file is an error naming it.
func TestFootersParseOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "v.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int32}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 2, 3}, nil)
	rec := b.NewRecordBatch()
	defer rec.Release()
	b.Release()
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
	var fs footers
	first, err := fs.open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := fs.open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if first.MetaData() != second.MetaData() || second.NumRows() != 3 {
		t.Errorf("second open: footer %p (first %p), %d rows", second.MetaData(), first.MetaData(), second.NumRows())
	}
	missing := filepath.Join(dir, "none.parquet")
	if _, err := fs.open(missing); err == nil || !strings.Contains(err.Error(), missing) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}
