package access

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestControlCharactersRefused pins issue 8 item 11: an actor, person,
// licence or reason with control characters is denied (and the denial is
// logged with the value as given, escaped by whoever prints it).
func TestControlCharactersRefused(t *testing.T) {
	d, _ := fixture(t)
	doc := Actor{ID: "doc1", Role: Professional}
	at := tln(2025, 6, 1)
	for _, r := range []Request{
		{Actor: Actor{ID: "doc1\n2026-01-01\tforged", Role: Professional}, Person: adult, Purpose: Treatment, Time: at},
		{Actor: Actor{ID: "doc1\u202e", Role: Professional}, Person: adult, Purpose: Treatment, Time: at},
		{Actor: doc, Person: adult + "\t", Purpose: Treatment, Time: at},
		{Actor: Actor{ID: "doc1", Role: Professional, Licence: "D12345\r"}, Person: adult, Purpose: Treatment, Time: at},
		{Actor: doc, Person: closed, Purpose: Emergency, Reason: "patient unconscious in\nthe ER", Time: at},
	} {
		dec, err := d.Decide(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if dec.Allowed || !strings.Contains(dec.Rule, "control character") {
			t.Errorf("%q/%q/%q: %+v, want a denial for a control character", r.Actor.ID, r.Person, r.Reason, dec)
		}
	}
	// The licence comes from the register when the request states none.
	dec, err := d.Decide(context.Background(), Request{Actor: doc, Person: adult, Purpose: Treatment, Time: at})
	if err != nil || !dec.Allowed || !strings.Contains(dec.Rule, "D12345") {
		t.Errorf("treatment without a stated licence: %+v %v", dec, err)
	}
}

// TestCheckReason: an emergency reason is a sentence, not blank (issue 10).
func TestCheckReason(t *testing.T) {
	for reason, ok := range map[string]bool{
		"":                                      false,
		" ":                                     false,
		"...":                                   false,
		"urgent":                                false,
		"x x x x":                               false,
		"urgent urgent urgent":                  false,
		"patient unconscious in the ER":         true,
		"anticoagulation decision, unconscious": true,
	} {
		if err := CheckReason(reason); (err == nil) != ok {
			t.Errorf("CheckReason(%q) = %v, want ok=%v", reason, err, ok)
		}
	}
}

// TestPermitOnlyFromLoggedDecisions: a Decision made by hand gives no
// Permit; an allowed, logged one covers exactly the samples named.
func TestPermitOnlyFromLoggedDecisions(t *testing.T) {
	d, _ := fixture(t)
	req := Request{Actor: Actor{ID: "doc1", Role: Professional}, Person: adult, Purpose: Treatment, Time: tln(2025, 6, 1)}
	if _, err := (Decision{Allowed: true}).Permit(req, "S1"); !errors.Is(err, ErrNotPermitted) {
		t.Errorf("hand-made decision gave a permit: %v", err)
	}
	dec, err := d.Decide(context.Background(), req)
	if err != nil || !dec.Allowed {
		t.Fatal(dec, err)
	}
	g, err := dec.Permit(req, "S1")
	if err != nil {
		t.Fatal(err)
	}
	if g.Check("S1") != nil || !errors.Is(g.Check("S2"), ErrNotPermitted) || !errors.Is(g.Check(), ErrNotPermitted) {
		t.Errorf("permit coverage wrong: S1 %v, S2 %v, all %v", g.Check("S1"), g.Check("S2"), g.Check())
	}
	if g.CheckPerson(adult) != nil || !errors.Is(g.CheckPerson(closed), ErrNotPermitted) {
		t.Errorf("person coverage wrong: %v %v", g.CheckPerson(adult), g.CheckPerson(closed))
	}
	denied, _ := d.Decide(context.Background(), Request{Actor: Actor{ID: "doc2", Role: Professional}, Person: adult, Purpose: Treatment, Time: tln(2025, 6, 1)})
	if _, err := denied.Permit(req, "S1"); !errors.Is(err, ErrNotPermitted) {
		t.Errorf("denied decision gave a permit: %v", err)
	}
	if !errors.Is((Permit{}).Check("S1"), ErrNotPermitted) {
		t.Error("zero permit covers a sample")
	}
}
