package access

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/store"
)

// guardianRoles are the v3-RoleCode relationships that make the related
// person a legal representative of a minor: mother, father, parent,
// natural/adoptive/step parents, guardian.
var guardianRoles = []string{"MTH", "FTH", "PRN", "NMTH", "NFTH", "NPRN", "ADOPTMTH", "ADOPTF", "ADOPTP", "STPMTH", "STPFTH", "GUARD"}

// LoadDirectory builds a Directory from the clinical tables of a store
// (package clinical writes them): persons (birth dates), related (parents
// and guardians), consents (each person's consent history, from the
// event columns) and practitioners (licences). Each table is read in its
// current state: the last written row per key wins, as the clinical views
// define it.
func LoadDirectory(ctx context.Context, st *store.Store) (*MemDirectory, error) {
	d := NewMemDirectory()
	type seq struct{ a, b int64 }
	newer := func(x, y seq) bool { return x.a > y.a || (x.a == y.a && x.b > y.b) }

	type personRow struct {
		s     seq
		birth time.Time
	}
	persons := map[string]personRow{}
	err := scanTable(ctx, st, "persons", []string{"person_id", "birth_date", "ingest_seq", "row_seq"}, func(r *row) error {
		id := r.str(0)
		s := seq{r.i64(2), r.i64(3)}
		if old, ok := persons[id]; !ok || newer(s, old.s) {
			persons[id] = personRow{s, r.date(1)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	type relRow struct {
		s               seq
		child, guardian string
		role            string
		end             time.Time
	}
	related := map[[3]string]relRow{}
	err = scanTable(ctx, st, "related", []string{"person_id", "related_person_id", "relationship", "period_end", "source", "resource_id", "ingest_seq", "row_seq"}, func(r *row) error {
		key := [3]string{r.str(4), r.str(5), r.str(2)}
		s := seq{r.i64(6), r.i64(7)}
		if old, ok := related[key]; !ok || newer(s, old.s) {
			related[key] = relRow{s, r.str(0), r.str(1), r.str(2), r.ts(3)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for id, p := range persons {
		d.persons[id] = PersonInfo{BirthDate: p.birth}
	}
	for _, rel := range related {
		if rel.guardian == "" || !slices.Contains(guardianRoles, rel.role) || !rel.end.IsZero() {
			continue
		}
		p, ok := d.persons[rel.child]
		if !ok || slices.Contains(p.Guardians, rel.guardian) {
			continue
		}
		p.Guardians = append(p.Guardians, rel.guardian)
		slices.Sort(p.Guardians)
		d.persons[rel.child] = p
	}

	type consentRow struct {
		s seq
		e consent.Event
	}
	consents := map[string]consentRow{}
	err = scanTable(ctx, st, "consents", []string{"resource_id", "person_id", "event_kind", "date_time", "document_id",
		"agent_person_id", "data_use", "given", "period_start", "period_end", "ingest_seq", "row_seq"}, func(r *row) error {
		s := seq{r.i64(10), r.i64(11)}
		id := r.str(0)
		if old, ok := consents[id]; ok && !newer(s, old.s) {
			return nil
		}
		e := consent.Event{Source: id, Person: r.str(1), Kind: consent.Kind(r.str(2)), At: r.ts(3), Document: r.str(4),
			Agent: r.str(5), Given: r.boolean(7), From: r.ts(8), Until: r.ts(9)}
		if e.Kind == "" {
			delete(consents, id) // the newest version carries no decision
			return nil
		}
		if e.Kind == consent.GiveResearch {
			u, err := consent.ParseDataUse(r.str(6))
			if err != nil {
				return fmt.Errorf("Consent/%s: data_use: %w", id, err)
			}
			e.Use = u
		}
		consents[id] = consentRow{s, e}
		return nil
	})
	if err != nil {
		return nil, err
	}
	byPerson := map[string][]consent.Event{}
	for _, c := range consents {
		byPerson[c.e.Person] = append(byPerson[c.e.Person], c.e)
	}
	for p, evs := range byPerson {
		// Equal times keep a stable, reproducible order.
		slices.SortFunc(evs, func(a, b consent.Event) int {
			if c := a.At.Compare(b.At); c != 0 {
				return c
			}
			return compareStrings(a.Source, b.Source)
		})
		h, err := consent.Load(p, evs)
		if err != nil {
			return nil, fmt.Errorf("access: consents of %s: %w", p, err)
		}
		d.consents[p] = h
	}

	type licRow struct {
		s   seq
		lic string
		ok  bool
	}
	lics := map[string]licRow{}
	err = scanTable(ctx, st, "practitioners", []string{"practitioner_id", "licence", "active", "ingest_seq", "row_seq"}, func(r *row) error {
		id := r.str(0)
		s := seq{r.i64(3), r.i64(4)}
		if old, ok := lics[id]; !ok || newer(s, old.s) {
			lics[id] = licRow{s, r.str(1), r.isNull(2) || r.boolean(2)}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for id, l := range lics {
		if l.lic != "" && l.ok {
			d.licences[id] = Licence{Number: l.lic}
		}
	}
	return d, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// row gives typed access to one row of selected columns.
type row struct {
	cols []arrow.Array
	i    int
}

func (r *row) isNull(c int) bool { return r.cols[c].IsNull(r.i) }

func (r *row) str(c int) string {
	if r.isNull(c) {
		return ""
	}
	return r.cols[c].(*array.String).Value(r.i)
}

func (r *row) i64(c int) int64 {
	if r.isNull(c) {
		return 0
	}
	return r.cols[c].(*array.Int64).Value(r.i)
}

func (r *row) boolean(c int) bool {
	if r.isNull(c) {
		return false
	}
	return r.cols[c].(*array.Boolean).Value(r.i)
}

func (r *row) ts(c int) time.Time {
	if r.isNull(c) {
		return time.Time{}
	}
	a := r.cols[c].(*array.Timestamp)
	unit := a.DataType().(*arrow.TimestampType).Unit
	return a.Value(r.i).ToTime(unit).UTC()
}

func (r *row) date(c int) time.Time {
	if r.isNull(c) {
		return time.Time{}
	}
	return r.cols[c].(*array.Date32).Value(r.i).ToTime().UTC()
}

// scanTable calls fn for every row of every file of a store table, with
// the named columns. A table without files has no rows.
func scanTable(ctx context.Context, st *store.Store, table string, columns []string, fn func(r *row) error) error {
	for _, path := range st.Files(table) {
		if err := scanFile(ctx, path, columns, fn); err != nil {
			return fmt.Errorf("access: table %s: %s: %w", table, path, err)
		}
	}
	return nil
}

func scanFile(ctx context.Context, path string, columns []string, fn func(r *row) error) error {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return err
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 16}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	sc, err := fr.Schema()
	if err != nil {
		return err
	}
	idx := make([]int, len(columns))
	for i, c := range columns {
		is := sc.FieldIndices(c)
		if len(is) != 1 {
			return fmt.Errorf("no column %q", c)
		}
		idx[i] = is[0]
	}
	rr, err := fr.GetRecordReader(ctx, idx, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	r := &row{}
	for rr.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec := rr.RecordBatch()
		r.cols = rec.Columns()
		for r.i = 0; r.i < int(rec.NumRows()); r.i++ {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}
