package fhirrecords

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// These readers return person-level data: callers MUST have an allowed
// access decision for the person first, and MUST withhold what it hides.

// Document is the current version of one of the person's documents.
type Document struct {
	ID, Kind, Status, Type, Title, Category string
	Date                                    time.Time
	Closed                                  bool
	seq                                     [2]int64
}

// Label is the document's title, else its type, else its kind.
func (d Document) Label() string {
	for _, s := range []string{d.Title, d.Type, d.Kind} {
		if s != "" {
			return s
		}
	}
	return d.ID
}

// Observation is one current observation value.
type Observation struct {
	ID, Display, Unit, Text, Status string
	Value                           *float64
	Effective                       time.Time
	component                       int32
	seq                             [2]int64
}

// Medication is one of the person's current prescriptions.
type Medication struct {
	ID, Drug, Text, Status string
	Authored               time.Time
	seq                    [2]int64
}

func newer(a, b [2]int64) bool { return a[0] > b[0] || a[0] == b[0] && a[1] > b[1] }

// scanPerson reads the current version (last write per resource id) of
// the rows of table about person.
func scanPerson[T any](ctx context.Context, st *store.Store, table, person string, cols []string,
	mk func(*rows.Row) T, seq func(*T) *[2]int64, key func(T) string) ([]T, error) {
	cols = append([]string{"person_id", "resource_id", "ingest_seq", "row_seq"}, cols...)
	latest := map[string]T{}
	err := rows.Scan(ctx, st, table, cols, func(r *rows.Row) error {
		if r.Str(0) != person {
			return nil
		}
		v := mk(r)
		s := [2]int64{r.I64(2), r.I64(3)}
		if old, ok := latest[key(v)]; ok && !newer(s, *seq(&old)) {
			return nil
		}
		*seq(&v) = s
		latest[key(v)] = v
		return nil
	})
	out := make([]T, 0, len(latest))
	for _, v := range latest {
		out = append(out, v)
	}
	return out, err
}

// Documents reads the person's documents, newest first; entered-in-error
// ones are left out.
func Documents(ctx context.Context, st *store.Store, person string) ([]Document, error) {
	ds, err := scanPerson(ctx, st, "documents", person, []string{"kind", "status", "type_display", "title", "category", "date"},
		func(r *rows.Row) Document {
			return Document{ID: r.Str(1), Kind: r.Str(4), Status: r.Str(5), Type: r.Str(6), Title: r.Str(7), Category: r.Str(8), Date: r.Time(9)}
		}, func(d *Document) *[2]int64 { return &d.seq }, func(d Document) string { return d.ID })
	ds = slices.DeleteFunc(ds, func(d Document) bool { return d.Status == "entered-in-error" })
	slices.SortFunc(ds, func(a, b Document) int { return cmp.Or(b.Date.Compare(a.Date), strings.Compare(a.ID, b.ID)) })
	return ds, err
}

// Observations reads the person's observations, newest first, at most max.
func Observations(ctx context.Context, st *store.Store, person string, max int) ([]Observation, error) {
	obs, err := scanPerson(ctx, st, "observations", person, []string{"display", "value", "unit", "value_text", "status", "effective", "component"},
		func(r *rows.Row) Observation {
			o := Observation{ID: r.Str(1), Display: r.Str(4), Value: r.F64p(5), Unit: r.Str(6), Text: r.Str(7), Status: r.Str(8), Effective: r.Time(9)}
			o.component = r.I32(10)
			return o
		}, func(o *Observation) *[2]int64 { return &o.seq }, func(o Observation) string { return fmt.Sprint(o.ID, "#", o.component) })
	obs = slices.DeleteFunc(obs, func(o Observation) bool { return o.Status == "entered-in-error" })
	slices.SortFunc(obs, func(a, b Observation) int {
		return cmp.Or(b.Effective.Compare(a.Effective), strings.Compare(a.Display, b.Display))
	})
	if len(obs) > max {
		obs = obs[:max]
	}
	return obs, err
}

// Prescriptions reads the person's active medication requests and
// statements.
func Prescriptions(ctx context.Context, st *store.Store, person string) ([]Medication, error) {
	ms, err := scanPerson(ctx, st, "medications", person, []string{"drug", "drug_text", "status", "authored"},
		func(r *rows.Row) Medication {
			return Medication{ID: r.Str(1), Drug: r.Str(4), Text: r.Str(5), Status: r.Str(6), Authored: r.Time(7)}
		}, func(m *Medication) *[2]int64 { return &m.seq }, func(m Medication) string { return m.ID })
	ms = slices.DeleteFunc(ms, func(m Medication) bool { return m.Status != "active" && m.Status != "" })
	slices.SortFunc(ms, func(a, b Medication) int { return cmp.Or(strings.Compare(a.Drug, b.Drug), strings.Compare(a.ID, b.ID)) })
	return ms, err
}
