package server

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
	// lines are the outside-call line references ("(line 123)") of each
	// sample: the tables hold a numbered placeholder instead (lineRefs),
	// so that an outside call's line does not make every call and
	// recommendation of its sample a table entry of its own.
	lines map[string][]string
	// recLined tells, by recTab index, whether the entry holds a line
	// placeholder (most do not, and need no per-sample copy).
	recLined []bool
	// files are the annotation files read, by table, in manifest order;
	// linksPrint names the biobank_samples files sampleOf came from.
	files      map[string][]string
	linksPrint string
}

// callKey spells the fields of g that the call table holds.
func (p *PGx) callKey(g pharmacogenomics.GeneCall) []byte {
	k := p.key[:0]
	k = appendKey(k, g.Gene, g.Phenotype, g.Source, fmt.Sprint(g.Called, g.Phased, g.Uncertain, fptr(g.ActivityScore), fptr(g.Confidence)))
	k = appendKey(k, g.Diplotypes...)
	k = appendKey(k, g.MissingPositions...)
	k = appendKey(k, g.Novel...)
	k = appendKey(k, g.Notes...)
	p.key = k
	return k
}

// internCall returns the index of g in the call table, adding it when new.
func (p *PGx) internCall(g pharmacogenomics.GeneCall) uint32 {
	k := p.callKey(g)
	if i, ok := p.callIdx[string(k)]; ok {
		return i
	}
	i := uint32(len(p.callTab))
	p.callTab = append(p.callTab, cloneCall(g))
	p.callIdx[string(k)] = i
	return i
}

// recKey spells r.
func (p *PGx) recKey(r StoredRec) []byte {
	k := appendKey(p.key[:0], r.Drug, r.Phenotypes, r.Action, r.Strength, r.Text, r.RuleID, r.Guideline)
	k = appendKey(k, r.Genes...)
	k = appendKey(k, r.Caveats...)
	p.key = k
	return k
}

// internRec returns the index of r in the recommendation table.
func (p *PGx) internRec(r StoredRec) uint32 {
	k := p.recKey(r)
	if i, ok := p.recIdx[string(k)]; ok {
		return i
	}
	i := uint32(len(p.recTab))
	r = cloneRec(r)
	p.recTab = append(p.recTab, r)
	p.recLined = append(p.recLined, strings.Contains(r.Text, linePlaceholder) || slices.ContainsFunc(r.Caveats, hasPlaceholder))
	p.recIdx[string(k)] = i
	return i
}

// A row's strings share the memory of the column chunk they were read
// from (store/rows): a string kept from one row would keep its whole
// chunk alive (at 20,000 people 280 MB of the server's 345 MB heap were
// such chunks). What the snapshot keeps is copied: table entries when
// they are added, sample names once per sample and file (canon).

// cloneCall returns g with its own copies of its strings.
func cloneCall(g pharmacogenomics.GeneCall) pharmacogenomics.GeneCall {
	g.Gene, g.Phenotype, g.Source = strings.Clone(g.Gene), strings.Clone(g.Phenotype), strings.Clone(g.Source)
	g.Diplotypes, g.MissingPositions = cloneStrs(g.Diplotypes), cloneStrs(g.MissingPositions)
	g.Novel, g.Notes = cloneStrs(g.Novel), cloneStrs(g.Notes)
	return g
}

// cloneRec returns r with its own copies of its strings.
func cloneRec(r StoredRec) StoredRec {
	for _, f := range []*string{&r.Drug, &r.Phenotypes, &r.Action, &r.Strength, &r.Text, &r.RuleID, &r.Guideline} {
		*f = strings.Clone(*f)
	}
	r.Genes, r.Caveats = cloneStrs(r.Genes), cloneStrs(r.Caveats)
	return r
}

func cloneStrs(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.Clone(s)
	}
	return out
}

// canon returns the copy of a row's sample name that the maps of p hold,
// making it the first time the sample is seen in a file.
func canon(inFile map[string]string, s string) (c string, first bool) {
	if c, ok := inFile[s]; ok {
		return c, false
	}
	c = strings.Clone(s)
	inFile[c] = c
	return c, true
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
		out[i] = p.sampleCall(sample, p.callTab[j])
	}
	return out
}

// Recs returns the precomputed recommendations of a sample; their slices
// are shared and MUST NOT be modified.
func (p *PGx) Recs(sample string) []StoredRec { return p.RecsWhere(sample, nil) }

// RecsWhere returns the precomputed recommendations of a sample for which
// keep (nil: all) is true, as Recs does: nil when the sample was not
// annotated, else a non-nil slice. keep is given the table's entry, whose
// Text and Caveats may hold line placeholders instead of the sample's own
// line references; only the entries kept are made the sample's own (a
// card for one drug need not copy a patient's ~150 recommendations).
func (p *PGx) RecsWhere(sample string, keep func(*StoredRec) bool) []StoredRec {
	idx := p.recs[sample]
	if idx == nil {
		return nil
	}
	out := make([]StoredRec, 0, min(len(idx), 4))
	if keep == nil {
		out = make([]StoredRec, 0, len(idx))
	}
	for _, j := range idx {
		if keep != nil && !keep(&p.recTab[j]) {
			continue
		}
		r := p.recTab[j]
		if p.recLined[j] {
			r = p.sampleRec(sample, r)
		}
		out = append(out, r)
	}
	return out
}

// Call returns one gene's call of a sample.
func (p *PGx) Call(sample, gene string) (pharmacogenomics.GeneCall, bool) {
	for _, j := range p.calls[sample] {
		if g := p.callTab[j]; g.Gene == gene {
			return p.sampleCall(sample, g), true
		}
	}
	return pharmacogenomics.GeneCall{}, false
}

// LoadPGx reads the sample links and the current annotation of st.
func LoadPGx(ctx context.Context, st *store.Store) (*PGx, error) { return loadPGxFrom(ctx, st, nil) }

// AnnotatedPeople returns the people whose sample has recommendations in
// the current annotation of st: the people whose LoadPGx Recs are not
// empty, found from the sample links and the recommendation files' sample
// column alone, without reading or holding the results.
func AnnotatedPeople(ctx context.Context, st *store.Store) (map[string]bool, error) {
	var sec annotate.Section
	found, err := st.Manifest().Section(annotate.SectionKey, &sec)
	if err != nil || !found {
		return map[string]bool{}, err
	}
	p := &PGx{DataVersion: sec.Current}
	if err := p.loadLinks(ctx, st); err != nil {
		return nil, err
	}
	samples := map[string]bool{}
	for _, f := range p.currentFiles(st, annotate.TableRecommendations) {
		err := rows.ScanFile(ctx, st.Path(f), []string{"sample"}, func(r *rows.Row) error {
			samples[r.Str(0)] = true
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("server: %s: %w", f.Path, err)
		}
	}
	out := map[string]bool{}
	for person, s := range p.sampleOf {
		if samples[s] {
			out[person] = true
		}
	}
	return out, nil
}

// loadPGxFrom reads the sample links and the current annotation of st. When
// prev (the previous generation's, or nil) has the same sample links and
// data version and st only adds annotation files to those prev read, prev
// is extended by the new files alone (prev itself is not changed); when it
// adds none, prev is returned.
func loadPGxFrom(ctx context.Context, st *store.Store, prev *PGx) (*PGx, error) {
	links := fingerprint(st.Manifest(), "biobank_samples")
	var sec annotate.Section
	found, err := st.Manifest().Section(annotate.SectionKey, &sec)
	if err != nil {
		return nil, err
	}
	p := &PGx{linksPrint: links, calls: map[string][]uint32{}, recs: map[string][]uint32{},
		callIdx: map[string]uint32{}, recIdx: map[string]uint32{}, files: map[string][]string{}, lines: map[string][]string{}}
	if found {
		p.DataVersion = sec.Current
	}
	if prev != nil && prev.linksPrint == links {
		p.sampleOf = prev.sampleOf // read-only once loaded
		if prev.DataVersion == p.DataVersion && p.grows(st, prev) {
			if p.sameFiles(st, prev) {
				return prev, nil
			}
			p.extendFrom(prev)
		}
	} else if err := p.loadLinks(ctx, st); err != nil {
		return nil, err
	}
	if p.DataVersion == "" {
		return p, nil
	}
	defer func() { p.callIdx, p.recIdx, p.key = nil, nil, nil }() // only needed while loading
	if err := p.loadCalls(ctx, st); err != nil {
		return nil, err
	}
	return p, p.loadRecs(ctx, st)
}

// loadLinks reads the biobank sample of each person.
func (p *PGx) loadLinks(ctx context.Context, st *store.Store) error {
	p.sampleOf = map[string]string{}
	type seq struct{ a, b int64 }
	seen := map[string]seq{}
	return rows.Scan(ctx, st, "biobank_samples", []string{"sample_id", "person_id", "ingest_seq", "row_seq"}, func(r *rows.Row) error {
		s := seq{r.I64(2), r.I64(3)}
		if old, ok := seen[r.Str(0)]; ok && (old.a > s.a || old.a == s.a && old.b > s.b) {
			return nil
		}
		sample := strings.Clone(r.Str(0))
		seen[sample] = s
		p.sampleOf[strings.Clone(r.Str(1))] = sample
		return nil
	})
}

// grows reports whether the current annotation files of st begin with
// the files prev read, table by table.
func (p *PGx) grows(st *store.Store, prev *PGx) bool {
	for _, t := range []string{annotate.TableCalls, annotate.TableRecommendations} {
		cur := p.currentFiles(st, t)
		if len(cur) < len(prev.files[t]) {
			return false
		}
		for i, path := range prev.files[t] {
			if cur[i].Path != path {
				return false
			}
		}
	}
	return true
}

// sameFiles reports whether st has no annotation file prev did not read.
func (p *PGx) sameFiles(st *store.Store, prev *PGx) bool {
	for _, t := range []string{annotate.TableCalls, annotate.TableRecommendations} {
		if len(p.currentFiles(st, t)) != len(prev.files[t]) {
			return false
		}
	}
	return true
}

// extendFrom starts p as a copy of prev that shares prev's data: the maps
// are copied, the tables clipped (so that appending copies them), a
// sample's index list is copied before it changes (loadCalls, loadRecs).
func (p *PGx) extendFrom(prev *PGx) {
	p.calls, p.recs, p.lines = maps.Clone(prev.calls), maps.Clone(prev.recs), maps.Clone(prev.lines)
	p.callTab, p.recTab, p.recLined = slices.Clip(prev.callTab), slices.Clip(prev.recTab), slices.Clip(prev.recLined)
	for t, fs := range prev.files {
		p.files[t] = slices.Clone(fs)
	}
	for i, g := range p.callTab {
		p.callIdx[string(p.callKey(g))] = uint32(i)
	}
	for i, r := range p.recTab {
		p.recIdx[string(p.recKey(r))] = uint32(i)
	}
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

// newFiles are the current files of table that p has not read yet, which
// it records as read.
func (p *PGx) newFiles(st *store.Store, table string) []store.File {
	cur := p.currentFiles(st, table)[len(p.files[table]):]
	for _, f := range cur {
		p.files[table] = append(p.files[table], f.Path)
	}
	return cur
}

func (p *PGx) loadCalls(ctx context.Context, st *store.Store) error {
	cols := []string{"sample", "gene", "called", "diplotypes", "phenotype", "activity_score", "phased", "confidence",
		"uncertain", "source", "missing_positions", "novel", "notes"}
	for _, f := range p.newFiles(st, annotate.TableCalls) {
		inFile := map[string]string{}
		err := rows.ScanFile(ctx, st.Path(f), cols, func(r *rows.Row) error {
			s, first := canon(inFile, r.Str(0))
			g := pharmacogenomics.GeneCall{Gene: r.Str(1), Called: r.Bool(2), Diplotypes: r.Strs(3), Phenotype: r.Str(4),
				ActivityScore: r.F64p(5), Phased: r.Bool(6), Confidence: r.F64p(7), Uncertain: r.Bool(8),
				Source: r.Str(9), MissingPositions: r.Strs(10), Novel: r.Strs(11), Notes: p.generalStrs(s, r.Strs(12))}
			if first { // the list may be an earlier generation's: change a copy
				p.calls[s] = slices.Clone(p.calls[s])
			}
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
	for _, f := range p.newFiles(st, annotate.TableRecommendations) {
		inFile := map[string]string{}
		err := rows.ScanFile(ctx, st.Path(f), cols, func(r *rows.Row) error {
			s, first := canon(inFile, r.Str(0))
			if first { // a later file holds all of a sample's rows again (a resumed run)
				p.recs[s] = nil
			}
			p.recs[s] = append(p.recs[s], p.internRec(StoredRec{Drug: r.Str(1), Genes: r.Strs(2), Phenotypes: r.Str(3), Action: r.Str(4),
				Strength: r.Str(5), Text: p.general(s, r.Str(6)), RuleID: r.Str(7), Guideline: r.Str(8), Caveats: p.generalStrs(s, r.Strs(9))}))
			return nil
		})
		if err != nil {
			return fmt.Errorf("server: %s: %w", f.Path, err)
		}
	}
	return nil
}

// errNoStore is returned before the first generation is loaded.
var errNoStore = errors.New("server: store not loaded")
