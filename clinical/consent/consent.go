// Package consent is varamu's consent model: for each person an append-only,
// time-stamped history of decisions about their health record and their
// biobank participation, which can be replayed to say what the consent was at
// any moment (History.StateAt).
//
// The rules (issue 5; Estonian HIS and biobank practice as in facts.md):
//
//   - HIS record: open by default. The person MAY close the whole record or
//     single documents and reopen them. Closed data MUST be hidden from every
//     professional except in emergency access, which needs a stated reason and
//     is flagged to the person (enforced by package access).
//   - Biobank: broad consent to research carries a GA4GH DUO data use
//     (GRU, HMB, DS-x, POA, NRES with modifiers NCU, NPU, NPUNCU, NMDS, GSO, IRB,
//     PUB, NPOA); return of results (PGx) and secondary/incidental findings are
//     consented separately. Withdrawal ends research use, return of results
//     and secondary findings from its moment on; a later research consent
//     of the person (or of a parent, for a child) starts participation
//     again, one signed by someone else for an adult does not.
//   - Representation: a parent or guardian represents a child until the
//     child's 18th birthday, computed from the birth date on each query date
//     and never stored; a person may authorise another person for a period.
//     Both end automatically. Biobank consents (research, return of results,
//     secondary findings) a representative signed (Event.SignedBy) while the
//     person was a child lapse on the 18th birthday (History.SetBirthDate,
//     State.Lapsed) until the person gives them again themselves.
//
// Consents are exchanged as FHIR R4 Consent resources (see fhir.go); the JSON
// encoding belongs to package clinical/fhir.
package consent

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ErrOutOfOrder is returned by Append for an event older than the last one:
// the history is append-only and MUST NOT rewrite the past.
var ErrOutOfOrder = errors.New("consent: event older than the history's last event")

// Kind is the kind of a consent event.
type Kind string

// Event kinds.
const (
	CloseRecord   Kind = "close-record"   // hide the whole HIS record from professionals
	OpenRecord    Kind = "open-record"    // reopen it
	CloseDocument Kind = "close-document" // hide one document (Event.Document)
	OpenDocument  Kind = "open-document"  // reopen it
	// GiveResearch gives (or replaces) broad research consent with
	// Event.Use as the permitted data use.
	GiveResearch Kind = "research-consent"
	// Withdraw withdraws from the biobank: research, return of results and
	// secondary findings all end.
	Withdraw Kind = "withdraw"
	// ReturnOfResults gives (Event.Given) or refuses return of results (PGx).
	ReturnOfResults Kind = "return-of-results"
	// SecondaryFindings gives or refuses return of secondary/incidental findings.
	SecondaryFindings Kind = "secondary-findings"
	// Authorise lets Event.Agent see the person's data in [Event.From, Event.Until).
	Authorise Kind = "authorise"
	// Revoke ends every authorisation of Event.Agent.
	Revoke Kind = "revoke-authorisation"
)

// Event is one decision a person (or their representative) made.
type Event struct {
	Person string    // whose consent
	At     time.Time // when the decision was made and took effect
	Kind   Kind
	// Document is the document id for CloseDocument/OpenDocument.
	Document string
	// Use is the permitted data use of GiveResearch.
	Use DataUse
	// Given is the answer of ReturnOfResults and SecondaryFindings.
	Given bool
	// Agent is the person authorised (Authorise) or no longer (Revoke).
	Agent string
	// From and Until bound an authorisation; a zero From means At, a zero
	// Until means until revoked.
	From, Until time.Time
	// Source identifies where the event came from (a FHIR Consent id).
	Source string
	// SignedBy is who gave the decision (FHIR Consent.performer): the
	// person's own isikukood, a representative's, or "" when not recorded
	// (taken as the person).
	SignedBy string
}

// byRepresentative reports whether someone other than the person signed e.
func (e Event) byRepresentative() bool { return e.SignedBy != "" && e.SignedBy != e.Person }

// Validate checks that the event carries what its kind needs.
func (e Event) Validate() error {
	if e.Person == "" {
		return fmt.Errorf("consent: %s event without a person", e.Kind)
	}
	if e.At.IsZero() {
		return fmt.Errorf("consent: %s event of %s without a time", e.Kind, e.Person)
	}
	switch e.Kind {
	case CloseRecord, OpenRecord, Withdraw, ReturnOfResults, SecondaryFindings:
	case CloseDocument, OpenDocument:
		if e.Document == "" {
			return fmt.Errorf("consent: %s event of %s names no document", e.Kind, e.Person)
		}
	case GiveResearch:
		if err := e.Use.validate(); err != nil {
			return err
		}
	case Authorise, Revoke:
		if e.Agent == "" {
			return fmt.Errorf("consent: %s event of %s names no agent", e.Kind, e.Person)
		}
		if e.Agent == e.Person {
			return fmt.Errorf("consent: %s cannot authorise themselves", e.Person)
		}
		if !e.Until.IsZero() && !e.Until.After(e.start()) {
			return fmt.Errorf("consent: authorisation of %s by %s ends %s, before it starts", e.Agent, e.Person, e.Until.Format(time.DateOnly))
		}
	default:
		return fmt.Errorf("consent: unknown event kind %q", e.Kind)
	}
	return nil
}

func (e Event) start() time.Time {
	if e.From.IsZero() {
		return e.At
	}
	return e.From
}

// History is one person's consent history, oldest first.
type History struct {
	person string
	events []Event
	birth  time.Time // zero: unknown (no lapse on coming of age)
}

// SetBirthDate gives the person's date of birth, so that StateAt lets
// consents a representative gave for the person as a child lapse on their
// 18th birthday (see State.Lapsed).
func (h *History) SetBirthDate(birth time.Time) { h.birth = birth }

// NewHistory returns an empty history of person: everything at its default
// (record open, no research consent, no authorisations).
func NewHistory(person string) *History { return &History{person: person} }

// Load builds a history from events in any order (as ingested), sorting them
// by time; events with equal times keep their given order.
func Load(person string, events []Event) (*History, error) {
	sorted := slices.Clone(events)
	slices.SortStableFunc(sorted, func(a, b Event) int { return a.At.Compare(b.At) })
	h := NewHistory(person)
	for _, e := range sorted {
		if err := h.Append(e); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Person returns whose history this is.
func (h *History) Person() string { return h.person }

// Append adds an event at the end of the history. The event MUST belong to
// the history's person and MUST NOT be older than the last event.
func (h *History) Append(e Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if e.Person != h.person {
		return fmt.Errorf("consent: event of %s appended to the history of %s", e.Person, h.person)
	}
	if n := len(h.events); n > 0 && e.At.Before(h.events[n-1].At) {
		return fmt.Errorf("%w: %s at %s, last event at %s", ErrOutOfOrder, e.Kind, e.At.Format(time.RFC3339), h.events[n-1].At.Format(time.RFC3339))
	}
	h.events = append(h.events, e)
	return nil
}

// Events returns a copy of the events, oldest first.
func (h *History) Events() []Event { return slices.Clone(h.events) }

// Authorisation is one person's permission for Agent to see their data.
type Authorisation struct {
	Agent       string
	From, Until time.Time // Until zero: until revoked
	Source      string
}

// State is what a person's consent says at one moment.
type State struct {
	Person string
	At     time.Time
	// RecordClosed hides the whole HIS record from professionals.
	RecordClosed bool
	// ClosedDocuments are the document ids hidden from professionals, sorted.
	ClosedDocuments []string
	// Research is the data use consented to research, nil when the person
	// has not consented or has withdrawn.
	Research      *DataUse
	ResearchSince time.Time
	// Withdrawn is set when the person's last biobank decision was to
	// withdraw; WithdrawnAt says when.
	Withdrawn   bool
	WithdrawnAt time.Time
	// ReturnOfResults and SecondaryFindings are the separate consents to
	// return of PGx results and of incidental findings.
	ReturnOfResults   bool
	SecondaryFindings bool
	// Authorisations are those in force at At.
	Authorisations []Authorisation
	// Lapsed lists the biobank consents (GiveResearch, ReturnOfResults,
	// SecondaryFindings) a parent or guardian gave while the person was a
	// child, which lapsed on the person's 18th birthday (LapsedAt) and
	// stay lapsed until the person gives them again themselves.
	Lapsed   []Kind
	LapsedAt time.Time
}

// DocumentClosed reports whether document id is hidden from professionals
// (closed on its own, or with the whole record).
func (s *State) DocumentClosed(id string) bool {
	if s.RecordClosed {
		return true
	}
	_, ok := slices.BinarySearch(s.ClosedDocuments, id)
	return ok
}

// Authorises reports whether agent may see the person's data at s.At by the
// person's own authorisation, and returns it.
func (s *State) Authorises(agent string) (Authorisation, bool) {
	for _, a := range s.Authorisations {
		if a.Agent == agent {
			return a, true
		}
	}
	return Authorisation{}, false
}

// StateAt replays the history up to and including t and returns the consent
// in force at t. Authorisations are in force when From <= t < Until.
func (h *History) StateAt(t time.Time) State {
	s := State{Person: h.person, At: t}
	closed := map[string]bool{}
	var auths []Authorisation
	// byRep marks the biobank grants in force that a representative gave
	// while the person was a minor.
	byRep := map[Kind]bool{}
	for _, e := range h.events {
		if e.At.After(t) {
			break
		}
		switch e.Kind {
		case CloseRecord:
			s.RecordClosed = true
		case OpenRecord:
			s.RecordClosed = false
		case CloseDocument:
			closed[e.Document] = true
		case OpenDocument:
			delete(closed, e.Document)
		case GiveResearch:
			if s.Withdrawn && !h.representsChild(e) && e.byRepresentative() {
				// Only the person (or a parent for a child) ends a
				// withdrawal.
				continue
			}
			u := e.Use
			s.Research, s.ResearchSince = &u, e.At
			s.Withdrawn, s.WithdrawnAt = false, time.Time{}
		case Withdraw:
			s.Research, s.ResearchSince = nil, time.Time{}
			s.Withdrawn, s.WithdrawnAt = true, e.At
			s.ReturnOfResults, s.SecondaryFindings = false, false
		case ReturnOfResults:
			s.ReturnOfResults = e.Given && !s.Withdrawn
		case SecondaryFindings:
			s.SecondaryFindings = e.Given && !s.Withdrawn
		case Authorise:
			auths = append(auths, Authorisation{Agent: e.Agent, From: e.start(), Until: e.Until, Source: e.Source})
		case Revoke:
			auths = slices.DeleteFunc(auths, func(a Authorisation) bool { return a.Agent == e.Agent })
		}
		switch e.Kind {
		case GiveResearch, ReturnOfResults, SecondaryFindings:
			byRep[e.Kind] = h.representsChild(e)
		case Withdraw:
			clear(byRep)
		}
	}
	h.lapse(&s, byRep)
	for d := range closed {
		s.ClosedDocuments = append(s.ClosedDocuments, d)
	}
	slices.Sort(s.ClosedDocuments)
	for _, a := range auths {
		if !t.Before(a.From) && (a.Until.IsZero() || t.Before(a.Until)) {
			s.Authorisations = append(s.Authorisations, a)
		}
	}
	return s
}

// Tallinn is the time zone in which ages and dates are counted.
var Tallinn = mustTallinn()

// AdultAt returns the moment a person born on birth (a calendar date; its
// clock and zone are ignored) turns 18: midnight starting their 18th
// birthday in Tallinn. A child born on 29 February comes of age on 1 March
// in common years.
func AdultAt(birth time.Time) time.Time {
	y, m, d := birth.Date()
	return time.Date(y+18, m, d, 0, 0, 0, 0, Tallinn) // Go normalises 29 Feb to 1 Mar
}

// IsMinor reports whether a person born on birth is under 18 at t. It is
// computed on every call and never stored, so representation by parents ends
// on the 18th birthday without anyone acting.
func IsMinor(birth, t time.Time) bool { return t.Before(AdultAt(birth)) }

// AgeAt returns the age in whole years at t of a person born on birth.
func AgeAt(birth, t time.Time) int {
	by, bm, bd := birth.Date()
	ty, tm, td := t.In(Tallinn).Date()
	age := ty - by
	if tm < bm || (tm == bm && td < bd) {
		age--
	}
	return age
}

// representsChild reports whether e was signed by a representative while
// the person was a child (birth date known).
func (h *History) representsChild(e Event) bool {
	return e.byRepresentative() && !h.birth.IsZero() && IsMinor(h.birth, e.At)
}

// lapse ends, from the person's 18th birthday, the biobank grants a
// representative gave while the person was a child.
func (h *History) lapse(s *State, byRep map[Kind]bool) {
	if h.birth.IsZero() || IsMinor(h.birth, s.At) {
		return
	}
	for _, k := range []Kind{GiveResearch, ReturnOfResults, SecondaryFindings} {
		if !byRep[k] {
			continue
		}
		switch k {
		case GiveResearch:
			if s.Research == nil {
				continue
			}
			s.Research, s.ResearchSince = nil, time.Time{}
		case ReturnOfResults:
			if !s.ReturnOfResults {
				continue
			}
			s.ReturnOfResults = false
		case SecondaryFindings:
			if !s.SecondaryFindings {
				continue
			}
			s.SecondaryFindings = false
		}
		s.Lapsed = append(s.Lapsed, k)
		s.LapsedAt = AdultAt(h.birth)
	}
}

// Describe says what the state means, one line per subject, in words the
// person can read (the person's own view of their consent).
func (s *State) Describe() []string {
	day := func(t time.Time) string { return t.Format(time.DateOnly) }
	var out []string
	if s.RecordClosed {
		out = append(out, "health record: closed (professionals see it only in an emergency, with a stated reason, and you are told)")
	} else {
		out = append(out, "health record: open")
	}
	if len(s.ClosedDocuments) > 0 {
		out = append(out, "closed documents: "+strings.Join(s.ClosedDocuments, ", "))
	}
	switch {
	case s.Withdrawn:
		out = append(out, "biobank: withdrawn on "+day(s.WithdrawnAt)+" (no research use, no return of results)")
	case s.Research != nil:
		out = append(out, fmt.Sprintf("biobank research: consented since %s, data use %s", day(s.ResearchSince), s.Research))
	default:
		out = append(out, "biobank research: no consent")
	}
	yes := map[bool]string{true: "yes", false: "no"}
	out = append(out, "return of PGx results: "+yes[s.ReturnOfResults], "return of secondary findings: "+yes[s.SecondaryFindings])
	if len(s.Lapsed) > 0 {
		var what []string
		for _, k := range s.Lapsed {
			what = append(what, string(k))
		}
		out = append(out, fmt.Sprintf("lapsed: %s, given by a parent or guardian while you were a child, lapsed on your 18th birthday (%s); it is not used until you give it again yourself",
			strings.Join(what, ", "), day(s.LapsedAt)))
	}
	for _, a := range s.Authorisations {
		until := "until revoked"
		if !a.Until.IsZero() {
			until = "until " + day(a.Until)
		}
		out = append(out, fmt.Sprintf("authorised: %s may see your data from %s %s", a.Agent, day(a.From), until))
	}
	return out
}
