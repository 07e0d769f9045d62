package portal

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/server"
)

// Whom is one person whose data the logged-in person may choose to see.
type Whom struct {
	Person string
	// Relation is "self", "child" or "authorised".
	Relation string
	// Until is when this way of seeing ends (the child's 18th birthday,
	// the end of the authorisation; zero: open).
	Until time.Time
	Birth time.Time
}

// family is, for one store generation, who may represent whom: the
// children of each guardian and the people whose consent history names
// each agent. Whether a link is in force is decided on the day.
type family struct {
	generation int64
	cur        *clinical.Current
	children   map[string][]string // guardian -> persons
	principals map[string][]string // agent -> persons who authorised them at some time
}

// familyCache holds the family of the latest generation asked for.
type familyCache struct {
	mu sync.Mutex
	f  *family
}

func (c *familyCache) get(ctx context.Context, snap *server.Snapshot) (*family, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f != nil && c.f.generation == snap.Generation {
		return c.f, nil
	}
	cur, err := clinical.ReadCurrent(ctx, snap.Store)
	if err != nil {
		return nil, err
	}
	f := &family{generation: snap.Generation, cur: cur, children: map[string][]string{}, principals: map[string][]string{}}
	for person := range cur.Persons {
		for _, g := range cur.Guardians(person) {
			f.children[g] = append(f.children[g], person)
		}
	}
	for person, evs := range cur.Consents {
		for _, e := range evs {
			if e.Kind == consent.Authorise && !slices.Contains(f.principals[e.Agent], person) {
				f.principals[e.Agent] = append(f.principals[e.Agent], person)
			}
		}
	}
	for _, m := range []map[string][]string{f.children, f.principals} {
		for k := range m {
			slices.Sort(m[k])
		}
	}
	c.f = f
	return f, nil
}

// state is the person's consent at t.
func (f *family) state(person string, t time.Time) (consent.State, error) {
	h, err := f.cur.History(person)
	if err != nil {
		return consent.State{}, err
	}
	return h.StateAt(t), nil
}

// whose lists self, each child under 18 on the day and each person whose
// authorisation of actor is in force at now. It is a menu: every page
// still asks access.
func (p *Portal) whose(ctx context.Context, snap *server.Snapshot, actor string, now time.Time) ([]Whom, error) {
	f, err := p.fam.get(ctx, snap)
	if err != nil {
		return nil, err
	}
	out := []Whom{{Person: actor, Relation: "self", Birth: f.cur.Persons[actor].BirthDate}}
	for _, c := range f.children[actor] {
		b := f.cur.Persons[c].BirthDate
		if !b.IsZero() && consent.IsMinor(b, now) {
			out = append(out, Whom{Person: c, Relation: "child", Until: consent.AdultAt(b), Birth: b})
		}
	}
	for _, pr := range f.principals[actor] {
		st, err := f.state(pr, now)
		if err != nil {
			return nil, err
		}
		if a, ok := st.Authorises(actor); ok && !slices.ContainsFunc(out, func(w Whom) bool { return w.Person == pr }) {
			out = append(out, Whom{Person: pr, Relation: "authorised", Until: a.Until, Birth: f.cur.Persons[pr].BirthDate})
		}
	}
	return out, nil
}
