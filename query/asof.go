package query

import (
	"fmt"
	"strings"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/store"
)

// A research extract about a past date (Config.At) sees only the data
// recorded up to it. Consent is never evaluated at that date: it is
// decided at the moment the session opens (two clocks: the decision
// moment, always now, and the as-of date of the data).
//
//   - Genome and PGx tables: the files that entered the store by then (the
//     commit time of the transaction that wrote them).
//   - Clinical tables: the rows whose own record date (asOfDates) is by
//     then; a row without one is left out, as unknown is never "old
//     enough". Later facts in a kept row (an abatement, a death, an
//     encounter's end) are blanked.

// recordedBy returns a copy of m keeping, of every table that is not
// clinical, only the files recorded at or before t.
func recordedBy(m *store.Manifest, t time.Time) *store.Manifest {
	out := *m
	out.Tables = map[string][]store.File{}
	for name, files := range m.Tables {
		if _, isClinical := clinical.Views[name]; isClinical {
			out.Tables[name] = files
			continue
		}
		for _, f := range files {
			if m.RecordedBy(f, t) {
				out.Tables[name] = append(out.Tables[name], f)
			}
		}
	}
	return &out
}

// asOfDates gives, per research clinical table, the record date of a row
// (x is the table alias) and the columns holding later facts to blank.
var asOfDates = map[string]struct {
	recorded string
	later    []string
}{
	"persons":      {"x.birth_date", []string{"deceased_at"}},
	"conditions":   {"coalesce(x.recorded, x.onset)", []string{"abatement"}},
	"observations": {"coalesce(x.issued, x.effective)", nil},
	"medications":  {"coalesce(x.authored, x.period_start)", nil},
	"allergies":    {"coalesce(x.recorded, x.onset)", nil},
	"encounters":   {"x.start", []string{"end"}},
}

// asOfColumn returns the select expression of column c of table t in an
// extract as of ts (a TIMESTAMPTZ literal): later facts become NULL.
func asOfColumn(t, c, ts string) string {
	q := "x." + quoteIdent(c)
	if t == "persons" && c == "deceased" {
		return fmt.Sprintf("CASE WHEN x.deceased IS NOT TRUE THEN x.deceased WHEN x.deceased_at <= %s THEN true END AS deceased", ts)
	}
	for _, l := range asOfDates[t].later {
		if l == c {
			return fmt.Sprintf("CASE WHEN %s <= %s THEN %s END AS %s", q, ts, q, quoteIdent(c))
		}
	}
	return q
}

// asOfWhere returns the condition keeping the rows of table t recorded by
// ts ("" when t has no rule).
func asOfWhere(t, ts string) string {
	d, ok := asOfDates[t]
	if !ok {
		return ""
	}
	if t == "persons" { // a DATE: born by then
		return fmt.Sprintf("(%s IS NULL OR %s <= CAST(%s AS DATE))", d.recorded, d.recorded, ts)
	}
	return fmt.Sprintf("%s <= %s", d.recorded, ts)
}

func timestampLiteral(t time.Time) string {
	return "TIMESTAMPTZ " + quote(t.UTC().Format("2006-01-02 15:04:05.999999")+"+00")
}

// withheldWhere returns the condition leaving out the clinical records
// that consent withholds from research: everything of a person whose HIS
// record is closed (_closed), and the encounters of closed documents with
// every row recorded in them (_hidden_enc).
func withheldWhere(t string, haveDocs bool) string {
	conds := []string{"x.person_id NOT IN (SELECT person_id FROM _closed)"}
	if haveDocs {
		switch t {
		case "encounters":
			conds = append(conds, "x.resource_id NOT IN (SELECT encounter_id FROM _hidden_enc)")
		case "conditions", "observations", "medications":
			conds = append(conds, "(x.encounter_id IS NULL OR x.encounter_id NOT IN (SELECT encounter_id FROM _hidden_enc))")
		}
	}
	return strings.Join(conds, " AND ")
}

// clinicalExtractSQL builds research clinical table t from raw_t: the
// columns cols that do not identify anyone, keyed by sample, without what
// consent withholds and, as of a past date at, without what was recorded
// later.
func clinicalExtractSQL(t string, cols []string, at time.Time, past, haveDocs bool) string {
	ts := timestampLiteral(at)
	var keep []string
	for _, c := range cols {
		if identifying[c] {
			continue
		}
		if past {
			keep = append(keep, asOfColumn(t, c, ts))
		} else {
			keep = append(keep, "x."+quoteIdent(c))
		}
	}
	if t == "persons" {
		keep = append(keep, "year(x.birth_date) AS birth_year")
	}
	where := withheldWhere(t, haveDocs)
	if w := asOfWhere(t, ts); past && w != "" {
		where += " AND " + w
	}
	return fmt.Sprintf("CREATE TABLE %s AS SELECT m.sample, %s FROM raw_%s x JOIN _map m ON m.person_id = x.person_id WHERE %s",
		quoteIdent(t), strings.Join(keep, ", "), t, where)
}

// asOfSummary tells the researcher what an extract as of at leaves out:
// the tables of all (the store) that m (recorded by at) lacks.
func asOfSummary(all, m *store.Manifest, at time.Time) string {
	out := fmt.Sprintf("; data as recorded by %s", at.Format(time.DateOnly))
	var later []string
	for _, name := range all.TableNames() {
		if _, isClinical := clinical.Views[name]; !isClinical && len(m.Tables[name]) == 0 {
			later = append(later, name)
		}
	}
	if len(later) > 0 {
		out += fmt.Sprintf(" (%s recorded later: not in the extract)", strings.Join(later, ", "))
	}
	return out
}
