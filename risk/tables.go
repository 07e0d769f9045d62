package risk

import (
	"context"
	"fmt"
	"math"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk/pgs"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// Table names written by Write. The tables hold the current version of
// each score; the rows of versions replaced by a newer run move to the
// *_previous tables.
const (
	TableScores          = "risk_scores"
	TableMatches         = "risk_matches"
	TableScoresPrevious  = "risk_scores_previous"
	TableMatchesPrevious = "risk_matches_previous"
)

// SectionKey is the manifest section of scoring runs.
const SectionKey = "risk"

// Section records the current version of every score in a store.
type Section struct {
	Scores map[string]ScoreRecord `json:"scores"`
}

// ScoreRecord describes the stored run of one score.
type ScoreRecord struct {
	Version  string      `json:"version"`
	SHA256   string      `json:"sha256"`
	File     string      `json:"file"`
	Build    string      `json:"build"`
	Computed time.Time   `json:"computed"`
	Trait    string      `json:"trait,omitempty"`
	Samples  int         `json:"samples"`
	Report   MatchReport `json:"report"`
	// Reference describes the reference cohort (sums not kept).
	ReferenceN    int     `json:"referenceN"`
	ReferenceMean float64 `json:"referenceMean"`
	ReferenceSD   float64 `json:"referenceSD"`
	Abstain       string  `json:"abstain,omitempty"`
}

var (
	scoresSchema = arrow.NewSchema([]arrow.Field{
		{Name: "sample", Type: arrow.BinaryTypes.String},
		{Name: "score_id", Type: dictString},
		{Name: "score_version", Type: dictString},
		{Name: "sum", Type: arrow.PrimitiveTypes.Float64},
		{Name: "avg", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "allele_ct", Type: arrow.PrimitiveTypes.Int64},
		{Name: "denom", Type: arrow.PrimitiveTypes.Int64},
		{Name: "dosage_sum", Type: arrow.PrimitiveTypes.Float64},
		{Name: "missing", Type: arrow.PrimitiveTypes.Int64},
		{Name: "z", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "percentile", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "abstain", Type: dictString},
		{Name: "in_reference", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "matched", Type: arrow.PrimitiveTypes.Int64},
		{Name: "variants", Type: arrow.PrimitiveTypes.Int64},
		{Name: "file_sha256", Type: dictString},
	}, nil)

	// scoresPlain is scoresSchema without its dictionary columns.
	scoresPlain = plainFields(scoresSchema)

	// matchesSchema's columns of few distinct values are dictionary
	// arrays (the dictionaries are the scoring file's interned names), so
	// their values are written once per row group and the rows as small
	// numbers; readers see strings (Parquet STRING, dictionary-encoded).
	matchesSchema = arrow.NewSchema([]arrow.Field{
		{Name: "score_id", Type: dictString},
		{Name: "score_version", Type: dictString},
		{Name: "line", Type: arrow.PrimitiveTypes.Int64},
		{Name: "rsid", Type: arrow.BinaryTypes.String},
		{Name: "chrom", Type: dictString},
		{Name: "pos", Type: arrow.PrimitiveTypes.Int64},
		{Name: "effect_allele", Type: dictString},
		{Name: "other_allele", Type: dictString},
		{Name: "weight", Type: arrow.PrimitiveTypes.Float64},
		{Name: "is_dominant", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "is_recessive", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "match", Type: dictString},
		{Name: "reason", Type: dictString},
		{Name: "store_ref", Type: dictString},
		{Name: "store_alts", Type: dictString},
		{Name: "store_allele", Type: dictString},
		{Name: "allele_index", Type: arrow.PrimitiveTypes.Int64},
		{Name: "cohort_freq", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "missing_genotypes", Type: arrow.PrimitiveTypes.Int64},
	}, nil)

	dictString = &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
)

func plainFields(s *arrow.Schema) *arrow.Schema {
	var fs []arrow.Field
	for _, f := range s.Fields() {
		if f.Type.ID() != arrow.DICTIONARY {
			fs = append(fs, f)
		}
	}
	return arrow.NewSchema(fs, nil)
}

// tableProps write the risk tables plain, without dictionaries or
// column statistics, compressed with Snappy: writing risk_matches (a row
// per scoring variant and score, mostly distinct values) with the store's
// defaults (dictionaries, zstd) cost as much CPU as scoring. The columns
// of dictionary arrays are written as Parquet dictionaries (their indices
// as they are). risk_matches is written as matchesProps says.
//
// Each file is written with its own allocator that reuses buffers from one
// row group to the next (the page writer's): the memory of a row group, not
// of the rows.
func tableProps(alloc memory.Allocator, extra ...parquet.WriterProperty) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{parquet.WithAllocator(alloc),
		parquet.WithDictionaryDefault(false), parquet.WithStats(false), parquet.WithCompression(compress.Codecs.Snappy)}
	for _, f := range append(matchesSchema.Fields(), scoresSchema.Fields()...) {
		if f.Type.ID() == arrow.DICTIONARY {
			opts = append(opts, parquet.WithDictionaryFor(f.Name, true))
		}
	}
	return store.ParquetProps("varamu risk", append(opts, extra...)...)
}

// matchesProps are tableProps for risk_matches, uncompressed, with
// encodings that make its columns small without a compressor's CPU: its
// sorted and small numbers (line, pos, allele_index, missing_genotypes)
// delta-coded, rsIDs as deltas of their prefixes (most share "rs" and
// digits with the one before). Snappy shrank the weights and frequencies
// little and cost a quarter of writing the table; the file is smaller
// than with Snappy alone (25.7 against 30.2 bytes a row, 100,000 rows,
// BenchmarkWriteMatches).
func matchesProps(alloc memory.Allocator) *parquet.WriterProperties {
	delta := parquet.Encodings.DeltaBinaryPacked
	return tableProps(alloc, parquet.WithCompression(compress.Codecs.Uncompressed),
		parquet.WithEncodingFor("line", delta), parquet.WithEncodingFor("pos", delta),
		parquet.WithEncodingFor("allele_index", delta), parquet.WithEncodingFor("missing_genotypes", delta),
		parquet.WithEncodingFor("rsid", parquet.Encodings.DeltaByteArray))
}

func appendNullable(b array.Builder, v float64) {
	fb := b.(*array.Float64Builder)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		fb.AppendNull()
	} else {
		fb.Append(v)
	}
}

// writeScores writes a result's risk_scores rows.
func writeScores(w *store.TableWriter, r *ScoreResult, _ memory.Allocator) error {
	rec := scoresRecord(r)
	defer rec.Release()
	return w.Write(rec)
}

// scoresRecord builds a result's risk_scores rows: the columns of one
// value (score_id, score_version, file_sha256) and abstain (a few) as
// dictionary arrays.
func scoresRecord(r *ScoreResult) arrow.RecordBatch {
	alloc := memory.DefaultAllocator
	b := array.NewRecordBuilder(alloc, scoresPlain)
	defer b.Release()
	b.Reserve(len(r.Samples))
	f := b.Fields() // scoresPlain's
	abstain := map[string]int32{}
	var abstains []string
	abstainIdx := array.NewInt32Builder(alloc)
	defer abstainIdx.Release()
	abstainIdx.Reserve(len(r.Samples))
	for _, s := range r.Samples {
		f[0].(*array.StringBuilder).Append(s.Sample)
		f[1].(*array.Float64Builder).Append(s.Sum)
		appendNullable(f[2], s.Avg)
		f[3].(*array.Int64Builder).Append(int64(s.AlleleCount))
		f[4].(*array.Int64Builder).Append(int64(s.Denom))
		f[5].(*array.Float64Builder).Append(s.DosageSum)
		f[6].(*array.Int64Builder).Append(int64(s.Missing))
		appendNullable(f[7], s.Z)
		appendNullable(f[8], s.Percentile)
		f[9].(*array.BooleanBuilder).Append(s.Reference)
		f[10].(*array.Int64Builder).Append(int64(r.Report.Matched))
		f[11].(*array.Int64Builder).Append(int64(r.Report.Variants))
		a, ok := abstain[s.Abstain]
		if !ok {
			a = int32(len(abstains))
			abstain[s.Abstain] = a
			abstains = append(abstains, s.Abstain)
		}
		abstainIdx.UnsafeAppend(a)
	}
	plain := b.NewRecordBatch()
	defer plain.Release()
	one := func(v string) arrow.Array { return constDict(alloc, v, len(r.Samples)) }
	idx := abstainIdx.NewArray()
	defer idx.Release()
	dict := stringArray(alloc, abstains)
	defer dict.Release()
	return assemble(scoresSchema, plain, map[string]arrow.Array{"score_id": one(r.ID), "score_version": one(r.Version),
		"abstain": array.NewDictionaryArray(dictString, idx, dict), "file_sha256": one(r.SHA256)})
}

// constDict is a dictionary array of n rows of v.
func constDict(alloc memory.Allocator, v string, n int) arrow.Array {
	dict := stringArray(alloc, []string{v})
	defer dict.Release()
	ib := array.NewInt32Builder(alloc)
	defer ib.Release()
	ib.AppendValues(make([]int32, n), nil)
	idx := ib.NewArray()
	defer idx.Release()
	return array.NewDictionaryArray(dictString, idx, dict)
}

// assemble returns a record of schema from the columns of plain (its
// other columns, in order) and the named ones, which it releases.
func assemble(schema *arrow.Schema, plain arrow.RecordBatch, named map[string]arrow.Array) arrow.RecordBatch {
	cols := make([]arrow.Array, 0, schema.NumFields())
	p := 0
	for _, fl := range schema.Fields() {
		if a, ok := named[fl.Name]; ok {
			defer a.Release()
			cols = append(cols, a)
			continue
		}
		cols = append(cols, plain.Column(p))
		p++
	}
	return array.NewRecordBatch(schema, cols, plain.NumRows())
}

// writeMatches writes a result's risk_matches rows in chunks of
// matchesChunk, one record batch (a row group) each.
func writeMatches(w *store.TableWriter, r *ScoreResult, _ memory.Allocator) error {
	mw := newMatchesWriter(w, r, &matchColumns{})
	defer mw.release()
	for c := range len(r.matches.chunks) {
		if err := mw.chunk(c); err != nil {
			return err
		}
	}
	return nil
}

// matchesWriter writes a result's risk_matches rows a chunk of matches
// (matchesChunk variants, a row group) at a time, in order: the columns'
// memory is a chunk's, not a score's.
type matchesWriter struct {
	w    *store.TableWriter
	r    *ScoreResult
	cols *matchColumns
	d    *matchDicts
}

// newMatchesWriter returns a writer of r's rows to w, filling cols, which
// writers that write one at a time may share.
func newMatchesWriter(w *store.TableWriter, r *ScoreResult, cols *matchColumns) *matchesWriter {
	return &matchesWriter{w: w, r: r, cols: cols, d: newMatchDicts(r)}
}

// chunk writes the rows of chunk c of the result's matches.
func (mw *matchesWriter) chunk(c int) error {
	mw.d.storeAlleles(mw.r)
	mw.d.fileNames(mw.r)
	from, to := mw.r.matches.bounds(c)
	mw.cols.fill(mw.r, from, to)
	rec := mw.cols.record(mw.d)
	defer rec.Release()
	return mw.w.Write(rec)
}

func (mw *matchesWriter) release() { mw.d.release() }

// matchesSink writes each score's matches to its risk_matches file as
// they become final (Run).
type matchesSink []*matchesWriter

func (s matchesSink) chunk(k, c int) error { return s[k].chunk(c) }

// matchDicts are the dictionaries of risk_matches' dictionary columns for
// one result (but reason's, made per chunk): the score's id and version,
// its chromosomes and alleles, the orientations, and the store's alleles
// (of store_ref, store_alts and store_allele).
type matchDicts struct {
	id, version, chrom, alleles, orients, store arrow.Array
	// stores is the number of store alleles in store.
	stores int
}

func newMatchDicts(r *ScoreResult) *matchDicts {
	orients := make([]string, len(orientations))
	for i, o := range orientations {
		orients[i] = string(o)
	}
	alloc := memory.DefaultAllocator
	return &matchDicts{id: stringArray(alloc, []string{r.ID}), version: stringArray(alloc, []string{r.Version}), orients: stringArray(alloc, orients)}
}

// fileNames makes the dictionaries of the scoring file's chromosomes and
// alleles hold every one interned so far (a file read a part at a time
// interns more later).
func (d *matchDicts) fileNames(r *ScoreResult) {
	chroms, alleles := r.Variants.Chroms(), r.Variants.Alleles()
	if d.chrom == nil || d.chrom.Len() != len(chroms) {
		release(d.chrom)
		d.chrom = stringArray(memory.DefaultAllocator, chroms)
	}
	if d.alleles == nil || d.alleles.Len() != len(alleles) {
		release(d.alleles)
		d.alleles = stringArray(memory.DefaultAllocator, alleles)
	}
}

func release(a arrow.Array) {
	if a != nil {
		a.Release()
	}
}

// storeAlleles makes the dictionary of the store's alleles hold every
// allele interned so far (a run writing as it goes interns more later).
func (d *matchDicts) storeAlleles(r *ScoreResult) {
	store := []string{""}
	if r.alleles != nil {
		store = r.alleles.list()
	}
	if len(store) == d.stores {
		return
	}
	d.stores = len(store)
	if d.store != nil {
		d.store.Release()
	}
	d.store = stringArray(memory.DefaultAllocator, store)
}

func stringArray(alloc memory.Allocator, vs []string) arrow.Array {
	b := array.NewStringBuilder(alloc)
	defer b.Release()
	b.AppendValues(vs, nil)
	return b.NewArray()
}

func (d *matchDicts) release() {
	for _, a := range []arrow.Array{d.id, d.version, d.chrom, d.alleles, d.orients, d.store} {
		release(a)
	}
}

// resultsDir is the directory of a result's files in transaction tx.
func resultsDir(tx *store.Txn, r *ScoreResult) string {
	return "risk/" + safeName(r.Version) + "-" + tx.ID()
}

// writeResults writes each result's risk_scores file, and its
// risk_matches file when matches is true: the writers are made and
// closed (added to the transaction) in order, the rows encoded in
// parallel, one result at a time per core (encoding dominates with many
// scores).
func writeResults(tx *store.Txn, results []*ScoreResult, matches bool) error {
	type file struct {
		w     *store.TableWriter
		write func(*store.TableWriter, *ScoreResult, memory.Allocator) error
		alloc memory.Allocator
		r     *ScoreResult
		err   error
	}
	type table struct {
		table, name string
		write       func(*store.TableWriter, *ScoreResult, memory.Allocator) error
		schema      *arrow.Schema
		props       func(memory.Allocator) *parquet.WriterProperties
	}
	scoresProps := func(alloc memory.Allocator) *parquet.WriterProperties { return tableProps(alloc) }
	tables := []table{{TableScores, "scores.parquet", writeScores, scoresSchema, scoresProps}}
	if matches {
		tables = append(tables, table{TableMatches, "matches.parquet", writeMatches, matchesSchema, matchesProps})
	}
	var files []*file
	defer func() {
		for _, f := range files {
			f.w.Abort() // no-op once closed
		}
	}()
	for _, r := range results {
		for _, t := range tables {
			alloc := &genotypes.DenseBuffers{}
			w, err := tx.CreateTable(t.table, resultsDir(tx, r)+"/"+t.name, t.schema, t.props(alloc))
			if err != nil {
				return err
			}
			files = append(files, &file{w: w, write: t.write, alloc: alloc, r: r})
		}
	}
	next := make(chan *file)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for f := range next {
				f.err = f.write(f.w, f.r, f.alloc)
			}
		})
	}
	for _, f := range files {
		next <- f
	}
	close(next)
	wg.Wait()
	for _, f := range files {
		if f.err != nil {
			return f.err
		}
		if err := f.w.Close(f.r.Version + "#" + tx.ID()); err != nil {
			return err
		}
	}
	return nil
}

// Write stores the results of Score in one transaction: the tables
// risk_scores and risk_matches, and the score's record in the manifest
// section "risk". A score already stored under the same id is replaced;
// its rows move to the *_previous tables. Either all results are written
// or none.
func Write(ctx context.Context, st *store.Store, results []*ScoreResult) error {
	ids, err := idsOf(results)
	if err != nil {
		return err
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := writeResults(tx, results, true); err != nil {
		return err
	}
	return commit(tx, results, ids)
}

// Run scores as Score does and stores the results as Write does, in one
// transaction, but writes each score's risk_matches rows while the later
// windows of loci are read, instead of holding them to the end: for
// scoring files sorted by position (as PGS Catalog files are), a result
// holds the matches of the windows in flight only (see README, "memory").
// The results returned hold no matches (Match is not available). When
// anything fails, even at the end (a score that matched nothing), nothing
// is written.
func Run(ctx context.Context, st *store.Store, gs *genotypes.Store, permit genotypes.Permit, scores []*pgs.Score, cfg Config) ([]*ScoreResult, error) {
	results, cohort, err := prepare(gs, scores, &cfg)
	if err != nil {
		return nil, err
	}
	return runStored(ctx, st, results, &cfg, func(sink matchesSink) error {
		sc := newScorer(results, cohort, &cfg)
		sc.sink = sink
		return sc.run(ctx, storeSource{gs, permit})
	})
}

// runStored runs score, which hands each result's matches to the sink
// as they become final, inside one transaction, and stores the results
// as Run says.
func runStored(ctx context.Context, st *store.Store, results []*ScoreResult, cfg *Config, score func(matchesSink) error) ([]*ScoreResult, error) {
	ids, err := idsOf(results)
	if err != nil {
		return nil, err
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sink := make(matchesSink, 0, len(results))
	defer func() {
		for _, mw := range sink {
			mw.w.Abort() // no-op once closed
			mw.release()
		}
	}()
	// One allocator and one set of columns for every file: the rows are
	// written one chunk at a time, so the buffers of one are held, not of
	// one per score.
	alloc := &genotypes.DenseBuffers{}
	cols := &matchColumns{}
	for _, r := range results {
		w, err := tx.CreateTable(TableMatches, resultsDir(tx, r)+"/matches.parquet", matchesSchema, matchesProps(alloc))
		if err != nil {
			return nil, err
		}
		sink = append(sink, newMatchesWriter(w, r, cols))
	}
	if err := score(sink); err != nil {
		return nil, err
	}
	if err := finishAll(results, cfg); err != nil {
		return nil, err
	}
	for _, mw := range sink {
		if err := mw.w.Close(mw.r.Version + "#" + tx.ID()); err != nil {
			return nil, err
		}
	}
	if err := writeResults(tx, results, false); err != nil {
		return nil, err
	}
	return results, commit(tx, results, ids)
}

// idsOf returns the results' score ids; an id given twice is refused.
func idsOf(results []*ScoreResult) (map[string]bool, error) {
	ids := map[string]bool{}
	for _, r := range results {
		if ids[r.ID] {
			return nil, fmt.Errorf("risk: score id %s given twice", r.ID)
		}
		ids[r.ID] = true
	}
	return ids, nil
}

// commit records the results in the manifest and commits tx: the scores'
// records in section "risk", the rows of the versions they replace moved
// to the *_previous tables.
func commit(tx *store.Txn, results []*ScoreResult, ids map[string]bool) error {
	now := time.Now().UTC()
	var names []string
	for _, r := range results {
		names = append(names, r.Version)
	}
	return tx.Commit("risk score "+strings.Join(names, ", "), func(m *store.Manifest) error {
		var sec Section
		if _, err := m.Section(SectionKey, &sec); err != nil {
			return err
		}
		if sec.Scores == nil {
			sec.Scores = map[string]ScoreRecord{}
		}
		movePrevious(m, TableScores, TableScoresPrevious, ids, tx.ID())
		movePrevious(m, TableMatches, TableMatchesPrevious, ids, tx.ID())
		for _, r := range results {
			sec.Scores[r.ID] = ScoreRecord{Version: r.Version, SHA256: r.SHA256, File: r.Path, Build: string(r.Build), Computed: now,
				Trait: r.Header["trait_reported"], Samples: len(r.Samples), Report: r.Report,
				ReferenceN: r.Reference.N, ReferenceMean: finite(r.Reference.Mean), ReferenceSD: finite(r.Reference.SD), Abstain: r.Abstain}
		}
		return m.SetSection(SectionKey, &sec)
	})
}

func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// movePrevious moves the files of table whose score id is in ids, written
// by another transaction than txn, to the table prev.
func movePrevious(m *store.Manifest, table, prev string, ids map[string]bool, txn string) {
	var keep []store.File
	for _, f := range m.Tables[table] {
		version, tid, _ := strings.Cut(f.Part, "#")
		id := version[:max(strings.LastIndex(version, "@"), 0)]
		if ids[id] && tid != txn {
			m.Tables[prev] = append(m.Tables[prev], f)
			continue
		}
		keep = append(keep, f)
	}
	m.Tables[table] = keep
}

// safeName keeps letters, digits, '-', '_', '.' and '@' of a name for use in
// a path.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == '@':
			return r
		}
		return '_'
	}, s)
}

// StoredScore is one sample's stored score, as plots and reports read it.
type StoredScore struct {
	Sample        string
	Sum           float64
	Z, Percentile float64 // NaN when abstained
	Abstain       string
	Missing       int
	Reference     bool
}

// ReadScores returns the stored scores of the current version of score id,
// with its record.
func ReadScores(ctx context.Context, st *store.Store, id string) (*ScoreRecord, []StoredScore, error) {
	var sec Section
	if _, err := st.Manifest().Section(SectionKey, &sec); err != nil {
		return nil, nil, err
	}
	rec, ok := sec.Scores[id]
	if !ok {
		var have []string
		for k := range sec.Scores {
			have = append(have, k)
		}
		return nil, nil, fmt.Errorf("risk: no stored score %q (stored: %s); run varamu risk score first", id, strings.Join(have, ", "))
	}
	var out []StoredScore
	for _, f := range st.Manifest().Tables[TableScores] {
		if !strings.HasPrefix(f.Part, rec.Version+"#") {
			continue
		}
		err := rows.ScanFile(ctx, st.Path(f), []string{"sample", "sum", "z", "percentile", "abstain", "missing", "in_reference"}, func(r *rows.Row) error {
			s := StoredScore{Sample: r.Str(0), Sum: r.F64(1), Z: math.NaN(), Percentile: math.NaN(), Abstain: r.Str(4), Missing: int(r.I64(5)), Reference: r.Bool(6)}
			if p := r.F64p(2); p != nil {
				s.Z = *p
			}
			if p := r.F64p(3); p != nil {
				s.Percentile = *p
			}
			out = append(out, s)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return &rec, out, nil
}

// WriteScoresParquet writes the risk_scores rows of the results (only the
// samples in only, when given) to a Parquet file at path.
func WriteScoresParquet(path string, results []*ScoreResult, only []string) error {
	keep := map[string]bool{}
	for _, s := range only {
		keep[s] = true
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	pw, err := pqarrow.NewFileWriter(scoresSchema, f, store.ParquetProps("varamu risk"), pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return err
	}
	for _, r := range results {
		sub := *r
		if len(keep) > 0 {
			sub.Samples = nil
			for _, s := range r.Samples {
				if keep[s.Sample] {
					sub.Samples = append(sub.Samples, s)
				}
			}
		}
		rec := scoresRecord(&sub)
		err := pw.Write(rec)
		rec.Release()
		if err != nil {
			pw.Close()
			f.Close()
			return err
		}
	}
	return pw.Close() // closes f too
}
