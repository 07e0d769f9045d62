package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/varamu/varamu/server/fhirrecords"
)

// maxMessage is the longest message the portal takes, in characters.
const maxMessage = 4000

// beginChange is begin for a POST that changes the person's records: the
// session's CSRF token, an allowed access decision, and the right to act
// for the person (self, or parent of a child under 18).
func (p *Portal) beginChange(w http.ResponseWriter, r *http.Request) (*request, bool) {
	ss, ok := p.postSession(w, r, p.s.Now()())
	if !ok {
		return nil, false
	}
	q, ok := p.begin(w, r, "records")
	if !ok {
		return nil, false
	}
	f, err := p.fam.get(r.Context(), q.snap)
	if err != nil {
		p.fail(w, r, ss, err)
		return nil, false
	}
	if !canChange(f, ss.caller.Isikukood, q.person, q.now) {
		p.render(w, r, http.StatusForbidden, "error", q.pg, "error.cannotchange")
		return nil, false
	}
	return q, true
}

// done refreshes the server's snapshot and returns to the records page.
func (p *Portal) done(w http.ResponseWriter, r *http.Request, q *request) {
	if _, err := p.s.Refresh(r.Context()); err != nil {
		p.fail(w, r, q.ss, err)
		return
	}
	http.Redirect(w, r, "/portal/p/"+url.PathEscape(q.person)+"/records?saved=1", http.StatusSeeOther)
}

func (p *Portal) cancelAppointment(w http.ResponseWriter, r *http.Request) {
	q, ok := p.beginChange(w, r)
	if !ok {
		return
	}
	apts, err := fhirrecords.Appointments(r.Context(), q.snap.Store, q.person)
	if err != nil {
		p.fail(w, r, q.ss, err)
		return
	}
	i := slices.IndexFunc(apts, func(a fhirrecords.Appointment) bool { return a.ID == r.PathValue("id") })
	if i < 0 || !apts[i].Upcoming(q.now) {
		p.render(w, r, http.StatusNotFound, "error", q.pg, "error.noappointment")
		return
	}
	if err := p.write.cancel(r.Context(), q.snap.Store.Dir(), q.person, apts[i], q.now); err != nil {
		p.fail(w, r, q.ss, err)
		return
	}
	p.done(w, r, q)
}

func (p *Portal) sendMessage(w http.ResponseWriter, r *http.Request) {
	q, ok := p.beginChange(w, r)
	if !ok {
		return
	}
	text := strings.TrimSpace(r.PostFormValue("text"))
	if text == "" || !utf8.ValidString(text) || utf8.RuneCountInString(text) > maxMessage {
		p.render(w, r, http.StatusBadRequest, "error", q.pg, "error.message")
		return
	}
	treating, err := fhirrecords.Treating(r.Context(), q.snap.Store, q.person)
	if err != nil {
		p.fail(w, r, q.ss, err)
		return
	}
	to := r.PostFormValue("practitioner")
	if !slices.ContainsFunc(treating, func(pr fhirrecords.Practitioner) bool { return pr.ID == to }) {
		p.render(w, r, http.StatusBadRequest, "error", q.pg, "error.recipient")
		return
	}
	if err := p.write.message(r.Context(), q.snap.Store.Dir(), q.person, q.ss.caller.Isikukood, to, text, q.now); err != nil {
		p.fail(w, r, q.ss, err)
		return
	}
	p.done(w, r, q)
}
