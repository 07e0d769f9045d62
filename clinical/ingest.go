package clinical

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/store"
)

// Config tunes Ingest. The zero Config is ready to use.
type Config struct {
	// Now is the moment birth dates are checked against; zero means
	// time.Now().
	Now time.Time
	// MapperKey overrides the store's key for deriving synthetic isikukood
	// serials (tests use it for reproducible codes). Nil means the key kept
	// in the store's clinical section, made at the first ingest.
	MapperKey []byte
	// Workers is the number of JSON decoding goroutines; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// BatchRows is the number of rows per Arrow batch and Parquet row
	// group; 0 means 65536.
	BatchRows int
	// Allocator is the Arrow allocator; nil means memory.DefaultAllocator.
	Allocator memory.Allocator
	// BiobankSamples are biobank sample maps (see ReadSampleMap) to load
	// into the biobank_samples table in the same transaction; their
	// persons MUST be in the store or in this ingest.
	BiobankSamples []string
	// RelinkReason is a data steward's reason for re-linking biobank
	// samples that are linked to another person. Without it such a line
	// fails the ingest (ErrRelink); with it the re-link is made, kept in
	// the ingest record (IngestRecord.Relinks) and passed to Relinked.
	RelinkReason string
	// Relinked, if set, is called before the commit with every re-link of
	// the ingest; an error aborts the ingest. The CLI logs them to the
	// audit log there (access.LogRelinks), so that a re-link is never
	// committed without a log entry naming both people.
	Relinked func(ctx context.Context, relinks []Relink) error
	// Progress, if set, is called from the ingest goroutine after each
	// decoded batch with the number of resources read so far.
	Progress func(resources int64)
	// Records, if set, is called from the ingest goroutine with the raw
	// JSON of each batch of resources, in input order, before the
	// transaction commits; an error aborts the ingest. varamu logs each
	// ingested record version in the audit log this way.
	Records func(raws [][]byte) error
}

func (c *Config) validate() error {
	if c.Workers < 0 || c.BatchRows < 0 {
		return errors.New("clinical: Workers and BatchRows must not be negative")
	}
	if c.Now.IsZero() {
		c.Now = time.Now()
	}
	if c.Workers == 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	if c.BatchRows == 0 {
		c.BatchRows = 1 << 16
	}
	if c.Allocator == nil {
		c.Allocator = memory.DefaultAllocator
	}
	return nil
}

// Summary reports what an ingest read and wrote.
type Summary struct {
	IngestID string
	Files    int
	// Resources counts decoded resources by type.
	Resources map[string]int64
	// Skipped counts resources of types varamu does not ingest, by type.
	Skipped map[string]int64
	// NoResource counts Bundle entries without a resource (e.g. DELETE).
	NoResource int64
	// Persons is the number of Patient resources; NewPersons those whose
	// person was not in the store before.
	Persons, NewPersons int64
	// Samples is the number of biobank sample links written.
	Samples int64
	// Relinks are the samples moved from one person to another, with the
	// steward's reason (Config.RelinkReason).
	Relinks []Relink
	// Rows counts rows written, by table.
	Rows    map[string]int64
	Elapsed time.Duration
}

// Total returns the number of resources read (decoded and skipped).
func (s *Summary) Total() int64 {
	var n int64
	for _, c := range s.Resources {
		n += c
	}
	for _, c := range s.Skipped {
		n += c
	}
	return n
}

// input is one file to read.
type input struct {
	path   string
	name   string // as shown in errors
	ndjson bool
	// expect is the resource type an NDJSON file is named for
	// ("Patient.ndjson", "Patient.001.ndjson"): FHIR Bulk Data writes one
	// type per file, so another type in it is an error.
	expect string
}

// declaredType returns the resource type a Bulk Data file name declares,
// if its first dot-separated part is one of fhir.Types.
func declaredType(path string) string {
	base := filepath.Base(path)
	first, _, _ := strings.Cut(base, ".")
	for _, t := range fhir.Types {
		if first == t {
			return t
		}
	}
	return ""
}

// Inputs expands paths (files, or directories searched recursively) into
// the FHIR input files Ingest reads: *.json Bundles and *.ndjson Bulk Data
// files (each optionally .gz). Directories are walked in lexical order.
func Inputs(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("clinical: %w", err)
		}
		if !st.IsDir() {
			if kind(p) == "" {
				return nil, fmt.Errorf("clinical: %s: not a .json Bundle or .ndjson file", p)
			}
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && kind(path) != "" {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("clinical: %w", err)
		}
	}
	return out, nil
}

func kind(path string) string {
	p := strings.TrimSuffix(strings.ToLower(path), ".gz")
	switch {
	case strings.HasSuffix(p, ".ndjson"):
		return "ndjson"
	case strings.HasSuffix(p, ".json"):
		return "json"
	}
	return ""
}

func openInput(path string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("clinical: %w", err)
	}
	if !strings.HasSuffix(strings.ToLower(path), ".gz") {
		return f, nil
	}
	z, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("clinical: %s: %w", path, err)
	}
	return struct {
		io.Reader
		io.Closer
	}{z, f}, nil
}

// firstType returns the resourceType of the first line of an NDJSON file
// ("" if unknown), to read Patient files first.
func firstType(path string) string {
	rc, err := openInput(path)
	if err != nil {
		return ""
	}
	defer rc.Close()
	raw, err := fhir.NewNDJSONReader(rc, path).Read()
	if err != nil {
		return ""
	}
	t, _ := fhir.PeekType(raw.Data)
	return t
}

// orderInputs puts NDJSON files that start with Patient resources first
// (Bulk Data writes one file per type; Observation.ndjson sorts before
// Patient.ndjson), keeping the given order otherwise. Resources that
// reference a Patient read later are held until the end of the ingest, so
// order matters for memory only, never for correctness.
func orderInputs(paths []string) []input {
	var first, rest []input
	for _, p := range paths {
		in := input{path: p, name: p, ndjson: kind(p) == "ndjson"}
		if in.ndjson {
			in.expect = declaredType(p)
		}
		if in.ndjson && firstType(p) == "Patient" {
			first = append(first, in)
		} else {
			rest = append(rest, in)
		}
	}
	return append(first, rest...)
}

// Ingest reads FHIR R4 inputs (files or directories of .json Bundles and
// .ndjson Bulk Data files) and appends their resources to the clinical
// tables of the store in one transaction. Either every resource is
// ingested and committed, or (on any error) nothing is: the first error,
// a *fhir.ParseError naming file, line or entry, and JSON path, is
// returned and the transaction rolled back.
//
// Memory is bounded by the decode pipeline (a few MiB of batches per
// worker), the Arrow batches (4 MiB per table) and the identity maps
// loaded from id_map, about 400 bytes per person: about 600 MiB peak RSS
// for 200,000 people and 1.9 million resources.
func Ingest(ctx context.Context, s *store.Store, paths []string, cfg Config) (*Summary, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	start := time.Now()
	files, err := Inputs(paths)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 && len(cfg.BiobankSamples) == 0 {
		return nil, fmt.Errorf("%w: no .json or .ndjson file in %s", ErrNothingToIngest, strings.Join(paths, ", "))
	}
	for _, f := range files {
		if err := checkNotBlank(f); err != nil {
			return nil, err
		}
	}
	txn, err := s.Begin(ctx)
	if err != nil {
		if txn != nil { // Begin returns the transaction with ctx.Err()
			txn.Rollback()
		}
		return nil, err
	}
	defer txn.Rollback()
	sec, err := loadSection(txn.Base())
	if err != nil {
		return nil, err
	}
	key := cfg.MapperKey
	if key == nil {
		key = sec.MapperKey
	}
	in, err := newIngester(ctx, s.Dir(), txn, key, cfg)
	if err != nil {
		return nil, err
	}
	defer in.abort()
	inputs := orderInputs(files)
	if err := in.run(ctx, inputs); err != nil {
		return nil, err
	}
	links, err := readSampleLinksIn(ctx, s.Dir(), txn.Base())
	if err != nil {
		return nil, err
	}
	for _, path := range cfg.BiobankSamples {
		rc, err := openInput(path)
		if err != nil {
			return nil, err
		}
		samples, err := ReadSampleMap(rc, path)
		rc.Close()
		if err != nil {
			return nil, err
		}
		if err := in.sampleRows(path, samples, links); err != nil {
			return nil, err
		}
	}
	if len(in.sum.Relinks) > 0 && cfg.Relinked != nil {
		if err := cfg.Relinked(ctx, in.sum.Relinks); err != nil {
			return nil, err
		}
	}
	sum := in.sum
	sum.Files = len(inputs)
	if len(sum.Resources) == 0 && sum.Samples == 0 {
		return nil, fmt.Errorf("%w: %d input files hold no resource varamu ingests (skipped: %v); nothing committed", ErrNothingToIngest, len(inputs), sum.Skipped)
	}
	if err := in.close(); err != nil {
		return nil, err
	}
	rec := IngestRecord{ID: txn.ID(), Seq: in.seq, Time: time.Now().UTC(), Resources: sum.Resources, Skipped: sum.Skipped, Rows: sum.Rows, InputCount: len(inputs),
		Relinks: sum.Relinks}
	for _, f := range inputs[:min(len(inputs), MaxRecordedInputs)] {
		rec.Inputs = append(rec.Inputs, filepath.Base(f.path))
	}
	action := fmt.Sprintf("ingest fhir: %d files, %d resources, %d persons", len(inputs), sum.Total(), sum.Persons)
	err = txn.Commit(action, func(m *store.Manifest) error {
		sec.Ingests = append(sec.Ingests, rec)
		return m.SetSection(SectionKey, sec)
	})
	if err != nil {
		return nil, err
	}
	sum.Elapsed = time.Since(start)
	return sum, nil
}

// batch is a run of raw resources of one input, decoded by a worker.
type batch struct {
	seq    int
	input  int
	raws   []fhir.Raw
	res    []fhir.Resource
	err    error
	endOf  bool // the last batch of its input
	readIn error
}

// run reads, decodes (in parallel) and processes the inputs in order.
func (in *ingester) run(ctx context.Context, inputs []input) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dec := fhir.NewDecoder(fhir.Config{Now: in.cfg.Now})
	jobs := make(chan *batch, in.cfg.Workers*2)
	done := make(chan *batch, in.cfg.Workers*2)
	var wg sync.WaitGroup
	for w := 0; w < in.cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range jobs {
				if b.readIn == nil {
					b.res = make([]fhir.Resource, len(b.raws))
					for i := range b.raws {
						if b.raws[i].Data == nil {
							continue
						}
						r, err := dec.Decode(b.raws[i].Data)
						if err == nil && inputs[b.input].expect != "" && r.Type() != inputs[b.input].expect {
							err = &fhir.ParseError{Path: "resourceType", Err: fmt.Errorf("%w: got %q in a Bulk Data file named for %s (one resource type per file)",
								fhir.ErrResourceType, r.Type(), inputs[b.input].expect)}
						}
						if err != nil {
							b.err = b.raws[i].Locate(inputs[b.input].name, err)
							break
						}
						b.res[i] = r
					}
				}
				select {
				case done <- b:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { // reader
		defer close(jobs)
		seq := 0
		send := func(b *batch) bool {
			b.seq = seq
			seq++
			select {
			case jobs <- b:
				return true
			case <-ctx.Done():
				return false
			}
		}
		for i, inp := range inputs {
			rc, err := openInput(inp.path)
			if err != nil {
				send(&batch{input: i, readIn: err, endOf: true})
				return
			}
			var rr fhir.RawReader
			if inp.ndjson {
				rr = fhir.NewNDJSONReader(rc, inp.name)
			} else {
				rr = fhir.NewBundleReader(rc, inp.name)
			}
			b := &batch{input: i}
			size := 0
			for {
				raw, err := rr.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.readIn = err
					break
				}
				b.raws = append(b.raws, raw)
				size += len(raw.Data)
				if len(b.raws) >= 256 || size >= 1<<20 {
					if !send(b) {
						rc.Close()
						return
					}
					b, size = &batch{input: i}, 0
				}
			}
			rc.Close()
			b.endOf = true
			if !send(b) || b.readIn != nil {
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }()

	pending := map[int]*batch{}
	next := 0
	var total int64
	for b := range done {
		pending[b.seq] = b
		for {
			b, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if b.readIn != nil {
				return b.readIn
			}
			if b.err != nil {
				// Resources before the bad one are valid but the ingest
				// fails as a whole: report the first error in input order.
				return b.err
			}
			if err := in.consume(inputs[b.input], b); err != nil {
				return err
			}
			if err := in.records(b); err != nil {
				return err
			}
			total += int64(len(b.raws))
			if in.cfg.Progress != nil {
				in.cfg.Progress(total)
			}
			if b.endOf {
				if err := in.endInput(inputs[b.input]); err != nil {
					return err
				}
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return in.finish()
}

// records hands the batch's resources to Config.Records.
func (in *ingester) records(b *batch) error {
	if in.cfg.Records == nil {
		return nil
	}
	raws := make([][]byte, 0, len(b.raws))
	for _, r := range b.raws {
		if r.Data != nil {
			raws = append(raws, r.Data)
		}
	}
	return in.cfg.Records(raws)
}

// stringColumn returns column i of rec as strings.
func stringColumn(rec arrow.RecordBatch, i int) *array.String { return rec.Column(i).(*array.String) }
