package clinical

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/varamu/varamu/store"
)

var (
	tsType   = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	dateType = arrow.FixedWidthTypes.Date32
	str      = arrow.BinaryTypes.String
	f64      = arrow.PrimitiveTypes.Float64
	i64      = arrow.PrimitiveTypes.Int64
	i32      = arrow.PrimitiveTypes.Int32
	boolean  = arrow.FixedWidthTypes.Boolean
)

func f(name string, t arrow.DataType) arrow.Field {
	return arrow.Field{Name: name, Type: t, Nullable: true}
}

// provenance columns end every table: the ingest that wrote the row, its
// sequence (the store generation it committed as, increasing) and the
// row's position in that ingest (input order). Views pick the row with the
// highest (ingest_seq, row_seq) per key: last write wins.
var provenance = []arrow.Field{f("ingest", str), f("ingest_seq", i64), f("row_seq", i64)}

func schema(fields ...arrow.Field) *arrow.Schema {
	return arrow.NewSchema(append(fields, provenance...), nil)
}

// Schemas are the Arrow schemas of the clinical tables, by table name.
// Every table ends with the provenance columns ingest, ingest_seq, row_seq.
var Schemas = map[string]*arrow.Schema{
	"persons": schema(f("person_id", str), f("birth_date", dateType), f("sex", str), f("gender", str),
		f("deceased", boolean), f("deceased_at", tsType), f("resource_id", str),
		f("source_system", str), f("source_value", str), f("synthetic_id", boolean)),
	"related": schema(f("person_id", str), f("related_person_id", str), f("related_resource", str),
		f("relationship", str), f("relationship_system", str), f("relationship_display", str),
		f("period_start", tsType), f("period_end", tsType), f("source", str), f("resource_id", str)),
	"practitioners": schema(f("practitioner_id", str), f("licence_system", str), f("licence", str),
		f("family", str), f("given", str), f("gender", str), f("active", boolean), f("qualification", str),
		f("licence_start", tsType), f("licence_end", tsType), f("isikukood", str)),
	"practitioner_roles": schema(f("resource_id", str), f("practitioner_id", str), f("organization_id", str),
		f("role", str), f("specialty", str), f("active", boolean), f("period_start", tsType), f("period_end", tsType)),
	"organizations": schema(f("organization_id", str), f("identifier_system", str), f("identifier", str),
		f("name", str), f("type", str), f("part_of", str)),
	"encounters": schema(f("resource_id", str), f("person_id", str), f("status", str), f("class", str),
		f("type_system", str), f("type_code", str), f("type_display", str), f("start", tsType), f("end", tsType),
		f("practitioner_id", str), f("organization_id", str), f("reason_code", str), f("reason_display", str)),
	"conditions": schema(f("resource_id", str), f("person_id", str), f("encounter_id", str),
		f("code_system", str), f("code", str), f("display", str), f("snomed", str), f("icd10", str),
		f("clinical_status", str), f("verification_status", str), f("category", str),
		f("onset", tsType), f("abatement", tsType), f("recorded", tsType)),
	"observations": schema(f("resource_id", str), f("component", i32), f("person_id", str), f("encounter_id", str),
		f("status", str), f("category", str), f("code_system", str), f("code", str), f("display", str),
		f("value", f64), f("unit", str), f("comparator", str), f("value_system", str), f("value_code", str),
		f("value_text", str), f("effective", tsType), f("issued", tsType)),
	"medications": schema(f("resource_id", str), f("kind", str), f("person_id", str), f("encounter_id", str),
		f("status", str), f("intent", str), f("drug", str), f("drug_text", str), f("rxnorm", str), f("atc", str),
		f("code_system", str), f("code", str), f("authored", tsType), f("period_start", tsType), f("period_end", tsType),
		f("requester_id", str), f("dosage", str)),
	"allergies": schema(f("resource_id", str), f("person_id", str), f("clinical_status", str), f("verification_status", str),
		f("type", str), f("category", str), f("criticality", str), f("code_system", str), f("code", str), f("substance", str),
		f("reaction", str), f("severity", str), f("onset", tsType), f("recorded", tsType)),
	"documents": schema(f("resource_id", str), f("kind", str), f("person_id", str), f("encounter_id", str),
		f("status", str), f("type_system", str), f("type_code", str), f("type_display", str), f("category", str),
		f("date", tsType), f("author_id", str), f("custodian_id", str), f("title", str), f("description", str),
		f("confidentiality", str), f("content_type", str), f("url", str), f("size", i64)),
	"consents": schema(f("resource_id", str), f("person_id", str), f("status", str), f("scope", str), f("topic", str),
		f("date_time", tsType), f("provision", str), f("event_kind", str), f("document_id", str),
		f("agent_person_id", str), f("data_use", str), f("given", boolean), f("period_start", tsType), f("period_end", tsType),
		f("fhir", str), f("performer", str)),
	"appointments": schema(f("resource_id", str), f("person_id", str), f("status", str), f("start", tsType), f("end", tsType),
		f("practitioner_id", str), f("service", str), f("description", str)),
	"communications": schema(f("resource_id", str), f("person_id", str), f("status", str), f("sent", tsType),
		f("sender_person_id", str), f("recipient_id", str), f("about", str), f("text", str)),
	"id_map":          schema(f("source_system", str), f("source_value", str), f("person_id", str)),
	"biobank_samples": schema(f("sample_id", str), f("person_id", str), f("source", str)),
}

// TableNames lists the clinical tables in the order ingest writes them.
var TableNames = []string{"persons", "related", "practitioners", "practitioner_roles", "organizations",
	"encounters", "conditions", "observations", "medications", "allergies", "documents", "consents", "appointments", "communications",
	"id_map", "biobank_samples"}

// writerProps are the Parquet properties of every clinical file: the
// store's house settings, without dictionaries for mostly unique columns.
func writerProps() *parquet.WriterProperties {
	return store.ParquetProps("varamu clinical",
		// Mostly unique values: dictionary encoding only costs time.
		parquet.WithDictionaryFor("fhir", false),
		parquet.WithDictionaryFor("resource_id", false),
		parquet.WithDictionaryFor("person_id", false),
		parquet.WithDictionaryFor("source_value", false),
		parquet.WithDictionaryFor("sample_id", false),
		parquet.WithDictionaryFor("row_seq", false),
		parquet.WithDictionaryFor("value", false),
		parquet.WithDictionaryFor("effective", false),
		parquet.WithDictionaryFor("issued", false),
		parquet.WithDictionaryFor("date_time", false),
	)
}

// maxBatchBytes bounds the bytes of one batch (strings and fixed-width
// values), so that memory stays bounded whatever the row width: tables
// with wide rows (the raw FHIR JSON of consents) write smaller row groups.
const maxBatchBytes = 4 << 20

// tableWriter appends rows to one table of one ingest: Arrow builders of
// batchRows rows (or maxBatchBytes of strings), each batch written by the
// sink as a Parquet row group to a file created (on the first batch) in
// the store transaction.
type tableWriter struct {
	name      string
	schema    *arrow.Schema
	rb        *array.RecordBuilder
	builders  []array.Builder
	col       int
	batch     int
	batchRows int
	bytes     int // approximate bytes in the current batch
	rows      int64
	txn       *store.Txn
	dir       string
	tw        *store.TableWriter
	ingest    string
	seq       int64
	sink      *sink
}

func newTableWriter(mem memory.Allocator, txn *store.Txn, k *sink, dir, name string, batchRows int, ingest string, seq int64) *tableWriter {
	sc := Schemas[name]
	rb := array.NewRecordBuilder(mem, sc)
	return &tableWriter{name: name, schema: sc, rb: rb, builders: rb.Fields(), batchRows: batchRows, txn: txn, sink: k, dir: dir, ingest: ingest, seq: seq}
}

func (t *tableWriter) s(v string) {
	b := t.builders[t.col].(*array.StringBuilder)
	if v == "" {
		b.AppendNull()
	} else {
		b.Append(v)
		t.bytes += len(v)
	}
	t.col++
}

func (t *tableWriter) ts(v time.Time) {
	b := t.builders[t.col].(*array.TimestampBuilder)
	if v.IsZero() {
		b.AppendNull()
	} else {
		b.Append(arrow.Timestamp(v.UnixMicro()))
	}
	t.bytes += 8
	t.col++
}

func (t *tableWriter) date(v time.Time) {
	b := t.builders[t.col].(*array.Date32Builder)
	if v.IsZero() {
		b.AppendNull()
	} else {
		b.Append(arrow.Date32FromTime(v))
	}
	t.bytes += 4
	t.col++
}

func (t *tableWriter) f64(v *float64) {
	b := t.builders[t.col].(*array.Float64Builder)
	if v == nil {
		b.AppendNull()
	} else {
		b.Append(*v)
	}
	t.bytes += 8
	t.col++
}

func (t *tableWriter) i64(v int64, valid bool) {
	b := t.builders[t.col].(*array.Int64Builder)
	if !valid {
		b.AppendNull()
	} else {
		b.Append(v)
	}
	t.bytes += 8
	t.col++
}

func (t *tableWriter) i32(v int32) {
	t.builders[t.col].(*array.Int32Builder).Append(v)
	t.col++
}

func (t *tableWriter) b(v *bool) {
	b := t.builders[t.col].(*array.BooleanBuilder)
	if v == nil {
		b.AppendNull()
	} else {
		b.Append(*v)
	}
	t.col++
}

// end finishes a row: it appends the provenance columns, checks that every
// column got one value, and writes the batch when it is full.
func (t *tableWriter) end(rowSeq int64) error {
	t.s(t.ingest)
	t.i64(t.seq, true)
	t.i64(rowSeq, true)
	if t.col != len(t.builders) {
		return fmt.Errorf("clinical: internal error: table %s row has %d values for %d columns", t.name, t.col, len(t.builders))
	}
	t.col = 0
	t.batch++
	t.rows++
	if t.batch >= t.batchRows || t.bytes >= maxBatchBytes {
		return t.flush()
	}
	return nil
}

// flush hands the builders' rows, as one record batch, to the sink, which
// writes it as one Parquet row group.
func (t *tableWriter) flush() error {
	if err := t.sink.error(); err != nil {
		return err
	}
	if t.batch == 0 {
		return nil
	}
	rec := t.rb.NewRecordBatch()
	t.batch, t.bytes = 0, 0
	t.sink.ch <- sinkReq{t: t, rec: rec}
	return nil
}

// write runs on the sink goroutine: it creates the table's file on the
// first batch and writes rec as a row group.
func (t *tableWriter) write(rec arrow.RecordBatch) error {
	if t.tw == nil {
		tw, err := t.txn.CreateTable(t.name, t.dir+"/"+t.name+".parquet", t.schema, writerProps())
		if err != nil {
			return fmt.Errorf("clinical: %s: %w", t.name, err)
		}
		t.tw = tw
	}
	if err := t.tw.Write(rec); err != nil {
		return fmt.Errorf("clinical: %w", err)
	}
	return nil
}

// finish closes the table's file (after the sink has stopped) and adds it
// to the transaction; a table without rows adds no file.
func (t *tableWriter) finish(part string) error {
	if t.tw == nil {
		return nil
	}
	err := t.tw.Close(part)
	t.tw = nil
	if err != nil {
		return fmt.Errorf("clinical: %w", err)
	}
	return nil
}

// abort closes the file, if any; the transaction's rollback removes it.
func (t *tableWriter) abort() {
	if t.tw != nil {
		t.tw.Abort()
	}
	t.tw = nil
}

// sink encodes and writes record batches on its own goroutine, so that
// Parquet encoding and compression overlap with decoding and row building.
// Batches of one table are written in the order they were flushed.
type sink struct {
	ch   chan sinkReq
	done chan struct{}
	mu   sync.Mutex
	err  error
}

type sinkReq struct {
	t   *tableWriter
	rec arrow.RecordBatch
}

func newSink() *sink {
	k := &sink{ch: make(chan sinkReq, 2), done: make(chan struct{})}
	go func() {
		defer close(k.done)
		for req := range k.ch {
			if k.error() == nil {
				if err := req.t.write(req.rec); err != nil {
					k.mu.Lock()
					k.err = err
					k.mu.Unlock()
				}
			}
			req.rec.Release()
		}
	}()
	return k
}

func (k *sink) error() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.err
}

// cancel makes the sink drop the batches still queued.
func (k *sink) cancel() {
	k.mu.Lock()
	if k.err == nil {
		k.err = errors.New("clinical: ingest aborted")
	}
	k.mu.Unlock()
}

// stop waits for every queued batch to be written and returns the first
// write error. It may be called more than once.
func (k *sink) stop() error {
	select {
	case <-k.done:
	default:
		close(k.ch)
		<-k.done
	}
	return k.error()
}
