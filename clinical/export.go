package clinical

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/store"
)

// ConsentEvents returns the consent events recorded in the store for the
// given persons (all persons when persons is empty), grouped by person and
// in time order: the latest version of each Consent resource (by
// ingest_seq, row_seq), skipping resources whose status carries no
// decision. A withdrawal is never undone by a later version of the same
// resource (re-ingested as inactive or entered-in-error, or as another
// decision): once a version of a Consent recorded a withdrawal, the first
// such version stands, and only a new, later consent of the person ends
// it. The consents view (Views) says the same in SQL. Event.Person,
// Event.Agent and Event.SignedBy are isikukood codes; Event.Source is the
// Consent id.
func ConsentEvents(ctx context.Context, s *store.Store, persons ...string) (map[string][]consent.Event, error) {
	want := map[string]bool{}
	for _, p := range persons {
		want[p] = true
	}
	type version struct {
		seq, row int64
		ev       consent.Event
		ok       bool
	}
	latest := map[string]version{}
	cols := []string{"resource_id", "person_id", "event_kind", "date_time", "document_id", "agent_person_id",
		"data_use", "given", "period_start", "period_end", "ingest_seq", "row_seq", "performer"}
	err := readTable(ctx, s.Dir(), s.Manifest(), "consents", cols, func(rec arrow.RecordBatch) error {
		id, pid, kind := stringColumn(rec, 0), stringColumn(rec, 1), stringColumn(rec, 2)
		at := rec.Column(3).(*array.Timestamp)
		doc, agent, use := stringColumn(rec, 4), stringColumn(rec, 5), stringColumn(rec, 6)
		given := rec.Column(7).(*array.Boolean)
		from, until := rec.Column(8).(*array.Timestamp), rec.Column(9).(*array.Timestamp)
		seq, row := rec.Column(10).(*array.Int64), rec.Column(11).(*array.Int64)
		signed := stringColumn(rec, 12)
		for i := 0; i < int(rec.NumRows()); i++ {
			if len(want) > 0 && !want[pid.Value(i)] {
				continue
			}
			v := version{seq: seq.Value(i), row: row.Value(i)}
			withdraw := kind.Value(i) == string(consent.Withdraw)
			if old, ok := latest[id.Value(i)]; ok {
				oldWithdraw := old.ok && old.ev.Kind == consent.Withdraw
				newer := v.seq > old.seq || v.seq == old.seq && v.row > old.row
				if oldWithdraw && (!withdraw || newer) || !oldWithdraw && !withdraw && !newer {
					continue // a recorded withdrawal stands; otherwise the newest version wins
				}
			}
			if !kind.IsNull(i) {
				v.ok = true
				v.ev = consent.Event{Person: pid.Value(i), At: ts(at, i), Kind: consent.Kind(kind.Value(i)),
					Document: doc.Value(i), Agent: agent.Value(i), From: ts(from, i), Until: ts(until, i), Source: id.Value(i),
					SignedBy: signed.Value(i)}
				if !given.IsNull(i) {
					v.ev.Given = given.Value(i)
				}
				if !use.IsNull(i) {
					u, err := consent.ParseDataUse(use.Value(i))
					if err != nil {
						return fmt.Errorf("consents: %s: %w", id.Value(i), err)
					}
					v.ev.Use = u
				}
			}
			latest[id.Value(i)] = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := map[string][]consent.Event{}
	for _, v := range latest {
		if v.ok {
			out[v.ev.Person] = append(out[v.ev.Person], v.ev)
		}
	}
	for _, evs := range out {
		slices.SortStableFunc(evs, func(a, b consent.Event) int {
			if c := a.At.Compare(b.At); c != 0 {
				return c
			}
			return strings.Compare(a.Source, b.Source)
		})
	}
	return out, nil
}

func ts(a *array.Timestamp, i int) time.Time {
	if a.IsNull(i) {
		return time.Time{}
	}
	return time.UnixMicro(int64(a.Value(i))).UTC()
}

// ConsentHistory returns the consent history of one person, replayable
// with History.StateAt, read as ReadCurrent reads it (with the birth date
// that lets a parent's consent lapse at 18).
func ConsentHistory(ctx context.Context, s *store.Store, person string) (*consent.History, error) {
	cur := &Current{}
	var err error
	if cur.Consents, err = ConsentEvents(ctx, s, person); err != nil {
		return nil, err
	}
	if cur.Persons, err = readPersons(ctx, s); err != nil {
		return nil, err
	}
	return cur.History(person)
}

// ExportConsents writes the consent history of a person as FHIR R4
// Consent resources, oldest first: NDJSON (one resource per line), or a
// collection Bundle when bundle is true. The Patient is referenced as
// "Patient/<isikukood>". It returns the number of resources written.
//
// g MUST cover the person: an access.Permit from an allowed, logged
// decision (the server's consent export makes one).
func ExportConsents(ctx context.Context, s *store.Store, g PersonPermit, person string, w io.Writer, bundle bool) (int, error) {
	if g == nil {
		return 0, ErrNoPermit
	}
	if err := g.CheckPerson(person); err != nil {
		return 0, fmt.Errorf("clinical: %w", err)
	}
	h, err := ConsentHistory(ctx, s, person)
	if err != nil {
		return 0, err
	}
	var out []fhir.Resource
	for _, e := range h.Events() {
		r, err := consent.ToFHIR(e, e.Source)
		if err != nil {
			return 0, fmt.Errorf("clinical: exporting consent %s: %w", e.Source, err)
		}
		out = append(out, fhir.ConsentFromModel(r))
	}
	if bundle {
		err = fhir.WriteBundle(w, out...)
	} else {
		err = fhir.WriteNDJSON(w, out...)
	}
	return len(out), err
}
