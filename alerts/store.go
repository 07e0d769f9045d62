package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/report"
	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// LOINC codes of the observations the rules read.
const (
	loincHeight = "8302-2"
	loincWeight = "29463-7"
)

// StoreSource reads prescriptions (table medications), people (persons)
// and their latest height and weight (observations) from a store's
// clinical tables, each in its current state (last write per key wins), the
// coded sample link from biobank_samples, and PGx calls from the pgx_calls
// table of the current annotation (varamu annotate) or from a call set.
//
// Parquet has no row lookup, so Load scans each table once, after access
// decided, and keeps only the rows of the people allowed.
type StoreSource struct {
	st *store.Store
	cs *pharmacogenomics.CallSet // nil: read pgx_calls
	// AsOf, when not zero, is the date the data is about: observations
	// made after it and PGx results that entered the store after it are
	// not read (a question about a past date sees only data recorded up
	// to that date). RunStore sets it from Config.At.
	AsOf time.Time

	loaded      bool
	people      map[string]Person
	sampleOf    map[string]string
	calls       map[string]*pharmacogenomics.SampleCalls // by sample
	dataVersion string
}

// NewStoreSource returns a Source over st. PGx calls come from cs when it is
// not nil, otherwise from the store's pgx_calls table.
func NewStoreSource(st *store.Store, cs *pharmacogenomics.CallSet) *StoreSource {
	return &StoreSource{st: st, cs: cs}
}

type seq struct{ a, b int64 }

func (x seq) newer(y seq) bool { return x.a > y.a || (x.a == y.a && x.b > y.b) }

// Prescriptions implements Source: every MedicationRequest and
// MedicationStatement row in its current state.
func (s *StoreSource) Prescriptions(ctx context.Context) iter.Seq2[Prescription, error] {
	return func(yield func(Prescription, error) bool) {
		type rxRow struct {
			s  seq
			rx Prescription
		}
		latest := map[[2]string]rxRow{}
		var order [][2]string
		err := rows.Scan(ctx, s.st, "medications", []string{"kind", "resource_id", "person_id", "status", "drug", "atc",
			"authored", "period_start", "period_end", "requester_id", "ingest_seq", "row_seq"}, func(r *rows.Row) error {
			key := [2]string{r.Str(0), r.Str(1)}
			sq := seq{r.I64(10), r.I64(11)}
			old, ok := latest[key]
			if ok && !sq.newer(old.s) {
				return nil
			}
			if !ok {
				order = append(order, key)
			}
			latest[key] = rxRow{sq, Prescription{ID: r.Str(1), Person: r.Str(2), Status: r.Str(3), Drug: r.Str(4), ATC: r.Str(5),
				AuthoredOn: r.Time(6), ValidFrom: r.Time(7), ValidUntil: r.Time(8), Requester: r.Str(9)}}
			return nil
		})
		if err != nil {
			yield(Prescription{}, err)
			return
		}
		for _, k := range order {
			if !yield(latest[k].rx, nil) {
				return
			}
		}
	}
}

// Load implements Source.
func (s *StoreSource) Load(ctx context.Context, allowed []string) error {
	want := make(map[string]bool, len(allowed))
	for _, p := range allowed {
		want[p] = true
	}
	s.people = map[string]Person{}
	s.sampleOf = map[string]string{}
	s.calls = map[string]*pharmacogenomics.SampleCalls{}
	s.loaded = true
	cur, err := clinical.ReadCurrent(ctx, s.st)
	if err != nil {
		return err
	}
	for _, id := range allowed {
		if p, ok := cur.Persons[id]; ok {
			s.people[id] = Person{ID: id, BirthDate: p.BirthDate, Sex: p.Sex}
		}
	}
	type obs struct {
		at time.Time
		v  float64
	}
	height, weight := map[string]obs{}, map[string]obs{}
	err = rows.Scan(ctx, s.st, "observations", []string{"person_id", "code", "value", "effective", "component"}, func(r *rows.Row) error {
		id := r.Str(0)
		if !want[id] || r.IsNull(2) || r.I32(4) != 0 || !s.AsOf.IsZero() && (r.IsNull(3) || r.Time(3).After(s.AsOf)) {
			return nil
		}
		var m map[string]obs
		switch r.Str(1) {
		case loincHeight:
			m = height
		case loincWeight:
			m = weight
		default:
			return nil
		}
		if old, ok := m[id]; !ok || r.Time(3).After(old.at) {
			m[id] = obs{r.Time(3), r.F64(2)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for id, p := range s.people {
		if h, ok := height[id]; ok {
			v := h.v
			p.HeightCm = &v
		}
		if w, ok := weight[id]; ok {
			v := w.v
			p.WeightKg = &v
		}
		s.people[id] = p
	}
	// The current link of each sample (newest row per sample): after a
	// re-link the old person no longer has it. A person with several
	// samples is read from the one linked last.
	samples := map[string]bool{}
	for _, id := range allowed {
		if sample, ok := cur.SampleOf(id); ok {
			s.sampleOf[id] = sample
			samples[sample] = true
		}
	}
	if s.cs != nil {
		s.dataVersion = s.cs.DataVersion
		for i := range s.cs.Samples {
			if c := &s.cs.Samples[i]; samples[c.Sample] {
				s.calls[c.Sample] = c
			}
		}
		return nil
	}
	return s.loadPGx(ctx, samples)
}

// loadPGx reads the pgx_calls rows of the current annotation for samples.
func (s *StoreSource) loadPGx(ctx context.Context, samples map[string]bool) error {
	var sec struct {
		Current string `json:"current"`
	}
	found, err := s.st.Manifest().Section("pgx", &sec)
	if err != nil {
		return err
	}
	if !found || sec.Current == "" {
		return errors.New("alerts: the store holds no PGx results: run varamu annotate, or give a call set")
	}
	s.dataVersion = sec.Current
	cols := []string{"sample", "gene", "called", "diplotypes", "phenotype", "activity_score", "phased", "confidence",
		"uncertain", "source", "missing_positions", "novel", "notes", "sex", "untested", "alternatives", "carriers", "extra"}
	for _, f := range s.st.Manifest().Tables["pgx_calls"] {
		if !strings.HasPrefix(f.Part, sec.Current+"#") || !s.AsOf.IsZero() && !s.st.Manifest().RecordedBy(f, s.AsOf) {
			continue
		}
		err := rows.ScanFile(ctx, s.st.Path(f), cols, func(r *rows.Row) error {
			sample := r.Str(0)
			if !samples[sample] {
				return nil
			}
			c := s.calls[sample]
			if c == nil {
				c = &pharmacogenomics.SampleCalls{Sample: sample, Sex: r.Str(13)}
				s.calls[sample] = c
			}
			g := pharmacogenomics.GeneCall{Gene: r.Str(1), Called: r.Bool(2), Diplotypes: r.Strs(3), Phenotype: r.Str(4),
				ActivityScore: r.F64p(5), Phased: r.Bool(6), Confidence: r.F64p(7), Uncertain: r.Bool(8),
				Source: r.Str(9), MissingPositions: r.Strs(10), Novel: r.Strs(11), Notes: r.Strs(12), Untested: r.Strs(14)}
			if err := decodeCallDetail(r.Str(15), r.Str(16), r.Str(17), &g); err != nil {
				return fmt.Errorf("sample %s gene %s: %w", sample, g.Gene, err)
			}
			// A sample annotated twice with the current version (a
			// resumed run) keeps its last row per gene.
			if i := slices.IndexFunc(c.Genes, func(x pharmacogenomics.GeneCall) bool { return x.Gene == g.Gene }); i >= 0 {
				c.Genes[i] = g
			} else {
				c.Genes = append(c.Genes, g)
			}
			return nil
		})
		if errors.Is(err, rows.ErrNoColumn) {
			return fmt.Errorf("alerts: table pgx_calls: %s: %w: the annotation predates untested alleles and alternative readings; run varamu annotate again", f.Path, err)
		}
		if err != nil {
			return fmt.Errorf("alerts: table pgx_calls: %s: %w", f.Path, err)
		}
	}
	return nil
}

// Person implements Source.
func (s *StoreSource) Person(ctx context.Context, id string) (Person, error) {
	p, ok := s.people[id]
	if !s.loaded || !ok {
		return Person{}, fmt.Errorf("alerts: person %s not loaded (not allowed, or not in the store)", id)
	}
	return p, nil
}

// Calls implements Source: the calls of the person's biobank sample.
func (s *StoreSource) Calls(ctx context.Context, person string) (pharmacogenomics.SampleCalls, string, bool, error) {
	if !s.loaded {
		return pharmacogenomics.SampleCalls{}, "", false, errors.New("alerts: Calls before Load")
	}
	sample, ok := s.sampleOf[person]
	if !ok {
		return pharmacogenomics.SampleCalls{}, "", false, nil
	}
	c, ok := s.calls[sample]
	if !ok {
		return pharmacogenomics.SampleCalls{}, "", false, nil
	}
	return *c, s.dataVersion, true, nil
}

// StoreConfig tune RunStore.
type StoreConfig struct {
	Config
	// CallsPath is a PGx call set as `varamu pgx call --format json`
	// writes it, keyed by biobank sample code; "" reads the store's
	// pgx_calls table (varamu annotate).
	CallsPath string
}

// RunStore makes the alerts of the store in dir: it loads the access
// directory from the clinical tables (access.LoadDirectory), opens the
// store's audit log, reads the call set and runs Run with the embedded
// guideline rules.
func RunStore(ctx context.Context, dir string, opt StoreConfig) ([]Alert, Stats, error) {
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return nil, Stats{}, err
	}
	var cs *pharmacogenomics.CallSet
	if opt.CallsPath != "" {
		f, err := os.Open(opt.CallsPath)
		if err != nil {
			return nil, Stats{}, fmt.Errorf("alerts: %w", err)
		}
		set, err := report.ReadCalls(f, opt.CallsPath)
		f.Close()
		if err != nil {
			return nil, Stats{}, err
		}
		cs = &set
	}
	dec, log, err := access.OpenStore(ctx, st, access.Clock(opt.Clock))
	if err != nil {
		return nil, Stats{}, err
	}
	defer log.Close()
	eng, err := rules.LoadEmbedded()
	if err != nil {
		return nil, Stats{}, err
	}
	src := NewStoreSource(st, cs)
	src.AsOf = opt.At
	return Run(ctx, src, eng, dec, opt.Config)
}

// SampleOf returns the biobank sample code of a loaded person (the coded
// link is read only after access allowed the person).
func (s *StoreSource) SampleOf(person string) (string, bool) {
	sample, ok := s.sampleOf[person]
	return sample, s.loaded && ok
}

// decodeCallDetail restores a stored call's alternative readings, carried
// alleles and extra genotypes (JSON, "" for none), without which a
// recommendation from stored calls could read an uncertain call as certain.
func decodeCallDetail(alternatives, carriers, extra string, g *pharmacogenomics.GeneCall) error {
	if alternatives != "" {
		if err := json.Unmarshal([]byte(alternatives), &g.Alternatives); err != nil {
			return fmt.Errorf("alternatives: %w", err)
		}
	}
	if carriers != "" {
		if err := json.Unmarshal([]byte(carriers), &g.Carriers); err != nil {
			return fmt.Errorf("carriers: %w", err)
		}
	}
	if extra != "" {
		if err := json.Unmarshal([]byte(extra), &g.Extra); err != nil {
			return fmt.Errorf("extra: %w", err)
		}
	}
	return nil
}
