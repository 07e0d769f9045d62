package portal

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/server/cdshooks"
	"github.com/varamu/varamu/server/fhirrecords"
)

// request is one page request about one person, after access allowed it.
type request struct {
	ss     *session
	snap   *server.Snapshot
	person string
	grant  server.Grant
	now    time.Time
	pg     *page
	saved  bool // the page follows a saved choice
}

// begin checks the session and asks access about the person of the URL;
// on refusal it has written the answer.
func (p *Portal) begin(w http.ResponseWriter, r *http.Request, active string) (*request, bool) {
	now := p.s.Now()()
	ss, ok := p.sess.get(r, now)
	if !ok {
		http.Redirect(w, r, "/portal/", http.StatusSeeOther)
		return nil, false
	}
	q := &request{ss: ss, snap: p.s.Snapshot(), person: r.PathValue("person"), now: now, pg: newPage(r, ss),
		saved: r.URL.Query().Get("saved") == "1"}
	q.pg.Active = active
	whose, err := p.whose(r.Context(), q.snap, ss.caller.Isikukood, now)
	if err != nil {
		p.fail(w, r, ss, err)
		return nil, false
	}
	q.pg.Whose = whose
	if active != "looked" { // the access log is read under its own decision
		g, err := p.s.Decide(r.Context(), q.snap, ss.caller, q.person, "")
		if err != nil {
			p.refuse(w, r, q, err)
			return nil, false
		}
		q.grant = g
	}
	q.pg.Current = &Whom{Person: q.person, Relation: "other"}
	for i := range whose {
		if whose[i].Person == q.person {
			q.pg.Current = &whose[i]
		}
	}
	return q, true
}

// refuse answers a refused or undecidable access.
func (p *Portal) refuse(w http.ResponseWriter, r *http.Request, q *request, err error) {
	if errors.Is(err, server.ErrDenied) {
		p.render(w, r, http.StatusForbidden, "error", q.pg, "error.denied")
		return
	}
	p.fail(w, r, q.ss, err)
}

// personPage serves one of the pages about a person.
func (p *Portal) personPage(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, ok := p.begin(w, r, name)
		if !ok {
			return
		}
		var err error
		switch name {
		case "genome":
			var g *Genome
			if g, err = genomePage(r.Context(), q); err == nil {
				g.Risk, err = p.riskPart(r.Context(), q)
			}
			q.pg.Data = g
		case "records":
			q.pg.Data, err = p.recordsPage(r.Context(), q)
		case "looked":
			q.pg.Data, err = p.lookedPage(r.Context(), q)
		case "choices":
			q.pg.Data, err = p.choicesPage(r.Context(), q)
		}
		if err != nil {
			p.refuse(w, r, q, err)
			return
		}
		p.render(w, r, http.StatusOK, name, q.pg, nil)
	}
}

// Gene is one pharmacogene's result in plain words.
type Gene struct {
	Gene, Phenotype, Diplotypes, Source string
	Called, Uncertain                   bool
	Confidence                          *float64
	Missing, Notes                      []string
}

// Drug is what a doctor would do with a drug for this person: the same
// precomputed recommendation a clinician's CDS card is made from.
type Drug struct {
	Drug, Genes, Phenotypes, Action, Strength, Text, Guideline, Indicator string
}

// Prescription is a current prescription with its drug–gene alert, if any.
type Prescription struct {
	fhirrecords.Medication
	Alert *Drug
}

// Genome is the "My genome and medicines" page.
type Genome struct {
	HasResults    bool
	DataVersion   string
	Genes         []Gene
	Drugs         []Drug
	Prescriptions []Prescription
	Risk          *Risk // polygenic scores and secondary findings (risk.go)
}

func genomePage(ctx context.Context, q *request) (*Genome, error) {
	g := &Genome{DataVersion: q.snap.PGx.DataVersion}
	if sample, ok := q.snap.PGx.Sample(q.person); ok && q.grant.Permit.Check(sample) == nil {
		for _, c := range q.snap.PGx.Calls(sample) {
			g.Genes = append(g.Genes, geneOf(c))
		}
		for _, rec := range q.snap.PGx.Recs(sample) {
			g.Drugs = append(g.Drugs, Drug{Drug: rec.Drug, Genes: strings.Join(rec.Genes, ", "), Phenotypes: rec.Phenotypes,
				Action: rec.Action, Strength: rec.Strength, Text: rec.Text, Guideline: rec.Guideline,
				Indicator: cdshooks.Indicator(rec.Action, rec.Strength)})
		}
	}
	g.HasResults = len(g.Genes) > 0
	slices.SortFunc(g.Drugs, func(a, b Drug) int { return strings.Compare(a.Drug, b.Drug) })
	meds, err := fhirrecords.Prescriptions(ctx, q.snap.Store, q.person)
	if err != nil {
		return nil, err
	}
	for _, m := range meds {
		pr := Prescription{Medication: m}
		for i, d := range g.Drugs {
			if d.Drug == m.Drug && d.Action != rules.ActionStandard && d.Action != rules.ActionNoRecommendation {
				pr.Alert = &g.Drugs[i]
			}
		}
		g.Prescriptions = append(g.Prescriptions, pr)
	}
	return g, nil
}

func geneOf(c pharmacogenomics.GeneCall) Gene {
	return Gene{Gene: c.Gene, Phenotype: c.Phenotype, Diplotypes: strings.Join(c.Diplotypes, " / "), Source: c.Source,
		Called: c.Called, Uncertain: c.Uncertain, Confidence: c.Confidence, Missing: c.MissingPositions, Notes: c.Notes}
}

// Records is the "My records" page.
type Records struct {
	Documents    []fhirrecords.Document
	Observations []fhirrecords.Observation
	// Upcoming are the appointments still to come; Messages those sent
	// about the person; Treating the practitioners a message may go to.
	Upcoming  []fhirrecords.Appointment
	Messages  []fhirrecords.Message
	Treating  []fhirrecords.Practitioner
	CanChange bool
	Saved     bool
}

func (p *Portal) recordsPage(ctx context.Context, q *request) (*Records, error) {
	f, err := fhirrecords.Documents(ctx, q.snap.Store, q.person)
	if err != nil {
		return nil, err
	}
	st, err := p.stateOf(ctx, q)
	if err != nil {
		return nil, err
	}
	for i := range f {
		f[i].Closed = st.DocumentClosed(f[i].ID)
	}
	obs, err := fhirrecords.Observations(ctx, q.snap.Store, q.person, 100)
	if err != nil {
		return nil, err
	}
	rec := &Records{Documents: f, Observations: obs, Saved: q.saved}
	apts, err := fhirrecords.Appointments(ctx, q.snap.Store, q.person)
	if err != nil {
		return nil, err
	}
	for _, a := range apts {
		if a.Upcoming(q.now) {
			rec.Upcoming = append(rec.Upcoming, a)
		}
	}
	if rec.Messages, err = fhirrecords.Messages(ctx, q.snap.Store, q.person); err != nil {
		return nil, err
	}
	if rec.Treating, err = fhirrecords.Treating(ctx, q.snap.Store, q.person); err != nil {
		return nil, err
	}
	fam, err := p.fam.get(ctx, q.snap)
	if err != nil {
		return nil, err
	}
	rec.CanChange = canChange(fam, q.ss.caller.Isikukood, q.person, q.now)
	return rec, nil
}

// Access is one entry of "who looked at my data".
type Access struct {
	audit.Entry
	Verified bool
	Proof    string
}

// Looked is the "who looked" page: emergency accesses first.
type Looked struct {
	Emergency, Other []Access
}

func (p *Portal) lookedPage(ctx context.Context, q *request) (*Looked, error) {
	view, err := q.snap.Decider.WhoLooked(ctx, q.ss.caller.Actor, q.person, q.now, nil)
	if err != nil {
		return nil, server.ErrDenied
	}
	proved := slices.DeleteFunc(view.Accesses, func(e audit.EntryProof) bool { return e.Entry.Kind != audit.KindAccess })
	l := &Looked{}
	for i := len(proved) - 1; i >= 0; i-- { // newest first
		a := Access{Entry: proved[i].Entry, Verified: proved[i].Verified, Proof: proved[i].Status}
		if a.Flagged || a.Purpose == "emergency" {
			l.Emergency = append(l.Emergency, a)
		} else {
			l.Other = append(l.Other, a)
		}
	}
	return l, nil
}
