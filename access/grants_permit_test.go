package access

import (
	"context"
	"errors"
	"testing"
)

// TestGrantsPermit: a permit over many grants covers exactly their
// samples; one hand-made or denied grant among them gives no permit.
func TestGrantsPermit(t *testing.T) {
	d, _ := fixture(t)
	actor := Actor{ID: "doc1", Role: Professional}
	req := Request{Actor: actor, Person: adult, Purpose: Treatment, Time: tln(2025, 6, 1)}
	dec, err := d.Decide(context.Background(), req)
	if err != nil || !dec.Allowed {
		t.Fatal(dec, err)
	}
	samples := map[string][]string{adult: {"S1", "S2"}, closed: {"S3"}}
	g, err := GrantsPermit(actor, Treatment, []Grant{{Person: adult, Decision: dec}}, samples)
	if err != nil {
		t.Fatal(err)
	}
	if g.Check("S1", "S2") != nil || !errors.Is(g.Check("S3"), ErrNotPermitted) || !errors.Is(g.Check(), ErrNotPermitted) {
		t.Errorf("coverage wrong: S1,S2 %v, S3 %v, all %v", g.Check("S1", "S2"), g.Check("S3"), g.Check())
	}
	if !errors.Is(g.CheckPerson(adult), ErrNotPermitted) {
		t.Error("a permit over many grants is about one person")
	}
	forged := Grant{Person: closed, Decision: Decision{Allowed: true}}
	if _, err := GrantsPermit(actor, Treatment, []Grant{{Person: adult, Decision: dec}, forged}, samples); !errors.Is(err, ErrNotPermitted) {
		t.Errorf("a hand-made grant gave a permit: %v", err)
	}
	denied, _ := d.Decide(context.Background(), Request{Actor: Actor{ID: "doc2", Role: Professional}, Person: adult, Purpose: Treatment, Time: tln(2025, 6, 1)})
	if _, err := GrantsPermit(actor, Treatment, []Grant{{Person: adult, Decision: denied}}, samples); !errors.Is(err, ErrNotPermitted) {
		t.Errorf("a denied decision gave a permit: %v", err)
	}
	if _, err := GrantsPermit(Actor{}, Treatment, nil, samples); !errors.Is(err, ErrBadIdentifier) {
		t.Errorf("no actor: %v", err)
	}
}
