package fhirrecords

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// Appointment is the current version of one of the person's appointments.
type Appointment struct {
	ID, Status, Practitioner, Service, Description string
	Start, End                                     time.Time
	seq                                            [2]int64
}

// Upcoming reports whether the appointment is still to come at now and
// not cancelled.
func (a Appointment) Upcoming(now time.Time) bool {
	return a.Start.After(now) && slices.Contains([]string{"proposed", "pending", "booked", "waitlist"}, a.Status)
}

// Appointments reads the person's appointments, soonest first.
func Appointments(ctx context.Context, st *store.Store, person string) ([]Appointment, error) {
	as, err := scanPerson(ctx, st, "appointments", person, []string{"status", "start", "end", "practitioner_id", "service", "description"},
		func(r *rows.Row) Appointment {
			return Appointment{ID: r.Str(1), Status: r.Str(4), Start: r.Time(5), End: r.Time(6), Practitioner: r.Str(7), Service: r.Str(8), Description: r.Str(9)}
		}, func(a *Appointment) *[2]int64 { return &a.seq }, func(a Appointment) string { return a.ID })
	slices.SortFunc(as, func(a, b Appointment) int { return cmp.Or(a.Start.Compare(b.Start), strings.Compare(a.ID, b.ID)) })
	return as, err
}

// Message is the current version of a message about a person.
type Message struct {
	ID, Person, Status, Sender, Recipient, About, Text string
	Sent                                               time.Time
	seq                                                [2]int64
}

var messageCols = []string{"status", "sent", "sender_person_id", "recipient_id", "about", "text"}

func messageOf(r *rows.Row) Message {
	return Message{Person: r.Str(0), ID: r.Str(1), Status: r.Str(4), Sent: r.Time(5), Sender: r.Str(6), Recipient: r.Str(7), About: r.Str(8), Text: r.Str(9)}
}

// Messages reads the messages about the person, newest first.
func Messages(ctx context.Context, st *store.Store, person string) ([]Message, error) {
	ms, err := scanPerson(ctx, st, "communications", person, messageCols, messageOf,
		func(m *Message) *[2]int64 { return &m.seq }, func(m Message) string { return m.ID })
	slices.SortFunc(ms, func(a, b Message) int { return cmp.Or(b.Sent.Compare(a.Sent), strings.Compare(a.ID, b.ID)) })
	return ms, err
}

// MessagesTo reads the messages sent to a practitioner, newest first, of
// every person: the caller MUST decide access to each message's person
// before showing it.
func MessagesTo(ctx context.Context, st *store.Store, practitioner string) ([]Message, error) {
	latest := map[string]Message{}
	cols := append([]string{"person_id", "resource_id", "ingest_seq", "row_seq"}, messageCols...)
	err := rows.Scan(ctx, st, "communications", cols, func(r *rows.Row) error {
		m := messageOf(r)
		m.seq = [2]int64{r.I64(2), r.I64(3)}
		if old, ok := latest[m.ID]; ok && !newer(m.seq, old.seq) {
			return nil
		}
		latest[m.ID] = m
		return nil
	})
	var out []Message
	for _, m := range latest {
		if m.Recipient == practitioner {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b Message) int { return cmp.Or(b.Sent.Compare(a.Sent), strings.Compare(a.ID, b.ID)) })
	return out, err
}

// Practitioner is a health professional who treated the person.
type Practitioner struct {
	ID, Name string
}

// Treating returns the practitioners who treated the person: those of
// their encounters, documents, prescriptions and appointments, with their
// names from the register, sorted by id.
func Treating(ctx context.Context, st *store.Store, person string) ([]Practitioner, error) {
	ids := map[string]bool{}
	for _, src := range []struct{ table, col string }{
		{"encounters", "practitioner_id"}, {"documents", "author_id"}, {"medications", "requester_id"}, {"appointments", "practitioner_id"},
	} {
		err := rows.Scan(ctx, st, src.table, []string{"person_id", src.col}, func(r *rows.Row) error {
			if r.Str(0) == person && r.Str(1) != "" {
				ids[r.Str(1)] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	names := map[string]string{}
	err := rows.Scan(ctx, st, "practitioners", []string{"practitioner_id", "given", "family"}, func(r *rows.Row) error {
		if ids[r.Str(0)] {
			names[r.Str(0)] = strings.TrimSpace(r.Str(1) + " " + r.Str(2))
		}
		return nil
	})
	var out []Practitioner
	for id := range ids {
		out = append(out, Practitioner{ID: id, Name: names[id]})
	}
	slices.SortFunc(out, func(a, b Practitioner) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}
