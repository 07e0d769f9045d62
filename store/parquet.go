package store

import (
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// ParquetProps are the house Parquet writer settings of every table a
// varamu store holds: zstd at level 3, column statistics, dictionary
// encoding by default, and created_by naming the writer ("varamu
// clinical"). Extra properties (dictionary off for mostly unique columns,
// row group sizes) apply after them and may override them.
func ParquetProps(createdBy string, extra ...parquet.WriterProperty) *parquet.WriterProperties {
	opts := append([]parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(3),
		parquet.WithCreatedBy(createdBy),
		parquet.WithStats(true),
		parquet.WithDictionaryDefault(true),
	}, extra...)
	return parquet.NewWriterProperties(opts...)
}

// TableWriter writes one Parquet file of a table inside a transaction;
// Close adds it to the transaction with the number of rows written. It
// keeps its first error: after one, every call returns it.
type TableWriter struct {
	tx     *Txn
	table  string
	path   string
	file   *os.File
	fw     *pqarrow.FileWriter
	rows   int64
	err    error
	closed bool
}

// CreateTable starts a Parquet file of table at rel (relative to the
// transaction's data directory) with the given schema and properties
// (ParquetProps). The file becomes part of the transaction at Close; on
// Abort, or when the transaction rolls back, it is removed.
func (t *Txn) CreateTable(table, rel string, schema *arrow.Schema, props *parquet.WriterProperties) (*TableWriter, error) {
	f, path, err := t.Create(rel)
	if err != nil {
		return nil, err
	}
	fw, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("store: %s: %w", table, err)
	}
	return &TableWriter{tx: t, table: table, path: path, file: f, fw: fw}, nil
}

// Write writes rec as one or more row groups.
func (w *TableWriter) Write(rec arrow.RecordBatch) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return fmt.Errorf("store: %s: write after close", w.table)
	}
	if err := w.fw.Write(rec); err != nil {
		w.err = fmt.Errorf("store: writing %s: %w", w.table, err)
		return w.err
	}
	w.rows += rec.NumRows()
	return nil
}

// Close finishes the file and adds it to the transaction as part of the
// table, in the given part (the manifest's part label; may be empty).
func (w *TableWriter) Close(part string) error {
	if w.closed {
		return w.err
	}
	w.closed = true
	err := w.fw.Close() // closes the file too
	if w.err != nil {
		return w.err
	}
	if err != nil {
		w.err = fmt.Errorf("store: closing %s: %w", w.table, err)
		return w.err
	}
	w.tx.Add(w.table, w.path, part, w.rows)
	return nil
}

// Abort closes the file without adding it; the transaction's rollback
// removes it.
func (w *TableWriter) Abort() {
	if !w.closed {
		w.closed = true
		w.fw.Close()
	}
}

// WriteTable writes rec as one whole Parquet file of table at rel, with
// ParquetProps(createdBy), and adds it to the transaction in part.
func (t *Txn) WriteTable(table, rel, part string, rec arrow.RecordBatch, createdBy string) error {
	w, err := t.CreateTable(table, rel, rec.Schema(), ParquetProps(createdBy))
	if err != nil {
		return err
	}
	if err := w.Write(rec); err != nil {
		w.Abort()
		return err
	}
	return w.Close(part)
}
