package access

import (
	"context"
	"fmt"
	"time"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/store"
)

// LoadDirectory builds a Directory from the current state of the clinical
// tables of a store, as package clinical reads it (clinical.ReadCurrent,
// the one reader of that state): persons (birth dates), related persons
// (parents and guardians, keyed as the related view keys them, so that a
// mother re-ingested as a friend is no longer a guardian), consent
// histories (a recorded withdrawal stands) and the register of
// professionals with each licence's validity period.
//
// A store whose clinical tables do not hold the rows its ingests wrote
// (clinical.CheckTables: a consent table removed from the manifest) is
// refused: every decision fails closed, treatment included.
func LoadDirectory(ctx context.Context, st *store.Store) (*MemDirectory, error) {
	cur, err := clinical.ReadCurrent(ctx, st)
	if err != nil {
		return nil, err
	}
	return DirectoryOf(cur)
}

// DirectoryOf builds a Directory from a clinical current state.
func DirectoryOf(cur *clinical.Current) (*MemDirectory, error) {
	d := NewMemDirectory()
	guardians := cur.GuardiansByPerson()
	for id, p := range cur.Persons {
		d.persons[id] = PersonInfo{BirthDate: p.BirthDate, Guardians: guardians[id]}
	}
	for p := range cur.Consents {
		h, err := cur.History(p)
		if err != nil {
			return nil, fmt.Errorf("access: %w", err)
		}
		d.consents[p] = h
	}
	for id, pr := range cur.Practitioners {
		if pr.Licence != "" && pr.Active {
			d.licences[id] = Licence{Number: pr.Licence, ValidFrom: pr.LicenceFrom, ValidUntil: pr.LicenceUntil}
		}
	}
	return d, nil
}

// NowSkew is how far from the wall clock a store Decider accepts a
// request's decision moment (RequireNow).
const NowSkew = 5 * time.Minute

// OpenStore returns a Decider over the clinical tables of st (LoadDirectory)
// that logs to the store's audit log and decides only at the present
// moment (RequireNow(NowSkew)); opts add to that (Clock). The caller MUST
// Close the returned log when done.
func OpenStore(ctx context.Context, st *store.Store, opts ...Option) (*Decider, *audit.Log, error) {
	d, err := LoadDirectory(ctx, st)
	if err != nil {
		return nil, nil, err
	}
	log, err := audit.Open(st.Dir())
	if err != nil {
		return nil, nil, err
	}
	dec, err := New(d, log, append([]Option{RequireNow(NowSkew)}, opts...)...)
	if err != nil {
		log.Close()
		return nil, nil, err
	}
	return dec, log, nil
}
