package devca

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// ErrNoCandidate is returned when the store holds nobody fitting a role.
var ErrNoCandidate = errors.New("devca: the store holds nobody for this role")

// Person is a synthetic person a client certificate is made for.
type Person struct {
	Name      string // professional, patient, parent, child, ...
	Isikukood string
	Given     string
	Family    string
	Role      string // what the person is, in words (ids.tsv)
}

// Names are the client certificates devca makes, in order.
var Names = []string{"professional", "patient", "parent", "child", "representative", "researcher", "expired-licence", "revoked"}

type facts struct {
	pracs     []clinical.RegisteredPractitioner
	annotated map[string]bool // people with PGx recommendations
	dir       *access.MemDirectory
	histories map[string]*consent.History
	persons   []string                   // sorted
	byPrac    map[string]map[string]bool // practitioner id -> patients they prescribed for
}

func loadFacts(ctx context.Context, st *store.Store) (*facts, error) {
	f := &facts{byPrac: map[string]map[string]bool{}, histories: map[string]*consent.History{}}
	pracs, err := clinical.Practitioners(ctx, st)
	if err != nil {
		return nil, err
	}
	for _, p := range pracs {
		f.pracs = append(f.pracs, p)
	}
	slices.SortFunc(f.pracs, func(a, b clinical.RegisteredPractitioner) int { return cmp.Compare(a.ID, b.ID) })
	if f.annotated, err = server.AnnotatedPeople(ctx, st); err != nil {
		return nil, err
	}
	if f.dir, err = access.LoadDirectory(ctx, st); err != nil {
		return nil, err
	}
	evs, err := clinical.ConsentEvents(ctx, st)
	if err != nil {
		return nil, err
	}
	for p, e := range evs {
		if f.histories[p], err = consent.Load(p, e); err != nil {
			return nil, err
		}
	}
	seen := map[string]bool{}
	err = rows.Scan(ctx, st, "persons", []string{"person_id"}, func(r *rows.Row) error {
		if id := r.Str(0); !seen[id] {
			seen[id] = true
			f.persons = append(f.persons, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(f.persons)
	err = rows.Scan(ctx, st, "medications", []string{"person_id", "requester_id"}, func(r *rows.Row) error {
		if f.byPrac[r.Str(1)] == nil {
			f.byPrac[r.Str(1)] = map[string]bool{}
		}
		f.byPrac[r.Str(1)][r.Str(0)] = true
		return nil
	})
	return f, err
}

func (f *facts) state(person string, t time.Time) consent.State {
	h := f.histories[person]
	if h == nil {
		h = consent.NewHistory(person)
	}
	return h.StateAt(t)
}

// hasResults reports whether the person has annotated PGx recommendations.
func (f *facts) hasResults(person string) bool {
	return f.annotated[person]
}

// returnable: results, return-of-results consent, record open, not withdrawn.
func (f *facts) returnable(person string, t time.Time) bool {
	st := f.state(person, t)
	return f.hasResults(person) && st.ReturnOfResults && !st.RecordClosed && !st.Withdrawn
}

func (f *facts) isPractitioner(code string) bool {
	return slices.ContainsFunc(f.pracs, func(p clinical.RegisteredPractitioner) bool { return p.Isikukood == code })
}

// pick chooses the people of Names from the store at t.
func pick(f *facts, t time.Time) ([]Person, error) {
	var out []Person
	used := map[string]bool{}
	add := func(name, code, role string) {
		out = append(out, Person{Name: name, Isikukood: code, Role: role})
		used[code] = true
	}
	var pro clinical.RegisteredPractitioner
	var patient string
	for _, p := range f.pracs {
		if p.Isikukood == "" || !p.LicensedAt(t) {
			continue
		}
		for _, id := range f.persons {
			if f.byPrac[p.ID][id] && f.returnable(id, t) && !f.isPractitioner(id) {
				pro, patient = p, id
				break
			}
		}
		if patient != "" {
			break
		}
	}
	if patient == "" {
		return nil, fmt.Errorf("professional with a patient with PGx results and return-of-results consent: %w", ErrNoCandidate)
	}
	add("professional", pro.Isikukood, fmt.Sprintf("professional %s, licence %s", pro.ID, pro.Licence))
	add("patient", patient, "patient of "+pro.ID+" with PGx results and return-of-results consent")
	parent, child := "", ""
	for _, id := range f.persons {
		info, err := f.dir.Person(context.Background(), id)
		if err != nil || !consent.IsMinor(info.BirthDate, t) || len(info.Guardians) == 0 || !f.hasResults(id) || used[id] {
			continue
		}
		if g := info.Guardians[0]; !used[g] && !f.isPractitioner(g) {
			parent, child = g, id
			break
		}
	}
	if child == "" {
		return nil, fmt.Errorf("parent of a child under 18 with PGx results: %w", ErrNoCandidate)
	}
	add("parent", parent, "parent of "+child)
	add("child", child, "child (under 18) of "+parent)
	rep := ""
	for _, id := range f.persons {
		if rep != "" {
			break // the first will do: replaying every person's consents took minutes on 200,000 people
		}
		st := f.state(id, t)
		for _, a := range st.Authorisations {
			if !used[a.Agent] && !used[id] && !f.isPractitioner(a.Agent) && rep == "" {
				rep = a.Agent
				add("representative", a.Agent, "authorised by "+id)
			}
		}
	}
	if rep == "" {
		return nil, fmt.Errorf("representative authorised by another person: %w", ErrNoCandidate)
	}
	other := func(name, role string) error {
		for _, id := range f.persons {
			info, err := f.dir.Person(context.Background(), id)
			if err == nil && !used[id] && !f.isPractitioner(id) && !consent.IsMinor(info.BirthDate, t) {
				add(name, id, role)
				return nil
			}
		}
		return fmt.Errorf("%s: %w", name, ErrNoCandidate)
	}
	if err := other("researcher", "researcher, member of research project "+DemoProject+" (projects.json)"); err != nil {
		return nil, err
	}
	var expired *clinical.RegisteredPractitioner
	for i, p := range f.pracs {
		if p.Isikukood != "" && !p.Until.IsZero() && !p.LicensedAt(t) && !used[p.Isikukood] {
			expired = &f.pracs[i]
			break
		}
	}
	if expired == nil {
		return nil, fmt.Errorf("practitioner whose licence ended: %w", ErrNoCandidate)
	}
	add("expired-licence", expired.Isikukood, fmt.Sprintf("practitioner %s, licence %s ended %s", expired.ID, expired.Licence, expired.Until.Format(time.DateOnly)))
	if err := other("revoked", "person whose certificate is revoked in crl.pem"); err != nil {
		return nil, err
	}
	return out, nil
}
