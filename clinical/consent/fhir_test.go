package consent

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestFHIRRoundTrip(t *testing.T) {
	at := day(2024, 4, 1)
	events := []Event{
		{Kind: CloseRecord},
		{Kind: OpenRecord},
		{Kind: CloseDocument, Document: "doc-7"},
		{Kind: OpenDocument, Document: "doc-7"},
		{Kind: GiveResearch, Use: DataUse{Permission: GRU}},
		{Kind: GiveResearch, Use: DataUse{Permission: HMB, Modifiers: []Code{NPUNCU, IRB}}},
		{Kind: GiveResearch, Use: DataUse{Permission: DS, Diseases: []string{"E11", "C50"}, Modifiers: []Code{NCU}}},
		{Kind: Withdraw},
		{Kind: ReturnOfResults, Given: true},
		{Kind: ReturnOfResults, Given: false},
		{Kind: SecondaryFindings, Given: true},
		{Kind: Authorise, Agent: "38001010000", From: day(2024, 4, 2), Until: day(2025, 4, 2)},
		{Kind: Authorise, Agent: "38001010000"},
		{Kind: Revoke, Agent: "38001010000"},
	}
	for i, e := range events {
		e.Person, e.At, e.Source = alice, at, "c"+string(rune('a'+i))
		t.Run(string(e.Kind), func(t *testing.T) {
			r, err := ToFHIR(e, e.Source)
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := FromFHIR(r)
			if err != nil || !ok {
				t.Fatalf("FromFHIR: ok=%v err=%v", ok, err)
			}
			want := e
			if want.Kind == Authorise && want.From.IsZero() {
				want.From = want.At // ToFHIR writes the effective start
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func validResearch() Resource {
	r, err := ToFHIR(Event{Person: alice, At: day(2024, 1, 1), Kind: GiveResearch, Use: DataUse{Permission: HMB}}, "c1")
	if err != nil {
		panic(err)
	}
	return r
}

func TestFromFHIRErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(r *Resource)
		is   error
		msg  string
	}{
		{"unknown DUO code", func(r *Resource) { r.Provision.Code = [][]Coding{{{System: DUOSystem, Code: "DUO:9999999"}}} }, ErrUnknownDUO, "provision.code[0]"},
		{"unsupported DUO modifier", func(r *Resource) {
			r.Provision.Code = append(r.Provision.Code, []Coding{{System: DUOSystem, Code: "COL"}})
		}, ErrUnknownDUO, "provision.code[1]"},
		{"only a modifier", func(r *Resource) { r.Provision.Code = [][]Coding{{{System: DUOSystem, Code: "NCU"}}} }, ErrUnknownDUO, "provision.code"},
		{"DS without disease", func(r *Resource) { r.Provision.Code = [][]Coding{{{System: DUOSystem, Code: "DUO:0000007"}}} }, ErrFHIR, "DS without"},
		{"no DUO coding", func(r *Resource) { r.Provision.Code = [][]Coding{{{System: "x", Code: "y"}}} }, ErrFHIR, "provision.code[0]"},
		{"bad patient", func(r *Resource) { r.Patient = "Practitioner/1" }, ErrFHIR, "patient"},
		{"no time", func(r *Resource) { r.DateTime = time.Time{} }, ErrFHIR, "dateTime"},
		{"bad provision type", func(r *Resource) { r.Provision.Type = "maybe" }, ErrFHIR, "provision.type"},
		{"unknown status", func(r *Resource) { r.Status = "valid" }, ErrFHIR, "status"},
		{"no topic", func(r *Resource) { r.Category = r.Category[:1] }, ErrFHIR, "category"},
		{"unknown topic", func(r *Resource) { r.Category[1].Code = "marketing" }, ErrFHIR, "category"},
		{"wrong scope", func(r *Resource) { r.Scope.Code = "patient-privacy" }, ErrFHIR, "scope"},
		{"research deny", func(r *Resource) { r.Provision.Type = "deny" }, ErrFHIR, "provision.type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validResearch()
			tt.edit(&r)
			_, ok, err := FromFHIR(r)
			if err == nil || ok {
				t.Fatalf("FromFHIR accepted it (ok=%v)", ok)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("err = %v, want %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "Consent/c1") {
				t.Errorf("err = %q, want it to name Consent/c1 and %q", err, tt.msg)
			}
		})
	}
}

func TestFromFHIRInactiveSkipped(t *testing.T) {
	for _, st := range []string{"draft", "proposed", "rejected", "inactive", "entered-in-error"} {
		r := validResearch()
		r.Status = st
		if _, ok, err := FromFHIR(r); ok || err != nil {
			t.Errorf("status %s: ok=%v err=%v, want skipped without error", st, ok, err)
		}
	}
}
