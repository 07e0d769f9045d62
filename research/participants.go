package research

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/research/cohort"
)

// participants reads the consented participants of a research extract
// (query.OpenAs): every visible research pseudonym (biobank sample code)
// with sex and birth year, current diagnoses (ICD-10; refuted and
// entered-in-error ones left out), medications (ATC; entered-in-error
// left out) and PGx results of the current annotation. A participant whose
// record is closed is in the extract without clinical rows: their sex,
// age and diagnoses are unknown and never match a criterion.
func participants(ctx context.Context, e *query.Engine) ([]cohort.Participant, error) {
	have, err := tables(ctx, e)
	if err != nil {
		return nil, err
	}
	byKey := map[string]*cohort.Participant{}
	get := func(k string) *cohort.Participant {
		p, ok := byKey[k]
		if !ok {
			p = &cohort.Participant{Key: k, PGx: map[string]cohort.GeneResult{}}
			byKey[k] = p
		}
		return p
	}
	reads := []struct {
		table string
		sql   string
		fn    func(r []string)
	}{
		{"samples", "SELECT sample FROM samples", func(r []string) { get(r[0]) }},
		{"persons", "SELECT sample, coalesce(sex, ''), coalesce(birth_year, 0) FROM persons", func(r []string) {
			p := get(r[0])
			p.Sex = r[1]
			p.BirthYear, _ = strconv.Atoi(r[2])
		}},
		{"conditions", "SELECT DISTINCT sample, icd10 FROM conditions WHERE icd10 IS NOT NULL AND coalesce(verification_status, '') NOT IN ('refuted', 'entered-in-error')", func(r []string) {
			p := get(r[0])
			p.Conditions = append(p.Conditions, r[1])
		}},
		{"medications", "SELECT DISTINCT sample, atc FROM medications WHERE atc IS NOT NULL AND coalesce(status, '') <> 'entered-in-error'", func(r []string) {
			p := get(r[0])
			p.Medications = append(p.Medications, r[1])
		}},
		{"pgx_phenotypes", "SELECT sample, gene, coalesce(phenotype, '') FROM pgx_phenotypes", func(r []string) {
			p := get(r[0])
			g := p.PGx[r[1]]
			g.Phenotype = r[2]
			p.PGx[r[1]] = g
		}},
		{"pgx_calls", "SELECT sample, gene, array_to_string(diplotypes, chr(31)) FROM pgx_calls WHERE called", func(r []string) {
			p := get(r[0])
			g := p.PGx[r[1]]
			if r[2] != "" {
				g.Diplotypes = strings.Split(r[2], "\x1f")
			}
			p.PGx[r[1]] = g
		}},
	}
	for _, rd := range reads {
		if !have[rd.table] {
			continue
		}
		if err := each(ctx, e, rd.sql, rd.fn); err != nil {
			return nil, fmt.Errorf("research: reading %s: %w", rd.table, err)
		}
	}
	out := make([]cohort.Participant, 0, len(byKey))
	for _, p := range byKey {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b cohort.Participant) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// viewTables are the tables of the research extract participants reads:
// a view's extract is built with these alone (query.Config.Tables), not
// the genotypes and the clinical tables no cohort counts.
var viewTables = []string{"samples", "persons", "conditions", "medications", "pgx_phenotypes", "pgx_calls"}

// tables lists the tables of the extract.
func tables(ctx context.Context, e *query.Engine) (map[string]bool, error) {
	have := map[string]bool{}
	err := each(ctx, e, "SELECT table_name FROM information_schema.tables", func(r []string) { have[r[0]] = true })
	return have, err
}

// each runs q and calls fn with each row's values as text.
func each(ctx context.Context, e *query.Engine, q string, fn func([]string)) error {
	rows, err := e.DB().QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	row := make([]string, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			row[i] = query.Text(v)
		}
		fn(row)
	}
	return rows.Err()
}
