package clinical

import (
	"errors"
	"fmt"

	"github.com/varamu/varamu/store"
)

// ErrDamaged is returned (wrapped) by CheckTables when a clinical table
// holds fewer or more rows than the committed ingests wrote: a table entry
// removed from the manifest, or a file swapped for another.
var ErrDamaged = errors.New("clinical: store damaged")

// CheckTables compares the rows each clinical table holds in m with the
// rows the ingests recorded in the clinical section wrote to it. Access
// decisions MUST fail closed on its error: a consent table that went
// missing would otherwise read as "no decision recorded", and a withdrawal
// would be lost.
func CheckTables(m *store.Manifest) error {
	var sec Section
	ok, err := m.Section(SectionKey, &sec)
	if err != nil {
		return err
	}
	if !ok {
		for _, t := range TableNames {
			if len(m.Tables[t]) > 0 {
				return fmt.Errorf("%w: table %s is present but no clinical ingest is recorded", ErrDamaged, t)
			}
		}
		return nil
	}
	for _, t := range TableNames {
		var want, have int64
		for _, in := range sec.Ingests {
			want += in.Rows[t]
		}
		for _, f := range m.Tables[t] {
			have += f.Rows
		}
		if want != have {
			return fmt.Errorf("%w: table %s holds %d rows, the committed ingests wrote %d (run varamu verify; recover the last good generation from history/); every access is refused", ErrDamaged, t, have, want)
		}
	}
	return nil
}

// PersonPermit is what a reader of one person's clinical data requires:
// proof that package access decided and logged an access to that person.
// access.Permit is the implementation, made only from an allowed, logged
// decision; callers MUST NOT implement it themselves. The interface keeps
// this package below access in the layers (ARCHITECTURE.md).
type PersonPermit interface {
	// Actor is who the access is for.
	Actor() string
	// CheckPerson returns nil when the permit covers the person.
	CheckPerson(person string) error
}

// ErrNoPermit is returned by a reader called without a permit.
var ErrNoPermit = errors.New("clinical: no access permit (decide and log the access with package access first)")
