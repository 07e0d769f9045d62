package clinical

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
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
// fn with each record batch, holding the named columns in the order asked
// for (the store's one table reader, store/rows).
func readTable(ctx context.Context, dir string, m *store.Manifest, table string, columns []string, fn func(rec arrow.RecordBatch) error) error {
	sc := Schemas[table]
	for _, c := range columns {
		if len(sc.FieldIndices(c)) != 1 {
			return fmt.Errorf("clinical: table %s has no column %q", table, c)
		}
	}
	for _, file := range m.Tables[table] {
		if err := rows.ScanFileBatches(ctx, dir+"/"+file.Path, columns, fn); err != nil {
			return fmt.Errorf("clinical: reading %s: %w", file.Path, err)
		}
	}
	return nil
}
