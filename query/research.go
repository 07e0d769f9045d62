package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/store"
)

// Role is who runs queries.
type Role string

const (
	// Researcher sees pseudonymised data of the people whose research
	// consent, in force now and not withdrawn, permits the stated use:
	// genotypes by biobank sample code, PGx results, and clinical facts
	// keyed by sample code with identifiers removed. The sample–person
	// mapping, personal codes, documents and consents are never visible.
	Researcher Role = "researcher"
	// Steward sees every table of the store (biobank data management);
	// each session is logged.
	Steward Role = "steward"
)

// Config say who queries, and for what. The zero value is a researcher
// with no declared use, who sees nobody.
type Config struct {
	Role  Role   // zero value: Researcher
	Actor string // who, for the audit log; required
	// Use is the research use, GA4GH DUO terms (Researcher only).
	Use consent.ResearchUse
	// At is the date the data is about (Researcher only): the extract
	// holds only what was recorded up to it (see asof.go); zero means now.
	// It MUST NOT be after now. Consent is never evaluated at At: it is
	// decided when the session opens, so a withdrawal or a closed record
	// recorded since At holds.
	At time.Time
	// Output is the one file a steward's session may write (CopyParquet);
	// empty means none. A researcher's session writes no file.
	Output string
	// People limits a researcher's session to these personal codes (each
	// still decided and logged; a code with no sample link is ignored);
	// nil means every linked person. A refresh of a materialised research
	// view (package research) builds the rows of the people whose data or
	// consent changed this way.
	People []string
	// Tables limits a researcher's extract to these of its tables (as it
	// names them: "samples", "persons", "conditions", "pgx_calls", ...);
	// nil means every table. The genotypes view and the tables it reads
	// are built only when "genotypes" is named. Consent is decided and
	// withheld data left out as for the whole extract. A materialised
	// research view (package research) reads only what a cohort counts.
	Tables []string
	// Clock gives the decision moment (nil: time.Now). Only the README
	// test's pinned day sets it; access checks the moment against it.
	Clock func() time.Time
}

// now is the decision moment by the configured clock.
func (c Config) now() time.Time {
	if c.Clock == nil {
		return time.Now()
	}
	return c.Clock()
}

// Decided is what a research session decided: the allowed people's
// grants (each an allowed decision, logged) and every decided person's
// linked samples (person → sorted sample codes).
type Decided struct {
	Grants  []access.Grant
	Samples map[string][]string
}

// Decided returns the decisions a research session was built from; nil
// for a steward's session. Callers MUST NOT modify it.
func (e *Engine) Decided() *Decided { return e.decided }

// DecideResearch decides, now, the research access of the people of opt
// (opt.People, or every linked person) for opt.Use as OpenAs does, logs
// each decision, and returns them without building an extract: the
// grants from which a caller builds an access.Permit for the genome
// readers.
func DecideResearch(ctx context.Context, dir string, opt Config) (*Decided, error) {
	if err := access.CheckIdentifier("actor", opt.Actor); err != nil {
		return nil, fmt.Errorf("query: who is asking, for the audit log: %w", err)
	}
	if opt.Role != Researcher && opt.Role != "" {
		return nil, fmt.Errorf("query: DecideResearch is for researchers, not %q", opt.Role)
	}
	if opt.Use.Purpose == "" {
		return nil, errors.New("query: a researcher must state the research use (DUO: GRU, HMB, DS-<ICD-10> or POA)")
	}
	now := opt.now()
	if opt.At.IsZero() {
		opt.At = now
	}
	st, log, err := openWithLog(dir)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	mapping, _, grants, err := researchGrants(ctx, st, log, opt, now)
	if err != nil {
		return nil, err
	}
	return &Decided{Grants: grants, Samples: mapping}, nil
}

// OpenAs opens the store in dir for an actor in a role. Access is decided
// by package access (the one choke point) and logged in the store's audit
// log before any data is visible. A researcher's session runs on an extract
// of only what consent allows, with DuckDB's file access switched off and
// its configuration locked, so SQL cannot reach the store's files.
func OpenAs(ctx context.Context, dir string, opt Config) (*Engine, error) {
	if err := access.CheckIdentifier("actor", opt.Actor); err != nil {
		return nil, fmt.Errorf("query: who is asking, for the audit log: %w", err)
	}
	now := opt.now()
	if opt.At.IsZero() {
		opt.At = now
	}
	if opt.At.After(now) {
		return nil, fmt.Errorf("query: data as of %s is in the future", opt.At.Format(time.DateOnly))
	}
	if opt.Output != "" {
		abs, err := filepath.Abs(opt.Output)
		if err != nil {
			return nil, fmt.Errorf("query: %w", err)
		}
		opt.Output = abs
	}
	st, log, err := openWithLog(dir)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	switch opt.Role {
	case Steward:
		if _, err := access.LogSteward(ctx, st, log, access.StewardAccess{Actor: opt.Actor, Scope: "SQL session over every table", Time: now}); err != nil {
			return nil, err
		}
		return openSteward(ctx, st, opt.Output)
	case Researcher, "":
		return openResearch(ctx, st, log, opt, now)
	}
	return nil, fmt.Errorf("query: role %q: want researcher or steward", opt.Role)
}

// identifying lists clinical columns a researcher never sees.
var identifying = map[string]bool{
	"person_id": true, "resource_id": true, "encounter_id": true, "requester_id": true, "practitioner_id": true,
	"organization_id": true, "author_id": true, "custodian_id": true, "source_value": true, "synthetic_id": true,
	"related_person_id": true, "agent_person_id": true, "document_id": true, "url": true, "fhir": true,
	"ingest": true, "ingest_seq": true, "row_seq": true, "title": true, "description": true, "dosage": true,
	"value_text": true, "source_system": true, "birth_date": true,
}

// researchClinical are the clinical tables a researcher sees, pseudonymised.
var researchClinical = []string{"persons", "conditions", "observations", "medications", "allergies", "encounters"}

// openResearch builds a researcher's session: the files as of opt.At,
// every linked person decided now (researchGrants), then the extract of
// what those decisions allow, and finally every way back to the store
// removed.
func openResearch(ctx context.Context, st *store.Store, log *audit.Log, opt Config, now time.Time) (*Engine, error) {
	if opt.Use.Purpose == "" {
		return nil, errors.New("query: a researcher must state the research use (DUO: GRU, HMB, DS-<ICD-10> or POA)")
	}
	// The files the extract may read: as of a past date, those recorded
	// by then.
	m := st.Manifest()
	past := opt.At.Before(now)
	if past {
		m = recordedBy(m, opt.At)
	}
	mapping, people, grants, err := researchGrants(ctx, st, log, opt, now)
	if err != nil {
		return nil, err
	}
	e, err := newResearchEngine(ctx, st, m)
	if err != nil {
		return nil, err
	}
	e.decided = &Decided{Grants: grants, Samples: mapping}
	x := extract{e: e, m: m, at: opt.At, past: past, only: opt.Tables}
	visible, err := x.build(ctx, mapping, grants)
	if err != nil {
		e.Close()
		return nil, err
	}
	total := 0
	for _, ss := range mapping {
		total += len(ss)
	}
	e.Summary = fmt.Sprintf("researcher %s, use %s, consent decided %s: %d of %d linked samples visible (%d of %d people); unlinked samples and people without research consent are not shown",
		opt.Actor, opt.Use, now.Format(time.DateOnly), visible, total, len(grants), len(people))
	if past {
		e.Summary += asOfSummary(st.Manifest(), m, opt.At)
	}
	return e, nil
}

// newResearchEngine opens the in-memory database of a research session
// with the store's files of m as raw_ views. The extract is built in
// memory (no database file, no WAL that SQL could read back); what does
// not fit spills to a directory only this user can read, removed by Close
// or, after a kill, by the next session.
func newResearchEngine(ctx context.Context, st *store.Store, m *store.Manifest) (*Engine, error) {
	tmp, err := spillDir()
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	db.SetMaxOpenConns(1)
	e := &Engine{tmp: tmp, role: Researcher, db: db}
	stmts := slices.Clone(macros)
	stmts = append(stmts, "SET temp_directory = "+quote(tmp))
	stmts = append(stmts, viewSQLFrom(st, m, "raw_")...)
	stmts = append(stmts, "CREATE TEMP TABLE _map (person_id VARCHAR, sample VARCHAR)")
	if err := e.exec(ctx, stmts...); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// extract builds a research session's tables from its raw_ views.
type extract struct {
	e    *Engine
	m    *store.Manifest
	at   time.Time
	past bool
	only []string // the tables to build; nil: all
}

func (x extract) have(name string) bool { return len(x.m.Tables[name]) > 0 }

// want reports whether the extract builds table name.
func (x extract) want(name string) bool { return x.only == nil || slices.Contains(x.only, name) }

// build fills the extract with what grants allow and returns the number
// of visible samples.
func (x extract) build(ctx context.Context, mapping map[string][]string, grants []access.Grant) (int, error) {
	if err := x.e.withheld(ctx, grants, x.have("documents")); err != nil {
		return 0, err
	}
	visible, err := x.fillMap(ctx, mapping, grants)
	if err != nil {
		return 0, err
	}
	build := x.genomeSQL()
	for _, t := range []string{"pgx_calls", "pgx_phenotypes", "pgx_recommendations", "pgx_changes"} {
		if x.have(t) && x.want(t) {
			build = append(build, fmt.Sprintf("CREATE TABLE %s AS SELECT x.* FROM raw_%s x SEMI JOIN _map m ON m.sample = x.sample", t, t))
		}
	}
	for _, t := range researchClinical {
		if !x.have(t) || !x.want(t) {
			continue
		}
		cols, err := x.e.columns(ctx, "raw_"+t)
		if err != nil {
			return 0, err
		}
		build = append(build, clinicalExtractSQL(t, cols, x.at, x.past, x.have("documents")))
	}
	if err := x.e.exec(ctx, build...); err != nil {
		return 0, err
	}
	return visible, x.seal(ctx)
}

// fillMap inserts the allowed people's samples into _map and returns
// their number.
func (x extract) fillMap(ctx context.Context, mapping map[string][]string, grants []access.Grant) (int, error) {
	var vals []string
	for _, g := range grants {
		for _, smp := range mapping[g.Person] {
			vals = append(vals, "("+quote(g.Person)+", "+quote(smp)+")")
		}
	}
	for start := 0; start < len(vals); start += 1000 {
		if err := x.e.exec(ctx, "INSERT INTO _map VALUES "+strings.Join(vals[start:min(start+1000, len(vals))], ", ")); err != nil {
			return 0, err
		}
	}
	return len(vals), nil
}

// genomeSQL builds the genome tables of the visible samples.
func (x extract) genomeSQL() []string {
	if !x.have("samples") || !x.want("samples") && !x.want("genotypes") {
		return nil
	}
	samples := "CREATE TABLE samples AS SELECT s.* FROM raw_samples s SEMI JOIN _map m ON m.sample = s.sample"
	if !x.want("genotypes") {
		return []string{samples}
	}
	build := []string{
		samples,
		"CREATE TABLE _variants_all AS SELECT * FROM raw_variants",
		"CREATE TABLE _calls AS SELECT c.* FROM raw__calls c SEMI JOIN samples s ON s.batch = c.batch AND s.sample_idx = c.sample_idx",
		"CREATE TABLE _ploidy AS SELECT p.* FROM raw__ploidy p SEMI JOIN samples s ON s.batch = p.batch AND s.sample_idx = p.sample_idx",
		formatSQL,
	}
	build = append(build, visibleVariantsSQL...)
	return append(build, genotypesView)
}

// formatSQL copies the FORMAT lists, which hold every sample of a batch,
// with the values of samples outside the extract blanked (flattened
// lists: a sample owns len/n consecutive values).
const formatSQL = `CREATE TABLE _format AS
WITH ok AS (SELECT batch, list(sample_idx) AS idx FROM samples GROUP BY batch),
n AS (SELECT batch, count(*) AS n FROM raw_samples_all GROUP BY batch)
SELECT f.batch, f.site,
	list_transform(f.gq, (x, i) -> CASE WHEN list_contains(ok.idx, (i - 1) // greatest(len(f.gq) // n.n, 1)) THEN x END) AS gq,
	list_transform(f.dp, (x, i) -> CASE WHEN list_contains(ok.idx, (i - 1) // greatest(len(f.dp) // n.n, 1)) THEN x END) AS dp,
	list_transform(f.ps, (x, i) -> CASE WHEN list_contains(ok.idx, (i - 1) // greatest(len(f.ps) // n.n, 1)) THEN x END) AS ps,
	list_transform(f.ds, (x, i) -> CASE WHEN list_contains(ok.idx, (i - 1) // greatest(len(f.ds) // n.n, 1)) THEN x END) AS ds
FROM raw__format f JOIN ok USING (batch) JOIN n USING (batch)`

// seal removes every way back to the store (raw views, the mapping, file
// access) and locks the configuration.
func (x extract) seal(ctx context.Context) error {
	var drops []string
	res, err := x.e.Run(ctx, "SELECT view_name FROM duckdb_views() WHERE NOT internal AND view_name LIKE 'raw\\_%' ESCAPE '\\'")
	if err != nil {
		return err
	}
	for _, r := range res.Rows {
		drops = append(drops, "DROP VIEW "+quoteIdent(Text(r[0])))
	}
	drops = append(drops, "DROP TABLE _map", "DROP TABLE _closed", "DROP TABLE _hidden_doc", "DROP TABLE _hidden_enc",
		"SET enable_external_access = false", "SET lock_configuration = true")
	return x.e.exec(ctx, drops...)
}

func (e *Engine) columns(ctx context.Context, rel string) ([]string, error) {
	res, err := e.Run(ctx, "SELECT column_name FROM (DESCRIBE "+quoteIdent(rel)+")")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, Text(r[0]))
	}
	return out, nil
}

// withheld fills the temporary tables of what consent withholds from the
// extract although the person is in it: _closed (people whose HIS record
// is closed), _hidden_doc (closed documents) and _hidden_enc (the
// encounters of closed documents). They are dropped with _map.
func (e *Engine) withheld(ctx context.Context, grants []access.Grant, haveDocs bool) error {
	stmts := []string{"CREATE TEMP TABLE _closed (person_id VARCHAR)", "CREATE TEMP TABLE _hidden_doc (person_id VARCHAR, document_id VARCHAR)"}
	var closed, docs []string
	for _, g := range grants {
		if g.Decision.RecordClosed {
			closed = append(closed, "("+quote(g.Person)+")")
		}
		for _, d := range g.Decision.Hidden {
			docs = append(docs, "("+quote(g.Person)+", "+quote(d)+")")
		}
	}
	for start := 0; start < len(closed); start += 1000 {
		stmts = append(stmts, "INSERT INTO _closed VALUES "+strings.Join(closed[start:min(start+1000, len(closed))], ", "))
	}
	for start := 0; start < len(docs); start += 1000 {
		stmts = append(stmts, "INSERT INTO _hidden_doc VALUES "+strings.Join(docs[start:min(start+1000, len(docs))], ", "))
	}
	enc := "CREATE TEMP TABLE _hidden_enc AS SELECT NULL::VARCHAR AS encounter_id WHERE false"
	if haveDocs {
		enc = `CREATE TEMP TABLE _hidden_enc AS SELECT DISTINCT d.encounter_id FROM raw_documents d
JOIN _hidden_doc h ON h.person_id = d.person_id AND h.document_id = d.resource_id WHERE d.encounter_id IS NOT NULL`
	}
	return e.exec(ctx, append(stmts, enc)...)
}

// openWithLog opens the store in dir and its audit log, in which every
// decision of the session is recorded; the caller closes the log.
func openWithLog(dir string) (*store.Store, *audit.Log, error) {
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return nil, nil, err
	}
	log, err := audit.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	return st, log, nil
}
