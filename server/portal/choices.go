package portal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/server/fhirrecords"
)

// Choices is the "My choices" page.
type Choices struct {
	// CanChange: the person themself, or a parent of a child under 18;
	// a person someone authorised may look but not change.
	CanChange bool
	State     consent.State
	Research  []string // the research consent in plain words (catalogue keys)
	Documents []fhirrecords.Document
	Guardians []Whom // parents who may see the data, until the 18th birthday
	Today     string
	Done      bool
	Modifiers []consent.Code // the limits the research form offers
}

func (p *Portal) stateOf(ctx context.Context, q *request) (consent.State, error) {
	f, err := p.fam.get(ctx, q.snap)
	if err != nil {
		return consent.State{}, err
	}
	return f.state(q.person, q.now)
}

func (p *Portal) choicesPage(ctx context.Context, q *request) (*Choices, error) {
	f, err := p.fam.get(ctx, q.snap)
	if err != nil {
		return nil, err
	}
	st, err := f.state(q.person, q.now)
	if err != nil {
		return nil, err
	}
	c := &Choices{State: st, CanChange: canChange(f, q.ss.caller.Isikukood, q.person, q.now),
		Today: q.now.Format(time.DateOnly), Done: q.saved, Modifiers: researchModifiers}
	if st.Research != nil {
		c.Research = duoWords(*st.Research)
	}
	if c.Documents, err = fhirrecords.Documents(ctx, q.snap.Store, q.person); err != nil {
		return nil, err
	}
	for i := range c.Documents {
		c.Documents[i].Closed = st.DocumentClosed(c.Documents[i].ID)
	}
	if b := f.cur.Persons[q.person].BirthDate; !b.IsZero() && consent.IsMinor(b, q.now) {
		for _, g := range f.cur.Guardians(q.person) {
			c.Guardians = append(c.Guardians, Whom{Person: g, Relation: "parent", Until: consent.AdultAt(b)})
		}
	}
	return c, nil
}

// canChange: a person's choices are made by the person, or by a parent or
// guardian while the person is under 18.
func canChange(f *family, actor, person string, now time.Time) bool {
	if actor == person {
		return true
	}
	b := f.cur.Persons[person].BirthDate
	return !b.IsZero() && consent.IsMinor(b, now) && slices.Contains(f.cur.Guardians(person), actor)
}

// duoWords are the catalogue keys of a data use: the permission, then
// each modifier, then the diseases of DS as they are.
func duoWords(d consent.DataUse) []string {
	out := []string{"duo." + string(d.Permission)}
	for _, m := range d.Modifiers {
		out = append(out, "duo."+string(m))
	}
	return out
}

// ErrChoice is a choice form the portal cannot read.
var ErrChoice = errors.New("portal: invalid choice")

// researchPermissions and researchModifiers are the DUO terms the form
// offers.
var (
	researchPermissions = []consent.Code{consent.GRU, consent.HMB}
	researchModifiers   = []consent.Code{consent.NCU, consent.NPU, consent.NMDS, consent.GSO, consent.IRB, consent.PUB, consent.NPOA}
)

// eventOf reads a choice form into a consent event of person, signed by
// actor at now.
func eventOf(form url.Values, person, actor string, now time.Time) (consent.Event, error) {
	e := consent.Event{Person: person, At: now, SignedBy: actor, Kind: consent.Kind(form.Get("action"))}
	switch e.Kind {
	case consent.CloseRecord, consent.OpenRecord, consent.Withdraw:
	case consent.CloseDocument, consent.OpenDocument:
		e.Document = form.Get("document")
	case consent.ReturnOfResults, consent.SecondaryFindings:
		e.Given = form.Get("given") == "yes"
	case consent.GiveResearch:
		perm := consent.Code(form.Get("permission"))
		if !slices.Contains(researchPermissions, perm) {
			return e, fmt.Errorf("%w: research permission %q", ErrChoice, perm)
		}
		e.Use.Permission = perm
		for _, m := range form["modifier"] {
			if !slices.Contains(researchModifiers, consent.Code(m)) {
				return e, fmt.Errorf("%w: modifier %q", ErrChoice, m)
			}
			e.Use.Modifiers = append(e.Use.Modifiers, consent.Code(m))
		}
	case consent.Authorise, consent.Revoke:
		agent, err := isikukood.Parse(strings.TrimSpace(form.Get("agent")))
		if err != nil {
			return e, fmt.Errorf("%w: %v", ErrChoice, err)
		}
		e.Agent = agent.String()
		if e.Kind == consent.Authorise {
			if e.Until, err = formDate(form.Get("until")); err != nil {
				return e, err
			}
		}
	default:
		return e, fmt.Errorf("%w: action %q", ErrChoice, e.Kind)
	}
	if err := e.Validate(); err != nil {
		return e, fmt.Errorf("%w: %v", ErrChoice, err)
	}
	return e, nil
}

// formDate reads an optional date (YYYY-MM-DD; the day's start in Tallinn
// is not needed: a date ends an authorisation at its UTC midnight).
func formDate(s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return t, fmt.Errorf("%w: date %q: want YYYY-MM-DD", ErrChoice, s)
	}
	return t, nil
}

// choose records one choice.
func (p *Portal) choose(w http.ResponseWriter, r *http.Request) {
	now := p.s.Now()()
	ss, ok := p.postSession(w, r, now)
	if !ok {
		return
	}
	q, ok := p.begin(w, r, "choices")
	if !ok {
		return
	}
	f, err := p.fam.get(r.Context(), q.snap)
	if err != nil {
		p.fail(w, r, ss, err)
		return
	}
	if !canChange(f, ss.caller.Isikukood, q.person, now) {
		p.render(w, r, http.StatusForbidden, "error", q.pg, "error.cannotchange")
		return
	}
	ev, err := eventOf(r.PostForm, q.person, ss.caller.Isikukood, now)
	if err != nil {
		p.render(w, r, http.StatusBadRequest, "error", q.pg, "error.choice")
		return
	}
	if err := p.write.append(r.Context(), q.snap.Store.Dir(), ev, now); err != nil {
		p.fail(w, r, ss, err)
		return
	}
	if _, err := p.s.Refresh(r.Context()); err != nil {
		p.fail(w, r, ss, err)
		return
	}
	http.Redirect(w, r, "/portal/p/"+url.PathEscape(q.person)+"/choices?saved=1", http.StatusSeeOther)
}
