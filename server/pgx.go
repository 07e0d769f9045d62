package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// StoredRec is one precomputed recommendation of `varamu annotate` (a row
// of pgx_recommendations).
type StoredRec struct {
	Drug       string
	Genes      []string
	Phenotypes string
	Action     string
	Strength   string
	Text       string
	RuleID     string
	Guideline  string // "CPIC PA166104948": body and id
	Caveats    []string
}

// PGx holds the current annotation of a store generation, keyed by biobank
// sample: answering a request is a lookup in it. Its data MUST NOT be
// returned to anyone without an access decision for the sample's person.
//
// Results repeat across a biobank (the same call, the same recommendation
// text), so each distinct gene call and recommendation is held once and a
// sample holds indexes into those tables: at 200,000 people × ~150
// recommendations this is the difference between gigabytes and ~150 MB.
type PGx struct {
	DataVersion string
	sampleOf    map[string]string // person -> sample
	calls       map[string][]uint32
	recs        map[string][]uint32
	callTab     []pharmacogenomics.GeneCall
	recTab      []StoredRec
	callIdx     map[string]uint32
	recIdx      map[string]uint32
	key         []byte
}

// internCall returns the index of g in the call table, adding it when new.
func (p *PGx) internCall(g pharmacogenomics.GeneCall) uint32 {
	k := p.key[:0]
	k = appendKey(k, g.Gene, g.Phenotype, g.Source, fmt.Sprint(g.Called, g.Phased, g.Uncertain, fptr(g.ActivityScore), fptr(g.Confidence)))
	k = appendKey(k, g.Diplotypes...)
	k = appendKey(k, g.MissingPositions...)
	k = appendKey(k, g.Novel...)
	k = appendKey(k, g.Notes...)
	p.key = k
	if i, ok := p.callIdx[string(k)]; ok {
		return i
	}
	i := uint32(len(p.callTab))
	p.callTab = append(p.callTab, g)
	p.callIdx[string(k)] = i
	return i
}

// internRec returns the index of r in the recommendation table.
func (p *PGx) internRec(r StoredRec) uint32 {
	k := appendKey(p.key[:0], r.Drug, r.Phenotypes, r.Action, r.Strength, r.Text, r.RuleID, r.Guideline)
	k = appendKey(k, r.Genes...)
	k = appendKey(k, r.Caveats...)
	p.key = k
	if i, ok := p.recIdx[string(k)]; ok {
		return i
	}
	i := uint32(len(p.recTab))
	p.recTab = append(p.recTab, r)
	p.recIdx[string(k)] = i
	return i
}

func appendKey(k []byte, parts ...string) []byte {
	for _, s := range parts {
		k = append(k, s...)
		k = append(k, 0)
	}
	return append(k, 1)
}

func fptr(f *float64) string {
	if f == nil {
		return "-"
	}
	return fmt.Sprint(*f)
}

// Sample returns the biobank sample of a person.
func (p *PGx) Sample(person string) (string, bool) {
	s, ok := p.sampleOf[person]
	return s, ok
}

// People returns the people with annotated results, sorted.
func (p *PGx) People() []string {
	var out []string
	for person, s := range p.sampleOf {
		if p.calls[s] != nil {
			out = append(out, person)
		}
	}
	slices.Sort(out)
	return out
}

// Calls returns the gene calls of a sample (nil when it was not annotated).
// The calls' slices are shared: callers MUST NOT modify them.
func (p *PGx) Calls(sample string) []pharmacogenomics.GeneCall {
	idx := p.calls[sample]
	if idx == nil {
		return nil
	}
	out := make([]pharmacogenomics.GeneCall, len(idx))
	for i, j := range idx {
		out[i] = p.callTab[j]
	}
	return out
}

// Recs returns the precomputed recommendations of a sample; their slices
// are shared and MUST NOT be modified.
func (p *PGx) Recs(sample string) []StoredRec {
	idx := p.recs[sample]
	if idx == nil {
		return nil
	}
	out := make([]StoredRec, len(idx))
	for i, j := range idx {
		out[i] = p.recTab[j]
	}
	return out
}

// Call returns one gene's call of a sample.
func (p *PGx) Call(sample, gene string) (pharmacogenomics.GeneCall, bool) {
	for _, j := range p.calls[sample] {
		if g := p.callTab[j]; g.Gene == gene {
			return g, true
		}
	}
	return pharmacogenomics.GeneCall{}, false
}

// LoadPGx reads the sample links and the current annotation of st.
func LoadPGx(ctx context.Context, st *store.Store) (*PGx, error) { return loadPGx(ctx, st) }

// loadPGx reads the sample links and the current annotation of st.
func loadPGx(ctx context.Context, st *store.Store) (*PGx, error) {
	p := &PGx{sampleOf: map[string]string{}, calls: map[string][]uint32{}, recs: map[string][]uint32{},
		callIdx: map[string]uint32{}, recIdx: map[string]uint32{}}
	type seq struct{ a, b int64 }
	seen := map[string]seq{}
	err := rows.Scan(ctx, st, "biobank_samples", []string{"sample_id", "person_id", "ingest_seq", "row_seq"}, func(r *rows.Row) error {
		s := seq{r.I64(2), r.I64(3)}
		if old, ok := seen[r.Str(0)]; ok && (old.a > s.a || old.a == s.a && old.b > s.b) {
			return nil
		}
		seen[r.Str(0)] = s
		p.sampleOf[r.Str(1)] = r.Str(0)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var sec annotate.Section
	found, err := st.Manifest().Section(annotate.SectionKey, &sec)
	if err != nil {
		return nil, err
	}
	if !found || sec.Current == "" {
		return p, nil
	}
	defer func() { p.callIdx, p.recIdx, p.key = nil, nil, nil }() // only needed while loading
	p.DataVersion = sec.Current
	if err := p.loadCalls(ctx, st); err != nil {
		return nil, err
	}
	return p, p.loadRecs(ctx, st)
}

// currentFiles are the files of table written by the current annotation.
func (p *PGx) currentFiles(st *store.Store, table string) []store.File {
	var out []store.File
	for _, f := range st.Manifest().Tables[table] {
		if strings.HasPrefix(f.Part, p.DataVersion+"#") {
			out = append(out, f)
		}
	}
	return out
}

func (p *PGx) loadCalls(ctx context.Context, st *store.Store) error {
	cols := []string{"sample", "gene", "called", "diplotypes", "phenotype", "activity_score", "phased", "confidence",
		"uncertain", "source", "missing_positions", "novel", "notes"}
	for _, f := range p.currentFiles(st, annotate.TableCalls) {
		err := rows.ScanFile(ctx, st.Path(f), cols, func(r *rows.Row) error {
			g := pharmacogenomics.GeneCall{Gene: r.Str(1), Called: r.Bool(2), Diplotypes: r.Strs(3), Phenotype: r.Str(4),
				ActivityScore: r.F64p(5), Phased: r.Bool(6), Confidence: r.F64p(7), Uncertain: r.Bool(8),
				Source: r.Str(9), MissingPositions: r.Strs(10), Novel: r.Strs(11), Notes: r.Strs(12)}
			s := r.Str(0)
			j := p.internCall(g)
			// A resumed run may write a sample twice: the last row wins.
			if i := slices.IndexFunc(p.calls[s], func(x uint32) bool { return p.callTab[x].Gene == g.Gene }); i >= 0 {
				p.calls[s][i] = j
			} else {
				p.calls[s] = append(p.calls[s], j)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("server: %s: %w", f.Path, err)
		}
	}
	return nil
}

func (p *PGx) loadRecs(ctx context.Context, st *store.Store) error {
	cols := []string{"sample", "drug", "genes", "phenotypes", "action", "strength", "text", "rule_id", "guideline", "caveats"}
	done := map[string]bool{} // samples whose rows came from an earlier file of a resumed run
	for _, f := range p.currentFiles(st, annotate.TableRecommendations) {
		inFile := map[string]bool{}
		err := rows.ScanFile(ctx, st.Path(f), cols, func(r *rows.Row) error {
			s := r.Str(0)
			if done[s] && !inFile[s] {
				p.recs[s] = nil
			}
			inFile[s] = true
			p.recs[s] = append(p.recs[s], p.internRec(StoredRec{Drug: r.Str(1), Genes: r.Strs(2), Phenotypes: r.Str(3), Action: r.Str(4),
				Strength: r.Str(5), Text: r.Str(6), RuleID: r.Str(7), Guideline: r.Str(8), Caveats: r.Strs(9)}))
			return nil
		})
		if err != nil {
			return fmt.Errorf("server: %s: %w", f.Path, err)
		}
		for s := range inFile {
			done[s] = true
		}
	}
	return nil
}

// errNoStore is returned before the first generation is loaded.
var errNoStore = errors.New("server: store not loaded")
