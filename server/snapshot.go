package server

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// Snapshot is one committed store generation as the server answers from
// it: everything is read from the same manifest, so a request never sees
// half of a generation. It is immutable once built.
type Snapshot struct {
	Generation int64
	Committed  time.Time
	Store      *store.Store
	Decider    *access.Decider
	Register   identity.Register
	PGx        *PGx
	Drugs      *DrugIndex
	Rules      *rules.Engine
	// DrugNames are the drug names of the rules and of the store's
	// records, sorted; Populations the patient group of each rule id.
	DrugNames   []string
	Populations map[string]string
	// RuleDrugs are the drugs with PGx rules, sorted.
	RuleDrugs []string

	drugPrint, recordsPrint string
}

// DrugIndex recognises drugs by code: RxNorm and ATC codes are mapped to
// the ingredient names the rules use, from the codes the store's
// medication records carry, and ATC codes also through an optional lookup
// (the guideline data's drug ↔ ATC table, when available).
type DrugIndex struct {
	rxnorm map[string]string
	atc    map[string]string
	// ATC, when set, is asked for ATC codes the store does not know.
	ATC func(code string) (string, bool)
}

// Names returns the drug names the index knows together with extra, sorted
// and without duplicates.
func (d *DrugIndex) Names(extra []string) []string {
	out := slices.Clone(extra)
	for _, n := range d.rxnorm {
		out = append(out, n)
	}
	for _, n := range d.atc {
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ByRxNorm returns the drug of an RxNorm code.
func (d *DrugIndex) ByRxNorm(code string) (string, bool) {
	n, ok := d.rxnorm[code]
	return n, ok
}

// ByATC returns the drug of an ATC code.
func (d *DrugIndex) ByATC(code string) (string, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if n, ok := d.atc[code]; ok {
		return n, true
	}
	if d.ATC != nil {
		return d.ATC(code)
	}
	return "", false
}

func loadDrugIndex(ctx context.Context, st *store.Store, atc func(string) (string, bool)) (*DrugIndex, error) {
	d := &DrugIndex{rxnorm: map[string]string{}, atc: map[string]string{}, ATC: atc}
	err := rows.Scan(ctx, st, "medications", []string{"drug", "rxnorm", "atc"}, func(r *rows.Row) error {
		drug := r.Str(0)
		if drug == "" || strings.Contains(drug, "/") {
			return nil
		}
		if c := r.Str(1); c != "" {
			d.rxnorm[c] = drug
		}
		if c := r.Str(2); c != "" {
			d.atc[strings.ToUpper(c)] = drug
		}
		return nil
	})
	return d, err
}

// fingerprint names the files of tables in m, so that a part of a
// snapshot is reused when none of its tables changed.
func fingerprint(m *store.Manifest, tables ...string) string {
	var b strings.Builder
	for _, t := range tables {
		b.WriteString(t)
		for _, f := range m.Tables[t] {
			b.WriteString("\x00" + f.Path + "\x01" + f.Part)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// recordsFingerprint names every table file and manifest section of m
// except those of `varamu annotate` and of the research answers and views:
// what the access directory and the practitioner register may be read
// from. A commit that only adds annotation results, a research answer, a
// refreshed research view (or nothing) keeps them.
func recordsFingerprint(m *store.Manifest) string {
	var tables, sections []string
	for t := range m.Tables {
		if !slices.Contains(annotateTables, t) && !slices.Contains(researchTables, t) {
			tables = append(tables, t)
		}
	}
	for k := range m.Sections {
		if k != annotate.SectionKey && !slices.Contains(researchTables, k) {
			sections = append(sections, k)
		}
	}
	slices.Sort(tables)
	slices.Sort(sections)
	var b strings.Builder
	b.WriteString(fingerprint(m, tables...))
	for _, k := range sections {
		b.WriteString(k + "\x00")
		b.Write(m.Sections[k])
		b.WriteString("\n")
	}
	return b.String()
}

var (
	annotateTables = []string{annotate.TableCalls, annotate.TablePhenotypes, annotate.TableRecommendations, annotate.TableChanges}
	drugTables     = []string{"medications"}
	// researchTables are package research's TableAnswers and TableViews
	// (the views' state is the manifest section of TableViews' name),
	// written at every new research answer and view refresh; they never
	// change a record (package server does not import research, which
	// brings DuckDB).
	researchTables = []string{"research_answers", "research_views"}
)

// loadSnapshot reads the store's current generation; parts whose tables
// did not change since prev are taken from prev, and annotation results
// that only grew by new files are read from those files alone (PGx.extend),
// so that a commit of `varamu annotate` is served in about the time of
// reading its own results.
func loadSnapshot(ctx context.Context, dir string, log *audit.Log, eng *rules.Engine, atc func(string) (string, bool), prev *Snapshot) (*Snapshot, error) {
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return nil, err
	}
	m := st.Manifest()
	s := &Snapshot{Generation: m.Generation, Committed: m.Committed, Store: st, Rules: eng}
	s.recordsPrint, s.drugPrint = recordsFingerprint(m), fingerprint(m, drugTables...)
	if prev != nil && prev.recordsPrint == s.recordsPrint {
		s.Decider, s.Register = prev.Decider, prev.Register
	} else if err := s.loadRecords(ctx, log); err != nil {
		return nil, err
	}
	var prevPGx *PGx
	if prev != nil {
		prevPGx = prev.PGx
	}
	if s.PGx, err = loadPGxFrom(ctx, st, prevPGx); err != nil {
		return nil, err
	}
	if prev != nil && prev.drugPrint == s.drugPrint {
		s.Drugs = prev.Drugs
	} else if s.Drugs, err = loadDrugIndex(ctx, st, atc); err != nil {
		return nil, err
	}
	s.RuleDrugs = eng.Drugs()
	s.DrugNames = s.Drugs.Names(s.RuleDrugs)
	s.Populations = map[string]string{}
	for _, r := range eng.File().Rules {
		s.Populations[r.ID] = r.Population
	}
	return s, nil
}

// loadRecords builds the access decider and the practitioner register
// from the clinical tables of s.Store.
func (s *Snapshot) loadRecords(ctx context.Context, log *audit.Log) error {
	dir, err := access.LoadDirectory(ctx, s.Store)
	if err != nil {
		return fmt.Errorf("server: access directory: %w", err)
	}
	if s.Decider, err = access.New(dir, log); err != nil {
		return err
	}
	pracs, err := clinical.Practitioners(ctx, s.Store)
	if err != nil {
		return fmt.Errorf("server: practitioner register: %w", err)
	}
	s.Register = identity.NewMemRegister(pracs)
	return nil
}

// manifestStamp identifies the committed manifest file: it changes on every
// commit (a new file is renamed into place).
func manifestStamp(dir string) (string, error) {
	fi, err := os.Stat(filepath.Join(dir, "manifest.json"))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d/%d", fi.ModTime().UnixNano(), fi.Size()), nil
}
