package clinical

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/store"
)

// SectionKey is the manifest section holding the clinical metadata.
const SectionKey = "clinical"

// Section is the clinical metadata kept in the store manifest.
type Section struct {
	// Format is the clinical table format version.
	Format int `json:"format"`
	// MapperKey is the key of the keyed hash that derives synthetic
	// isikukood serials (isikukood.Mapper); made at the first ingest.
	MapperKey []byte `json:"mapper_key"`
	// Ingests lists every committed clinical ingest, oldest first.
	Ingests []IngestRecord `json:"ingests"`
}

// IngestRecord describes one committed ingest.
type IngestRecord struct {
	ID   string    `json:"id"`
	Seq  int64     `json:"seq"`
	Time time.Time `json:"time"`
	// Inputs names the input files (base names; the first MaxRecordedInputs).
	Inputs     []string         `json:"inputs"`
	InputCount int              `json:"input_count"`
	Resources  map[string]int64 `json:"resources"`
	Skipped    map[string]int64 `json:"skipped,omitempty"`
	Rows       map[string]int64 `json:"rows"`
	// Relinks are the biobank samples this ingest moved to another person.
	Relinks []Relink `json:"relinks,omitempty"`
}

// MaxRecordedInputs bounds the input names kept per ingest in the
// manifest, which every commit rewrites.
const MaxRecordedInputs = 100

// FormatVersion is the clinical table format this package writes.
const FormatVersion = 2

func loadSection(m *store.Manifest) (*Section, error) {
	var sec Section
	ok, err := m.Section(SectionKey, &sec)
	if err != nil {
		return nil, err
	}
	if !ok {
		sec.Format = FormatVersion
	}
	if sec.Format != FormatVersion {
		return nil, fmt.Errorf("clinical: store has clinical format %d, this varamu reads %d (format 2 added licence periods and consent performers): ingest the FHIR inputs into a new store", sec.Format, FormatVersion)
	}
	if len(sec.MapperKey) == 0 {
		sec.MapperKey = make([]byte, 32)
		if _, err := rand.Read(sec.MapperKey); err != nil {
			return nil, err
		}
	}
	return &sec, nil
}

// readTable reads every file of a table in m (in manifest order) and calls
// fn with each record batch. Only the named columns are read.
func readTable(ctx context.Context, dir string, m *store.Manifest, table string, columns []string, fn func(rec arrow.RecordBatch) error) error {
	sc := Schemas[table]
	var idx []int
	for _, c := range columns {
		is := sc.FieldIndices(c)
		if len(is) != 1 {
			return fmt.Errorf("clinical: table %s has no column %q", table, c)
		}
		idx = append(idx, is[0])
	}
	// Hand fn the columns in the order asked for, whatever order the
	// reader returns them in.
	project := func(rec arrow.RecordBatch) error {
		cols := make([]arrow.Array, len(columns))
		fields := make([]arrow.Field, len(columns))
		for i, c := range columns {
			j := rec.Schema().FieldIndices(c)
			if len(j) != 1 {
				return fmt.Errorf("clinical: table %s file lacks column %q", table, c)
			}
			cols[i], fields[i] = rec.Column(j[0]), rec.Schema().Field(j[0])
		}
		sub := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
		defer sub.Release()
		return fn(sub)
	}
	for _, file := range m.Tables[table] {
		if err := readFile(ctx, dir+"/"+file.Path, idx, project); err != nil {
			return fmt.Errorf("clinical: reading %s: %w", file.Path, err)
		}
	}
	return nil
}

func readFile(ctx context.Context, path string, idx []int, fn func(rec arrow.RecordBatch) error) error {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	rr, err := fr.GetRecordReader(ctx, idx, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	for rr.Next() {
		if err := fn(rr.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil && err != io.EOF {
		return err
	}
	return nil
}
