package clinical

import (
	"context"
	"time"

	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// RegisteredPractitioner is one health professional in the current state of
// the practitioners table: the FHIR Practitioner id, the personal code
// (isikukood) by which an ID-card certificate is matched, and the register
// code (licence) with its period.
type RegisteredPractitioner struct {
	ID        string // Practitioner logical id
	Isikukood string // "" when the resource carried none
	Licence   string // register code; "" when none
	System    string // the licence's identifier system
	From      time.Time
	Until     time.Time // zero: no end
	Active    bool      // Practitioner.active (absent counts as active)
}

// LicensedAt reports whether the practitioner holds a licence in force at t
// (From inclusive, Until exclusive) and is active.
func (p RegisteredPractitioner) LicensedAt(t time.Time) bool {
	if p.Licence == "" || !p.Active {
		return false
	}
	if !p.From.IsZero() && t.Before(p.From) {
		return false
	}
	return p.Until.IsZero() || t.Before(p.Until)
}

// Practitioners reads the register of health professionals as the current
// state of the practitioners table (the last written row per practitioner
// id), keyed by practitioner id.
func Practitioners(ctx context.Context, s *store.Store) (map[string]RegisteredPractitioner, error) {
	type version struct {
		seq, row int64
		p        RegisteredPractitioner
	}
	latest := map[string]version{}
	cols := []string{"practitioner_id", "isikukood", "licence_system", "licence", "licence_start", "licence_end", "active", "ingest_seq", "row_seq"}
	err := rows.Scan(ctx, s, "practitioners", cols, func(r *rows.Row) error {
		v := version{seq: r.I64(7), row: r.I64(8)}
		id := r.Str(0)
		if old, ok := latest[id]; ok && (old.seq > v.seq || old.seq == v.seq && old.row > v.row) {
			return nil
		}
		v.p = RegisteredPractitioner{ID: id, Isikukood: r.Str(1), System: r.Str(2), Licence: r.Str(3),
			From: r.Time(4), Until: r.Time(5), Active: r.IsNull(6) || r.Bool(6)}
		latest[id] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]RegisteredPractitioner, len(latest))
	for id, v := range latest {
		out[id] = v.p
	}
	return out, nil
}
