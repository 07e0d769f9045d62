// Package query runs SQL over a varamu store with DuckDB (duckdb-go,
// embedded; no extension is downloaded at run time).
//
// Open installs one view per store table over its Parquet files, and the
// genome views:
//
//	samples    (batch, sample_idx, sample)        live samples only
//	variants   (batch, site, alt_index, n_alts, chrom, pos, end, id, ref,
//	            alt, qual, filter, info, block, default_gt)
//	genotypes  (sample, batch, chrom, pos, end, id, ref, alt, alt_index,
//	            gt, phased, dosage, gq, dp, ps, ds) — long form, one row per
//	            sample and ALT allele (as bcftools norm -m- splits), hom-ref
//	            genotypes included; gt is the original, unsplit VCF genotype
//	            ("1/2") and dosage the count of this ALT (NULL if missing).
//	pgx_calls, pgx_phenotypes, pgx_recommendations, pgx_changes
//	            rows of the current annotation data version (varamu
//	            annotate); NAME_all views keep every version.
//
// Macros gt_text(code) and gt_dosage(code, alt_index) decode the store's
// genotype codes (genome.EncodeGT). A steward's query of genotypes whose
// WHERE names chrom = 'text' (and optionally bounds pos) reads only the
// calls and format rows of those sites (sitefilter.go). DuckDB is used only
// in this package.
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
	"sync"

	_ "github.com/duckdb/duckdb-go/v2" // registers the "duckdb" driver

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/store"
)

// Engine is a DuckDB connection with the store's views installed.
type Engine struct {
	db      *sql.DB
	tmp     string // private spill directory of a research session, removed by Close
	role    Role
	output  string     // the one file a steward session may write ("" none)
	Summary string     // what the caller may see, in words (research mode)
	decided *Decided   // a research session's decisions (research mode)
	batches []string   // genome batch IDs in view order (steward; narrowSites)
	narrow  sync.Mutex // one narrowed query at a time: the site variables are the connection's
}

// dsn opens an in-memory DuckDB database that never installs or loads an
// extension by itself (no download, whatever the SQL asks for).
const dsn = "?autoinstall_known_extensions=false&autoload_known_extensions=false&allow_community_extensions=false"

// openSteward opens the steward's view of the store: every view, read
// through DuckDB with file access confined to the files the manifest names
// and to output (the one file CopyParquet may write; "" for none), and the
// configuration locked. Callers MUST have logged the access (OpenAs does).
func openSteward(ctx context.Context, st *store.Store, output string) (*Engine, error) {
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	db.SetMaxOpenConns(1) // views and macros live in one connection's catalog
	e := &Engine{db: db, role: Steward, output: output}
	var sec genotypes.Section
	st.Manifest().Section(genotypes.SectionKey, &sec)
	for _, b := range sec.Batches {
		e.batches = append(e.batches, b.ID)
	}
	if err := e.exec(ctx, viewSQL(st)...); err != nil {
		db.Close()
		return nil, err
	}
	if err := e.exec(ctx, confineSQL(st, output)...); err != nil {
		db.Close()
		return nil, err
	}
	return e, nil
}

// confineSQL switches off file access except to the store's committed
// files and output, and locks the configuration so SQL cannot undo it.
func confineSQL(st *store.Store, output string) []string {
	var paths []string
	for _, files := range st.Manifest().Tables {
		for _, f := range files {
			paths = append(paths, quote(st.Path(f)))
		}
	}
	if output != "" {
		paths = append(paths, quote(output))
	}
	slices.Sort(paths)
	return []string{
		"SET allowed_paths = [" + strings.Join(paths, ", ") + "]",
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	}
}

func (e *Engine) exec(ctx context.Context, stmts ...string) error {
	for _, stmt := range stmts {
		if _, err := e.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("query: %w\n%s", err, stmt)
		}
	}
	return nil
}

// Close closes the database and removes a research session's spill
// directory.
func (e *Engine) Close() error {
	err := e.db.Close()
	if e.tmp != "" {
		os.RemoveAll(e.tmp)
	}
	return err
}

// DB returns the database for callers that run their own statements.
func (e *Engine) DB() *sql.DB { return e.db }

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func fileList(st *store.Store, files []store.File) string {
	var q []string
	for _, f := range files {
		q = append(q, quote(st.Path(f)))
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// macros decode genotype codes; see genome.EncodeGT.
var macros = []string{
	`CREATE MACRO gt_a1(code) AS (code & 4095) - 1`,
	`CREATE MACRO gt_a2(code) AS CASE WHEN ((code >> 12) & 4095) = 4095 THEN NULL ELSE ((code >> 12) & 4095) - 1 END`,
	`CREATE MACRO gt_text(code) AS CASE WHEN (code & 33554432) <> 0 THEN NULL ELSE
		(CASE WHEN gt_a1(code) < 0 THEN '.' ELSE gt_a1(code)::VARCHAR END) ||
		(CASE WHEN ((code >> 12) & 4095) = 4095 THEN '' ELSE
			(CASE WHEN ((code >> 24) & 1) = 1 THEN '|' ELSE '/' END) ||
			(CASE WHEN gt_a2(code) < 0 THEN '.' ELSE gt_a2(code)::VARCHAR END) END) END`,
	`CREATE MACRO gt_haploid(code) AS CASE WHEN (code & 33554432) <> 0 THEN code ELSE (code & 4095) | (4095 << 12) END`,
	// _calls_code decodes the code of the sample at offset off of a calls
	// row (genotypes.callsSchema): listed, or a level of the dense plane
	// (word, the row's plane word holding off: _calls_word); NULL when the
	// sample has its site's expected genotype.
	`CREATE MACRO _calls_code(word, levels, samples, codes, off) AS CASE
		WHEN coalesce(list_position(samples, off), 0) > 0 THEN codes[list_position(samples, off)]
		WHEN word IS NOT NULL AND ((word >> ((off % 32) * 2)) & 3) > 0
			THEN levels[((word >> ((off % 32) * 2)) & 3)::INTEGER] END`,
	// _calls_offsets turns a calls row's gap-coded samples list (layout 7:
	// the first block offset, then each one's distance from the one
	// before) back into the offsets.
	`CREATE MACRO _calls_offsets(gaps) AS list_transform(range(1, len(gaps) + 1), lambda i: list_sum(gaps[1:i])::INTEGER)`,
	// _calls_word picks the plane column holding block offset off (no
	// list is built per row: a query over 200,000 samples decodes 200,000
	// offsets).
	`CREATE MACRO _calls_word(` + planeArgs + `, off) AS CASE off // 32 ` + planeCases + ` END`,
	`CREATE MACRO gt_dosage(code, k) AS CASE WHEN (code & 33554432) <> 0 OR gt_a1(code) < 0 OR coalesce(gt_a2(code), 0) < 0 THEN NULL
		ELSE (gt_a1(code) = k)::INTEGER + coalesce((gt_a2(code) = k)::INTEGER, 0) END`,
}

// viewSQL returns the statements that install the macros and the store's
// views.
func viewSQL(st *store.Store) []string {
	return append(slices.Clone(macros), viewSQLPrefixed(st, "")...)
}

// genotypesSQL is the long genotypes view over the views (or tables)
// samples, variants, _calls, _format and _ploidy, each name prefixed by %[1]s.
const genotypesSQL = `CREATE VIEW %[1]sgenotypes AS
SELECT sample, batch, chrom, pos, "end", id, ref, alt, alt_index,
	gt_text(code) AS gt, ((code >> 24) & 1) = 1 AS phased, gt_dosage(code, alt_index) AS dosage,
	gq, dp, ps, ds
FROM (
SELECT s.sample, v.batch, v.chrom, v.pos, v."end", v.id, v.ref, v.alt, v.alt_index,
	coalesce(xor(c.code, v.default_gt & 16777216), CASE WHEN v.site >= p.from_site THEN gt_haploid(v.default_gt) ELSE v.default_gt END) AS code,
	nullif(f.gq[s.sample_idx + 1], -1) AS gq,
	nullif(f.dp[s.sample_idx + 1], -1) AS dp,
	nullif(f.ps[s.sample_idx + 1], 0) AS ps,
	CASE WHEN isnan(f.ds[s.sample_idx * v.n_alts + v.alt_index]) THEN NULL ELSE f.ds[s.sample_idx * v.n_alts + v.alt_index] END AS ds
FROM %[1]svariants v
JOIN %[1]ssamples s ON s.batch = v.batch
LEFT JOIN %[1]s_calls c ON c.batch = v.batch AND c.site = v.site AND c.sample_idx = s.sample_idx
LEFT JOIN %[1]s_format f ON f.batch = v.batch AND f.site = v.site
LEFT JOIN %[1]s_ploidy p ON p.batch = v.batch AND p.chrom = v.chrom AND p.sample_idx = s.sample_idx)`

// callsSQL decodes the rows of calls files (genotypes.callsSchema, layout
// 7, its samples lists gap-decoded by _calls_rows, its plane columns gathered into one list dense) over the view %[1]s into one row per exception (batch, sample_idx,
// site, code): the listed samples of every row, and the samples whose
// 2-bit value in a dense row names one of the row's levels.
var callsSQL = `SELECT batch, sample_from + unnest(samples) AS sample_idx, site, unnest(codes) AS code FROM %[1]s
UNION ALL
SELECT batch, sample_from + i AS sample_idx, site, levels[v] AS code FROM (
	SELECT batch, sample_from, site, levels, i, ((dense[i // 32 + 1] >> ((i %% 32) * 2)) & 3)::INTEGER AS v
	FROM (SELECT *, unnest(range(len(dense) * 32)) AS i FROM (SELECT *, ` + planeList + ` AS dense FROM %[1]s) WHERE dense IS NOT NULL))
WHERE v > 0`

// genotypesView is the genotypes view over unprefixed names, reading the
// exceptions of a _calls table (a research extract's, of its samples).
var genotypesView = fmt.Sprintf(genotypesSQL, "")

// genotypesRowsSQL is genotypesSQL reading the calls rows themselves: each
// (site, sample) pair is joined to its block's row and decoded there
// (_calls_code), so a query about a few positions reads the rows but
// expands no dense plane (the _calls view expands every plane of the
// store before the join). A research extract cannot use it: a row holds
// every sample of its block.
var genotypesRowsSQL = strings.NewReplacer(
	"LEFT JOIN %[1]s_calls c ON c.batch = v.batch AND c.site = v.site AND c.sample_idx = s.sample_idx",
	fmt.Sprintf("LEFT JOIN %%[1]s_calls_rows c ON c.batch = v.batch AND c.site = v.site AND c.sample_from = s.sample_idx - s.sample_idx %%%% %d", genotypes.SamplesPerBlock),
	"xor(c.code, v.default_gt & 16777216)",
	"xor(_calls_code(_calls_word("+strings.ReplaceAll(planeArgs, "plane", "c.plane")+", s.sample_idx - c.sample_from), c.levels, c.samples, c.codes, s.sample_idx - c.sample_from), v.default_gt & 16777216)",
).Replace(genotypesSQL)

// The plane columns of a calls row (plane0, …, plane7: null in a sparse
// row): planeArgs lists them, planeCases picks word k of them (WHEN k
// THEN planek), planeList gathers them into one list (null for a sparse
// row).
var planeArgs, planeCases, planeList = func() (string, string, string) {
	var w, c []string
	for k := range genotypes.SamplesPerBlock / 32 {
		w = append(w, fmt.Sprintf("plane%d", k))
		c = append(c, fmt.Sprintf("WHEN %d THEN plane%d", k, k))
	}
	args := strings.Join(w, ", ")
	return args, strings.Join(c, " "), "CASE WHEN plane0 IS NULL THEN NULL ELSE [" + args + "] END"
}()

// viewSQLPrefixed returns the statements that install the store's views,
// each view name prefixed (the research extract reads the store through
// raw_ views and then drops them).
func viewSQLPrefixed(st *store.Store, prefix string) []string {
	return viewSQLFrom(st, st.Manifest(), prefix)
}

// viewSQLFrom is viewSQLPrefixed over the tables of m (a research extract
// as of a past date passes the files recorded by then).
func viewSQLFrom(st *store.Store, m *store.Manifest, prefix string) []string {
	var out []string
	view := func(name, body string) string { return "CREATE VIEW " + quoteIdent(prefix+name) + " AS " + body }
	var sec genotypes.Section
	m.Section(genotypes.SectionKey, &sec)
	genomeTables := map[string]bool{genotypes.TableVariants: true, genotypes.TableSamples: true, genotypes.TableCalls: true, genotypes.TableFormat: true, genotypes.TablePloidy: true, genotypes.TableSiteCalls: true}
	perBatch := func(table, cols string, extra func(i int, b genotypes.Batch) string) string {
		var parts []string
		for i, b := range sec.Batches {
			// One scan of the batch's files (a batch of 200,000 samples has
			// 196 calls files: as a UNION of one scan each, binding and
			// planning a query took seconds).
			var files []store.File
			for _, f := range m.Tables[table] {
				if f.Part == b.ID {
					files = append(files, f)
				}
			}
			if len(files) > 0 {
				parts = append(parts, fmt.Sprintf("SELECT %s AS batch, %s FROM read_parquet(%s)%s", quote(b.ID), cols, fileList(st, files), extra(i, b)))
			}
		}
		return strings.Join(parts, "\nUNION ALL ")
	}
	none := func(int, genotypes.Batch) string { return "" }
	sites := func(i int, _ genotypes.Batch) string { return siteWhere(i) }
	if len(sec.Batches) > 0 && len(m.Tables[genotypes.TableSamples]) > 0 && len(m.Tables[genotypes.TableVariants]) > 0 {
		out = append(out,
			view("samples_all", perBatch(genotypes.TableSamples, "sample_idx, sample", none)),
			view("samples", perBatch(genotypes.TableSamples, "sample_idx, sample", func(_ int, b genotypes.Batch) string {
				if len(b.Superseded) == 0 {
					return ""
				}
				var q []string
				for _, s := range b.Superseded {
					q = append(q, quote(s))
				}
				return " WHERE sample NOT IN (" + strings.Join(q, ", ") + ")"
			})),
			view("variants", perBatch(genotypes.TableVariants, "*", none)),
			view("_calls_rows", perBatch(genotypes.TableCalls, "site, sample_from, "+planeArgs+", levels, _calls_offsets(samples) AS samples, codes", sites)),
			view("_calls", fmt.Sprintf(callsSQL, quoteIdent(prefix+"_calls_rows"))),
		)
		fmtView := "SELECT NULL::VARCHAR AS batch, NULL::INTEGER AS site, NULL::INTEGER[] AS gq, NULL::INTEGER[] AS dp, NULL::BIGINT[] AS ps, NULL::FLOAT[] AS ds WHERE false"
		if len(m.Tables[genotypes.TableFormat]) > 0 {
			fmtView = perBatch(genotypes.TableFormat, "site, gq, dp, ps, ds", sites)
		}
		ploidyView := "SELECT NULL::VARCHAR AS batch, NULL::VARCHAR AS chrom, NULL::INTEGER AS from_site, NULL::INTEGER AS sample_idx WHERE false"
		if len(m.Tables[genotypes.TablePloidy]) > 0 {
			ploidyView = perBatch(genotypes.TablePloidy, "chrom, from_site, sample_idx", none)
		}
		out = append(out, view("_format", fmtView), view("_ploidy", ploidyView), fmt.Sprintf(genotypesRowsSQL, prefix))
	}
	var pgx annotate.Section
	m.Section(annotate.SectionKey, &pgx)
	for _, name := range m.TableNames() {
		if genomeTables[name] {
			continue
		}
		src := fmt.Sprintf("read_parquet(%s, union_by_name = true)", fileList(st, m.Tables[name]))
		if cur, ok := clinical.Views[name]; ok {
			// Clinical tables: the view is the current state (last write
			// wins per key); NAME_all keeps every row ingested.
			out = append(out, view(name+"_all", "SELECT * FROM "+src))
			out = append(out, view(name, strings.ReplaceAll(cur, "{{"+name+"}}", quoteIdent(prefix+name+"_all"))))
			continue
		}
		if strings.HasPrefix(name, "pgx_") && pgx.Current != "" {
			// Annotation tables: the view shows the current data version;
			// NAME_all keeps every version.
			out = append(out, view(name+"_all", "SELECT * FROM "+src))
			if name != annotate.TableChanges {
				src += " WHERE data_version = " + quote(pgx.Current)
			} else {
				src += " WHERE new_version = " + quote(pgx.Current)
			}
		}
		out = append(out, view(name, "SELECT * FROM "+src))
	}
	return out
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Result is a fully read query result.
type Result struct {
	Columns []string
	Rows    [][]any
}

// Run runs one SQL statement and reads all its rows. A steward's session
// runs one read-only statement (SELECT, FROM, WITH, DESCRIBE, SHOW,
// SUMMARIZE, VALUES): COPY, ATTACH, INSTALL, SET and the like are refused,
// so steward SQL reads the store's files and writes none.
func (e *Engine) Run(ctx context.Context, q string) (*Result, error) {
	if e.role == Steward {
		if err := e.readOnly(ctx, q); err != nil {
			return nil, err
		}
		e.narrow.Lock()
		defer e.narrow.Unlock()
		reset, err := e.narrowSites(ctx, q)
		if err != nil {
			return nil, err
		}
		res, err := e.run(ctx, q)
		return res, errors.Join(err, reset())
	}
	return e.run(ctx, q)
}

// ErrNotReadOnly is returned by a steward's Run for a statement that is not
// one read-only query.
var ErrNotReadOnly = errors.New("query: a steward session runs one read-only query (SELECT); use --format parquet -o FILE to write")

// readOnly checks that q is exactly one SELECT-like statement, with
// DuckDB's own parser (json_serialize_sql accepts SELECT statements only).
func (e *Engine) readOnly(ctx context.Context, q string) error {
	var failed bool
	var n sql.NullInt64
	err := e.db.QueryRowContext(ctx, `SELECT coalesce(json_extract_string(j, '$.error')::BOOLEAN, false), json_array_length(j, '$.statements')
FROM (SELECT json_serialize_sql($1::VARCHAR) AS j)`, q).Scan(&failed, &n)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	if failed || !n.Valid || n.Int64 != 1 {
		return ErrNotReadOnly
	}
	return nil
}

func (e *Engine) run(ctx context.Context, q string) (*Result, error) {
	rows, err := e.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res := &Result{Columns: cols}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, vals)
	}
	return res, rows.Err()
}

// CopyParquet writes the result of the read-only query q to a Parquet file
// with DuckDB's COPY. Only a steward's session writes, and only to the
// output path it was opened with (Config.Output).
func (e *Engine) CopyParquet(ctx context.Context, q, path string) error {
	if e.role != Steward {
		return fmt.Errorf("query: a researcher's session cannot write files; use --format csv or json")
	}
	if abs, err := filepath.Abs(path); err == nil {
		path = abs
	}
	if e.output == "" || path != e.output {
		return fmt.Errorf("query: %s: this session may write only the output file it was opened with (%q)", path, e.output)
	}
	q = strings.TrimRight(strings.TrimSpace(q), ";")
	if err := e.readOnly(ctx, q); err != nil {
		return err
	}
	e.narrow.Lock() // not while another query's site variables are set
	defer e.narrow.Unlock()
	_, err := e.db.ExecContext(ctx, fmt.Sprintf("COPY (%s) TO %s (FORMAT parquet, COMPRESSION zstd)", q, quote(path)))
	return err
}
