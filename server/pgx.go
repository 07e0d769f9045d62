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
// text, often the same whole list of them), so each distinct gene call and
// recommendation is held once, each distinct list of them once, and a
// sample holds the ids of its lists. Names and lists are flat interned
// tables (seqTab) and the by-sample arrays hold ids, not pointers: at
// 200,000 people the results are ~60 MB in a few dozen objects, which the
// collector marks in no time, where maps of strings and slices were
// ~300 MB in millions of objects, marked on every cycle while serving.
type PGx struct {
	DataVersion string
	// samples are the sample names (a sample's id indexes the by-sample
	// arrays), persons the people, personSample each person's sample id.
	samples, persons names
	personSample     []uint32
	// By sample id, 1 + the id of the sample's list in callLists,
	// recLists and lineLists (0: none, not annotated).
	sampleCalls, sampleRecs, sampleLines []uint32
	// callLists and recLists hold indexes into callTab and recTab,
	// lineLists ids in lineRefs.
	callLists, recLists, lineLists seqTab[uint32]
	callTab                        []pharmacogenomics.GeneCall
	recTab                         []StoredRec
	// lineRefs are the outside-call line references ("(line 123)") of
	// the samples: the tables hold a numbered placeholder instead (see
	// pgxlines.go), the K-th of a sample's lineLists entry, so that an
	// outside call's line does not make every call and recommendation
	// of its sample a table entry of its own.
	lineRefs names
	// recLined tells, by recTab index, whether the entry holds a line
	// placeholder (most do not, and need no per-sample copy); recDrug is
	// the entry's drug's number in drugIDs (RecsOfDrug).
	recLined []bool
	recDrug  []uint32
	drugIDs  map[string]uint32
	// files are the annotation files read, by table, in manifest order;
	// linksPrint names the biobank_samples files the people came from.
	files      map[string][]string
	linksPrint string
}

// list returns the list of by (a by-sample array) for sample id sid in
// tab, nil when none.
func list(tab *seqTab[uint32], by []uint32, sid uint32) []uint32 {
	if int(sid) >= len(by) || by[sid] == 0 {
		return nil
	}
	return tab.At(by[sid] - 1)
}

// A row's strings share the memory of the column chunk they were read
// from (store/rows): a string kept from one row would keep its whole
// chunk alive (at 20,000 people 280 MB of the server's 345 MB heap were
// such chunks). What the snapshot keeps is copied: table entries when
// they are added, names into their flat tables.

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

// Sample returns the biobank sample of a person.
func (p *PGx) Sample(person string) (string, bool) {
	pid, ok := p.persons.ID(person)
	if !ok {
		return "", false
	}
	return p.samples.Name(p.personSample[pid]), true
}

// People returns the people with annotated results, sorted.
func (p *PGx) People() []string {
	var out []string
	for pid, sid := range p.personSample {
		if list(&p.callLists, p.sampleCalls, sid) != nil {
			out = append(out, p.persons.Name(uint32(pid)))
		}
	}
	slices.Sort(out)
	return out
}

// Calls returns the gene calls of a sample (nil when it was not annotated).
// The calls' slices are shared: callers MUST NOT modify them.
func (p *PGx) Calls(sample string) []pharmacogenomics.GeneCall { return p.CallsWhere(sample, nil) }

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
	sid, found := p.samples.ID(sample)
	idx := list(&p.recLists, p.sampleRecs, sid)
	if !found || idx == nil {
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
		out = append(out, p.recOf(sid, j))
	}
	return out
}

// recOf returns recommendation table entry j as sample sid's own (its line
// references filled in when the entry holds placeholders).
func (p *PGx) recOf(sid, j uint32) StoredRec {
	if p.recLined[j] {
		return p.sampleRec(sid, p.recTab[j])
	}
	return p.recTab[j]
}

// Call returns one gene's call of a sample.
func (p *PGx) Call(sample, gene string) (pharmacogenomics.GeneCall, bool) {
	sid, found := p.samples.ID(sample)
	if !found {
		return pharmacogenomics.GeneCall{}, false
	}
	for _, j := range list(&p.callLists, p.sampleCalls, sid) {
		if g := p.callTab[j]; g.Gene == gene {
			return p.sampleCall(sid, g), true
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
	b := newPGxBuild(&PGx{DataVersion: sec.Current}, nil)
	if err := b.loadLinks(ctx, st); err != nil {
		return nil, err
	}
	p := b.p
	withRecs := make([]bool, p.samples.Len())
	for _, f := range p.currentFiles(st, annotate.TableRecommendations) {
		err := rows.ScanFile(ctx, st.Path(f), []string{"sample"}, func(r *rows.Row) error {
			if sid, ok := p.samples.ID(r.Str(0)); ok {
				withRecs[sid] = true
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("server: %s: %w", f.Path, err)
		}
	}
	out := map[string]bool{}
	for pid, sid := range p.personSample {
		if withRecs[sid] {
			out[p.persons.Name(uint32(pid))] = true
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
	p := &PGx{linksPrint: links, files: map[string][]string{}}
	if found {
		p.DataVersion = sec.Current
	}
	var b *pgxBuild
	if prev != nil && prev.linksPrint == links {
		if prev.DataVersion == p.DataVersion && p.grows(st, prev) {
			if p.sameFiles(st, prev) {
				return prev, nil
			}
			p.extendFrom(prev)
		} else {
			p.samples, p.persons, p.personSample = prev.samples, prev.persons, prev.personSample // read-only once loaded
		}
		b = newPGxBuild(p, prev)
	} else {
		b = newPGxBuild(p, nil)
		if err := b.loadLinks(ctx, st); err != nil {
			return nil, err
		}
	}
	if p.DataVersion == "" {
		b.finish()
		return p, nil
	}
	if err := b.loadCalls(ctx, st); err != nil {
		return nil, err
	}
	if err := b.loadRecs(ctx, st); err != nil {
		return nil, err
	}
	b.finish()
	return p, nil
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

// extendFrom starts p as a copy of prev that shares prev's data, which
// the build clones before it changes any of it (pgxBuild).
func (p *PGx) extendFrom(prev *PGx) {
	files := p.files
	*p = *prev
	p.files = files
	for t, fs := range prev.files {
		p.files[t] = slices.Clone(fs)
	}
	p.callTab, p.recTab, p.recLined = slices.Clip(prev.callTab), slices.Clip(prev.recTab), slices.Clip(prev.recLined)
	p.recDrug, p.drugIDs = nil, nil // made again by the build's finish
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

// errNoStore is returned before the first generation is loaded.
var errNoStore = errors.New("server: store not loaded")
