package access

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
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
	err := rows.Scan(ctx, st, "persons", []string{"person_id", "birth_date", "ingest_seq", "row_seq"}, func(r *rows.Row) error {
		id := r.Str(0)
		s := seq{r.I64(2), r.I64(3)}
		if old, ok := persons[id]; !ok || newer(s, old.s) {
			persons[id] = personRow{s, r.Date(1)}
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
	err = rows.Scan(ctx, st, "related", []string{"person_id", "related_person_id", "relationship", "period_end", "source", "resource_id", "ingest_seq", "row_seq"}, func(r *rows.Row) error {
		key := [3]string{r.Str(4), r.Str(5), r.Str(2)}
		s := seq{r.I64(6), r.I64(7)}
		if old, ok := related[key]; !ok || newer(s, old.s) {
			related[key] = relRow{s, r.Str(0), r.Str(1), r.Str(2), r.Time(3)}
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

	// The consent history is read as package clinical defines it (latest
	// version of each Consent resource, ordered by time).
	byPerson, err := clinical.ConsentEvents(ctx, st)
	if err != nil {
		return nil, err
	}
	for p, evs := range byPerson {
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
	err = rows.Scan(ctx, st, "practitioners", []string{"practitioner_id", "licence", "active", "ingest_seq", "row_seq"}, func(r *rows.Row) error {
		id := r.Str(0)
		s := seq{r.I64(3), r.I64(4)}
		if old, ok := lics[id]; !ok || newer(s, old.s) {
			lics[id] = licRow{s, r.Str(1), r.IsNull(2) || r.Bool(2)}
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

// OpenStore returns a Decider over the clinical tables of st (LoadDirectory)
// that logs to the store's audit log. The caller MUST Close the returned
// log when done.
func OpenStore(ctx context.Context, st *store.Store) (*Decider, *audit.Log, error) {
	d, err := LoadDirectory(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	log, err := audit.Open(st.Dir())
	if err != nil {
		return nil, nil, err
	}
	dec, err := New(d, log)
	if err != nil {
		log.Close()
		return nil, nil, err
	}
	return dec, log, nil
}
