package consent

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const alice = "49001010001"

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

func history(t *testing.T, events ...Event) *History {
	t.Helper()
	for i := range events {
		events[i].Person = alice
	}
	h, err := Load(alice, events)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// summary is the part of a State the table tests compare.
type summary struct {
	RecordClosed      bool
	ClosedDocuments   []string
	Research          string
	Withdrawn         bool
	ReturnOfResults   bool
	SecondaryFindings bool
	Agents            []string
}

func summarise(s State) summary {
	out := summary{RecordClosed: s.RecordClosed, ClosedDocuments: s.ClosedDocuments, Withdrawn: s.Withdrawn,
		ReturnOfResults: s.ReturnOfResults, SecondaryFindings: s.SecondaryFindings}
	if s.Research != nil {
		out.Research = s.Research.String()
	}
	for _, a := range s.Authorisations {
		out.Agents = append(out.Agents, a.Agent)
	}
	return out
}

func TestStateAtReplay(t *testing.T) {
	hmb := DataUse{Permission: HMB, Modifiers: []Code{NCU}}
	h := history(t,
		Event{At: day(2020, 1, 1), Kind: GiveResearch, Use: hmb},
		Event{At: day(2020, 1, 1), Kind: ReturnOfResults, Given: true},
		Event{At: day(2021, 6, 1), Kind: CloseDocument, Document: "doc-1"},
		Event{At: day(2021, 7, 1), Kind: CloseDocument, Document: "doc-2"},
		Event{At: day(2022, 1, 1), Kind: CloseRecord},
		Event{At: day(2022, 2, 1), Kind: OpenRecord},
		Event{At: day(2022, 3, 1), Kind: OpenDocument, Document: "doc-1"},
		Event{At: day(2023, 1, 1), Kind: SecondaryFindings, Given: true},
		Event{At: day(2024, 1, 1), Kind: Withdraw},
		Event{At: day(2024, 6, 1), Kind: ReturnOfResults, Given: true}, // no effect while withdrawn
		Event{At: day(2025, 1, 1), Kind: GiveResearch, Use: DataUse{Permission: GRU}},
	)
	tests := []struct {
		at   time.Time
		want summary
	}{
		{day(2019, 12, 31), summary{}},
		{day(2020, 1, 1), summary{Research: "HMB+NCU", ReturnOfResults: true}},
		{day(2021, 6, 1), summary{Research: "HMB+NCU", ReturnOfResults: true, ClosedDocuments: []string{"doc-1"}}},
		{day(2021, 12, 31), summary{Research: "HMB+NCU", ReturnOfResults: true, ClosedDocuments: []string{"doc-1", "doc-2"}}},
		{day(2022, 1, 15), summary{Research: "HMB+NCU", ReturnOfResults: true, RecordClosed: true, ClosedDocuments: []string{"doc-1", "doc-2"}}},
		{day(2022, 2, 1), summary{Research: "HMB+NCU", ReturnOfResults: true, ClosedDocuments: []string{"doc-1", "doc-2"}}},
		{day(2022, 3, 1), summary{Research: "HMB+NCU", ReturnOfResults: true, ClosedDocuments: []string{"doc-2"}}},
		{day(2023, 1, 1), summary{Research: "HMB+NCU", ReturnOfResults: true, SecondaryFindings: true, ClosedDocuments: []string{"doc-2"}}},
		{day(2024, 1, 1), summary{Withdrawn: true, ClosedDocuments: []string{"doc-2"}}},
		{day(2024, 7, 1), summary{Withdrawn: true, ClosedDocuments: []string{"doc-2"}}},
		{day(2025, 1, 1), summary{Research: "GRU", ClosedDocuments: []string{"doc-2"}}},
	}
	for _, tt := range tests {
		t.Run(tt.at.Format(time.DateOnly), func(t *testing.T) {
			got := summarise(h.StateAt(tt.at))
			if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("StateAt(%s) (-want +got):\n%s", tt.at.Format(time.DateOnly), diff)
			}
		})
	}
	// The moment before an event still has the old state.
	if s := h.StateAt(day(2022, 1, 1).Add(-time.Nanosecond)); s.RecordClosed {
		t.Error("record closed a nanosecond before the close event")
	}
}

func TestDocumentClosed(t *testing.T) {
	h := history(t, Event{At: day(2021, 1, 1), Kind: CloseDocument, Document: "d2"}, Event{At: day(2022, 1, 1), Kind: CloseRecord})
	tests := []struct {
		at   time.Time
		doc  string
		want bool
	}{
		{day(2020, 1, 1), "d2", false},
		{day(2021, 1, 1), "d2", true},
		{day(2021, 1, 1), "d1", false},
		{day(2022, 1, 1), "d1", true}, // whole record closed
	}
	for _, tt := range tests {
		s := h.StateAt(tt.at)
		if got := s.DocumentClosed(tt.doc); got != tt.want {
			t.Errorf("%s %s: DocumentClosed = %v, want %v", tt.at.Format(time.DateOnly), tt.doc, got, tt.want)
		}
	}
}

func TestAuthorisationPeriod(t *testing.T) {
	from := time.Date(2024, 3, 1, 0, 0, 0, 0, Tallinn)
	until := time.Date(2024, 9, 1, 0, 0, 0, 0, Tallinn)
	h := history(t,
		Event{At: day(2024, 2, 20), Kind: Authorise, Agent: "bob", From: from, Until: until},
		Event{At: day(2024, 2, 21), Kind: Authorise, Agent: "carol"}, // open-ended, from the event
		Event{At: day(2024, 5, 1), Kind: Revoke, Agent: "carol"},
		Event{At: day(2024, 6, 1), Kind: Authorise, Agent: "carol", Until: day(2024, 6, 2)},
	)
	tests := []struct {
		name string
		at   time.Time
		want []string
	}{
		{"before bob's period", from.Add(-time.Nanosecond), []string{"carol"}},
		{"bob's first instant", from, []string{"bob", "carol"}},
		{"carol revoked", day(2024, 5, 1), []string{"bob"}},
		{"carol again", day(2024, 6, 1), []string{"bob", "carol"}},
		{"carol's second ends (exclusive)", day(2024, 6, 2), []string{"bob"}},
		{"last instant of bob", until.Add(-time.Nanosecond), []string{"bob"}},
		{"bob's end (exclusive)", until, nil},
		{"replay before any", day(2024, 1, 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, summarise(h.StateAt(tt.at)).Agents, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("agents (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIsMinor(t *testing.T) {
	tests := []struct {
		name  string
		birth time.Time
		at    time.Time
		want  bool
		age   int
	}{
		{"day before 18th birthday", day(2008, 5, 10), time.Date(2026, 5, 9, 23, 59, 59, 0, Tallinn), true, 17},
		{"18th birthday midnight Tallinn", day(2008, 5, 10), time.Date(2026, 5, 10, 0, 0, 0, 0, Tallinn), false, 18},
		// 21:30 UTC on 9 May is 00:30 on 10 May in Tallinn (EEST, UTC+3).
		{"birthday already begun in Tallinn", day(2008, 5, 10), time.Date(2026, 5, 9, 21, 30, 0, 0, time.UTC), false, 18},
		{"not yet in Tallinn", day(2008, 5, 10), time.Date(2026, 5, 9, 20, 30, 0, 0, time.UTC), true, 17},
		{"newborn", day(2026, 1, 1), day(2026, 1, 1), true, 0},
		{"leap-day child, 28 Feb", day(2008, 2, 29), time.Date(2026, 2, 28, 12, 0, 0, 0, Tallinn), true, 17},
		{"leap-day child, 1 Mar", day(2008, 2, 29), time.Date(2026, 3, 1, 0, 0, 0, 0, Tallinn), false, 18},
		{"adult", day(1990, 1, 1), day(2026, 1, 1), false, 36},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsMinor(tt.birth, tt.at); got != tt.want {
				t.Errorf("IsMinor = %v, want %v", got, tt.want)
			}
			if got := AgeAt(tt.birth, tt.at); got != tt.age {
				t.Errorf("AgeAt = %d, want %d", got, tt.age)
			}
		})
	}
}

func TestAppendRules(t *testing.T) {
	h := NewHistory(alice)
	if err := h.Append(Event{Person: alice, At: day(2024, 1, 2), Kind: CloseRecord}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		e    Event
		is   error
	}{
		{"older than last", Event{Person: alice, At: day(2024, 1, 1), Kind: OpenRecord}, ErrOutOfOrder},
		{"other person", Event{Person: "x", At: day(2024, 2, 1), Kind: OpenRecord}, nil},
		{"no time", Event{Person: alice, Kind: OpenRecord}, nil},
		{"document without id", Event{Person: alice, At: day(2024, 2, 1), Kind: CloseDocument}, nil},
		{"unknown kind", Event{Person: alice, At: day(2024, 2, 1), Kind: "forget"}, nil},
		{"research without use", Event{Person: alice, At: day(2024, 2, 1), Kind: GiveResearch}, ErrUnknownDUO},
		{"self authorisation", Event{Person: alice, At: day(2024, 2, 1), Kind: Authorise, Agent: alice}, nil},
		{"period ends before start", Event{Person: alice, At: day(2024, 2, 1), Kind: Authorise, Agent: "bob", Until: day(2024, 1, 1)}, nil},
		{"DS without disease", Event{Person: alice, At: day(2024, 2, 1), Kind: GiveResearch, Use: DataUse{Permission: DS}}, nil},
		{"modifier as permission", Event{Person: alice, At: day(2024, 2, 1), Kind: GiveResearch, Use: DataUse{Permission: NCU}}, ErrUnknownDUO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.Append(tt.e)
			if err == nil {
				t.Fatal("Append accepted a bad event")
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
		})
	}
	if n := len(h.Events()); n != 1 {
		t.Errorf("history has %d events after rejected appends, want 1", n)
	}
}

// TestParentalConsentLapses pins the lapse rule of issue 8 item 14 on the
// replay itself.
func TestParentalConsentLapses(t *testing.T) {
	birth := time.Date(2008, 5, 10, 0, 0, 0, 0, Tallinn)
	adult := AdultAt(birth)
	const kid, mum = "50805100036", "47801010011"
	hmb := DataUse{Permission: HMB}
	tests := []struct {
		name     string
		events   []Event
		at       time.Time
		research bool
		ror      bool
		lapsed   []Kind
	}{
		{"child, parent's consent in force", []Event{
			{Person: kid, At: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), Kind: GiveResearch, Use: hmb, SignedBy: mum},
			{Person: kid, At: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), Kind: ReturnOfResults, Given: true, SignedBy: mum},
		}, adult.Add(-time.Nanosecond), true, true, nil},
		{"18th birthday: lapsed", []Event{
			{Person: kid, At: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), Kind: GiveResearch, Use: hmb, SignedBy: mum},
			{Person: kid, At: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), Kind: ReturnOfResults, Given: true, SignedBy: mum},
		}, adult, false, false, []Kind{GiveResearch, ReturnOfResults}},
		{"signed by the child herself at 16: stays", []Event{
			{Person: kid, At: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Kind: GiveResearch, Use: hmb, SignedBy: kid},
		}, adult.AddDate(1, 0, 0), true, false, nil},
		{"no performer recorded: the person's own", []Event{
			{Person: kid, At: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), Kind: GiveResearch, Use: hmb},
		}, adult.AddDate(1, 0, 0), true, false, nil},
		{"representative after 18 (authorised): not a child's consent", []Event{
			{Person: kid, At: adult.AddDate(0, 1, 0), Kind: GiveResearch, Use: hmb, SignedBy: mum},
		}, adult.AddDate(1, 0, 0), true, false, nil},
		{"confirmed by the adult", []Event{
			{Person: kid, At: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), Kind: GiveResearch, Use: hmb, SignedBy: mum},
			{Person: kid, At: adult.AddDate(0, 2, 0), Kind: GiveResearch, Use: hmb, SignedBy: kid},
		}, adult.AddDate(1, 0, 0), true, false, nil},
		{"adult's withdrawal not ended by a consent her mother signs", []Event{
			{Person: kid, At: adult.AddDate(0, 1, 0), Kind: GiveResearch, Use: hmb, SignedBy: kid},
			{Person: kid, At: adult.AddDate(0, 2, 0), Kind: Withdraw, SignedBy: kid},
			{Person: kid, At: adult.AddDate(0, 3, 0), Kind: GiveResearch, Use: hmb, SignedBy: mum},
		}, adult.AddDate(1, 0, 0), false, false, nil},
		{"child's withdrawal ended by a parent's new consent", []Event{
			{Person: kid, At: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), Kind: GiveResearch, Use: hmb, SignedBy: mum},
			{Person: kid, At: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), Kind: Withdraw, SignedBy: mum},
			{Person: kid, At: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), Kind: GiveResearch, Use: hmb, SignedBy: mum},
		}, adult.Add(-time.Second), true, false, nil},
		{"withdrawal by the parent stays", []Event{
			{Person: kid, At: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), Kind: GiveResearch, Use: hmb, SignedBy: mum},
			{Person: kid, At: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), Kind: Withdraw, SignedBy: mum},
		}, adult.AddDate(1, 0, 0), false, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := Load(kid, tc.events)
			if err != nil {
				t.Fatal(err)
			}
			h.SetBirthDate(birth)
			s := h.StateAt(tc.at)
			if (s.Research != nil) != tc.research || s.ReturnOfResults != tc.ror || !slices.Equal(s.Lapsed, tc.lapsed) {
				t.Errorf("research %v ror %v lapsed %v, want %v %v %v", s.Research != nil, s.ReturnOfResults, s.Lapsed, tc.research, tc.ror, tc.lapsed)
			}
			if len(tc.lapsed) > 0 && !s.LapsedAt.Equal(adult) {
				t.Errorf("lapsed at %v, want %v", s.LapsedAt, adult)
			}
		})
	}
}
