package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// DuckDB does not carry a filter on the genotypes view's chrom and pos
// through the view's joins to the calls and format files: a query about one
// position read and hashed every calls row of the store (14.6 s for one
// position of 200,000 samples). The per-batch calls and format views
// therefore keep only the sites between two session variables (siteVarLo,
// siteVarHi; unset, every site), which DuckDB folds into constants and
// pushes into the Parquet scan, and a steward's Run sets them from the
// query's own WHERE clause when that clause alone decides which sites the
// answer can hold (sitesOfQuery).

// siteVarLo and siteVarHi name the session variables bounding the sites of
// batch i read from its calls and format files.
func siteVarLo(i int) string { return fmt.Sprintf("varamu_site_lo_%d", i) }
func siteVarHi(i int) string { return fmt.Sprintf("varamu_site_hi_%d", i) }

// siteWhere is the filter of batch i's calls and format views.
func siteWhere(i int) string {
	return fmt.Sprintf(" WHERE site BETWEEN coalesce(getvariable('%s'), 0) AND coalesce(getvariable('%s'), %d)", siteVarLo(i), siteVarHi(i), math.MaxInt32)
}

// posFilter is a genotypes query's constraint on chrom and pos.
type posFilter struct {
	chrom  string
	lo, hi int64
}

// genomeRelations are the views that read the calls or format files: a
// query naming any of them other than its one FROM genotypes is left
// alone, so that no part of it sees the narrowed files.
var genomeRelations = map[string]bool{"genotypes": true, "_calls": true, "_calls_rows": true, "_format": true}

// sitesOfQuery returns the chrom and pos range a statement's rows are
// confined to, when q is one SELECT whose only relation over the calls is
// its FROM genotypes (no join, subquery or CTE reading them) and whose
// WHERE clause is a conjunction holding chrom = 'text' (and optionally
// comparisons of pos with integer constants). Otherwise ok is false and
// the query runs over every site.
func sitesOfQuery(ctx context.Context, db *sql.DB, q string) (posFilter, bool, error) {
	var js string
	if err := db.QueryRowContext(ctx, `SELECT json_serialize_sql($1::VARCHAR)::VARCHAR`, q).Scan(&js); err != nil {
		return posFilter{}, false, fmt.Errorf("query: %w", err)
	}
	var tree struct {
		Error      bool `json:"error"`
		Statements []struct {
			Node map[string]any `json:"node"`
		} `json:"statements"`
	}
	if err := json.Unmarshal([]byte(js), &tree); err != nil || tree.Error || len(tree.Statements) != 1 {
		return posFilter{}, false, nil
	}
	f, ok := filterOf(tree.Statements[0].Node)
	return f, ok, nil
}

// filterOf reads the filter of one parsed SELECT node (DuckDB's
// json_serialize_sql tree).
func filterOf(node map[string]any) (posFilter, bool) {
	f := posFilter{lo: math.MinInt64, hi: math.MaxInt64}
	if node["type"] != "SELECT_NODE" || countRelations(node) != 1 {
		return f, false
	}
	from, _ := node["from_table"].(map[string]any)
	name, _ := from["table_name"].(string)
	if from["type"] != "BASE_TABLE" || !strings.EqualFold(name, "genotypes") || from["schema_name"] != "" || from["catalog_name"] != "" {
		return f, false
	}
	if cte, _ := node["cte_map"].(map[string]any); cte != nil {
		if m, _ := cte["map"].([]any); len(m) > 0 {
			return f, false
		}
	}
	alias, _ := from["alias"].(string)
	if alias == "" {
		alias = "genotypes"
	}
	where, _ := node["where_clause"].(map[string]any)
	haveChrom := false
	for _, c := range conjuncts(where) {
		col, op, v, ok := comparison(c, alias)
		if !ok {
			continue
		}
		switch {
		case col == "chrom" && op == "COMPARE_EQUAL":
			s, isStr := v.(string)
			if !isStr || (haveChrom && s != f.chrom) {
				return f, false
			}
			f.chrom, haveChrom = s, true
		case col == "pos" && op == "BETWEEN":
			b := v.([2]any)
			f.narrow("COMPARE_GREATERTHANOREQUALTO", b[0])
			f.narrow("COMPARE_LESSTHANOREQUALTO", b[1])
		case col == "pos":
			f.narrow(op, v)
		}
	}
	return f, haveChrom
}

// narrow applies one comparison of pos with a constant (lower and upper
// bounds for BETWEEN come as two comparisons).
func (f *posFilter) narrow(op string, v any) {
	n, ok := v.(int64)
	if !ok {
		return
	}
	switch op {
	case "COMPARE_EQUAL":
		f.lo, f.hi = max(f.lo, n), min(f.hi, n)
	case "COMPARE_GREATERTHANOREQUALTO":
		f.lo = max(f.lo, n)
	case "COMPARE_GREATERTHAN":
		f.lo = max(f.lo, n+1)
	case "COMPARE_LESSTHANOREQUALTO":
		f.hi = min(f.hi, n)
	case "COMPARE_LESSTHAN":
		f.hi = min(f.hi, n-1)
	}
}

// countRelations counts the references to genomeRelations anywhere in the
// tree (subqueries, joins and CTEs included).
func countRelations(v any) int {
	n := 0
	switch t := v.(type) {
	case map[string]any:
		if name, ok := t["table_name"].(string); ok && t["type"] == "BASE_TABLE" && genomeRelations[strings.ToLower(name)] {
			n++
		}
		for _, c := range t {
			n += countRelations(c)
		}
	case []any:
		for _, c := range t {
			n += countRelations(c)
		}
	}
	return n
}

// conjuncts flattens nested ANDs.
func conjuncts(e map[string]any) []map[string]any {
	if e == nil {
		return nil
	}
	if e["type"] != "CONJUNCTION_AND" {
		return []map[string]any{e}
	}
	var out []map[string]any
	children, _ := e["children"].([]any)
	for _, c := range children {
		if m, ok := c.(map[string]any); ok {
			out = append(out, conjuncts(m)...)
		}
	}
	return out
}

// comparison reads "column op constant" (either way round) on a column of
// the genotypes relation: the column, the operator as written with the
// column on the left, and the constant (string or int64). BETWEEN is read
// as its lower bound; its upper bound comes from betweenUpper.
func comparison(e map[string]any, alias string) (string, string, any, bool) {
	typ, _ := e["type"].(string)
	if typ == "COMPARE_BETWEEN" {
		col, ok := columnOf(e["input"], alias)
		lo, okLo := constantOf(e["lower"])
		hi, okHi := constantOf(e["upper"])
		if !ok || !okLo || !okHi {
			return "", "", nil, false
		}
		return col, "BETWEEN", [2]any{lo, hi}, true
	}
	flip := map[string]string{"COMPARE_EQUAL": "COMPARE_EQUAL",
		"COMPARE_GREATERTHAN": "COMPARE_LESSTHAN", "COMPARE_LESSTHAN": "COMPARE_GREATERTHAN",
		"COMPARE_GREATERTHANOREQUALTO": "COMPARE_LESSTHANOREQUALTO", "COMPARE_LESSTHANOREQUALTO": "COMPARE_GREATERTHANOREQUALTO"}
	if _, ok := flip[typ]; !ok {
		return "", "", nil, false
	}
	if col, ok := columnOf(e["left"], alias); ok {
		v, ok := constantOf(e["right"])
		return col, typ, v, ok
	}
	if col, ok := columnOf(e["right"], alias); ok {
		v, ok := constantOf(e["left"])
		return col, flip[typ], v, ok
	}
	return "", "", nil, false
}

// columnOf reads a reference to a column of the genotypes relation
// (unqualified, or qualified by its alias).
func columnOf(v any, alias string) (string, bool) {
	m, _ := v.(map[string]any)
	if m == nil || m["type"] != "COLUMN_REF" {
		return "", false
	}
	names, _ := m["column_names"].([]any)
	switch len(names) {
	case 1:
		s, ok := names[0].(string)
		return strings.ToLower(s), ok
	case 2:
		q, _ := names[0].(string)
		s, ok := names[1].(string)
		return strings.ToLower(s), ok && strings.EqualFold(q, alias)
	}
	return "", false
}

// integerTypes are the constant types read as int64.
var integerTypes = map[string]bool{"TINYINT": true, "SMALLINT": true, "INTEGER": true, "BIGINT": true, "UTINYINT": true, "USMALLINT": true, "UINTEGER": true}

// constantOf reads a non-NULL VARCHAR or integer constant.
func constantOf(v any) (any, bool) {
	m, _ := v.(map[string]any)
	if m == nil || m["type"] != "VALUE_CONSTANT" {
		return nil, false
	}
	val, _ := m["value"].(map[string]any)
	typ, _ := val["type"].(map[string]any)
	id, _ := typ["id"].(string)
	if isNull, _ := val["is_null"].(bool); isNull || val == nil {
		return nil, false
	}
	switch {
	case id == "VARCHAR":
		s, ok := val["value"].(string)
		return s, ok
	case integerTypes[id]:
		n, ok := val["value"].(float64)
		if !ok || n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return nil, false
		}
		return int64(n), true
	}
	return nil, false
}

// narrowSites sets the site variables of every batch to the sites q can
// read (sitesOfQuery), resolved on the variants files, and returns the
// function that unsets them; when q is not such a query it sets nothing.
func (e *Engine) narrowSites(ctx context.Context, q string) (func() error, error) {
	none := func() error { return nil }
	if len(e.batches) == 0 {
		return none, nil
	}
	f, ok, err := sitesOfQuery(ctx, e.db, q)
	if err != nil || !ok {
		return none, err
	}
	rows, err := e.db.QueryContext(ctx, `SELECT batch, min(site), max(site) FROM variants WHERE chrom = $1 AND pos BETWEEN $2 AND $3 GROUP BY batch`, f.chrom, f.lo, f.hi)
	if err != nil {
		return none, fmt.Errorf("query: %w", err)
	}
	found := map[string][2]int64{}
	for rows.Next() {
		var b string
		var lo, hi int64
		if err := rows.Scan(&b, &lo, &hi); err != nil {
			rows.Close()
			return none, fmt.Errorf("query: %w", err)
		}
		found[b] = [2]int64{lo, hi}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return none, fmt.Errorf("query: %w", err)
	}
	var set, unset []string
	for i, b := range e.batches {
		r, ok := found[b]
		if !ok {
			r = [2]int64{1, 0} // no site of the batch can be in the answer
		}
		set = append(set, fmt.Sprintf("SET VARIABLE %s = %d", siteVarLo(i), r[0]), fmt.Sprintf("SET VARIABLE %s = %d", siteVarHi(i), r[1]))
		unset = append(unset, "RESET VARIABLE "+siteVarLo(i), "RESET VARIABLE "+siteVarHi(i))
	}
	reset := func() error {
		// A variable left set would narrow the next query: an engine
		// that cannot unset them is closed.
		if err := e.exec(context.WithoutCancel(ctx), unset...); err != nil {
			e.db.Close()
			return err
		}
		return nil
	}
	if err := e.exec(ctx, set...); err != nil {
		return none, errors.Join(err, reset())
	}
	return reset, nil
}
