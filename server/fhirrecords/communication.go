package fhirrecords

import (
	"net/http"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/server"
)

// communications answers GET /fhir/Communication?recipient=Practitioner/<id>:
// the messages people sent to the calling practitioner (only to them:
// another recipient is refused), each person's message only when access
// allows the practitioner to treat them (decided and logged per person).
func (h *handler) communications(w http.ResponseWriter, r *http.Request) {
	want := strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("recipient")), "Practitioner/")
	if want == "" {
		server.WriteError(w, r, http.StatusBadRequest, "recipient: want Practitioner/<id>", nil)
		return
	}
	snap := h.s.Snapshot()
	caller, err := h.s.Identity().Certificate(r, snap.Register, h.s.Now()())
	if err != nil {
		h.s.LogUnauthenticated(r.Context(), snap, "", err)
		server.WriteError(w, r, http.StatusUnauthorized, server.AuthMessage(err), err)
		return
	}
	if caller.Actor.Role != access.Professional || caller.Actor.ID != want {
		server.WriteError(w, r, http.StatusForbidden, "a practitioner reads only the messages sent to them", server.ErrDenied)
		return
	}
	ms, err := MessagesTo(r.Context(), snap.Store, want)
	if err != nil {
		server.WriteError(w, r, http.StatusInternalServerError, "messages could not be read", err)
		return
	}
	allowed := map[string]bool{}
	entries := []any{}
	for _, m := range ms {
		ok, seen := allowed[m.Person]
		if !seen {
			d, err := snap.Decider.Decide(r.Context(), access.Request{Actor: caller.Actor, Person: m.Person, Purpose: access.Treatment, Time: h.s.Now()()})
			if err != nil {
				server.WriteError(w, r, http.StatusInternalServerError, "access could not be decided; nothing was returned", err)
				return
			}
			ok, allowed[m.Person] = d.Allowed, d.Allowed
		}
		if ok {
			entries = append(entries, map[string]any{"fullUrl": h.s.BaseURL(r) + "/fhir/Communication/" + m.ID,
				"resource": communicationResource(m), "search": map[string]string{"mode": "match"}})
		}
	}
	server.WriteJSON(w, fhirJSON, map[string]any{"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries})
}

func communicationResource(m Message) map[string]any {
	res := map[string]any{"resourceType": "Communication", "id": m.ID, "status": m.Status,
		"subject": map[string]string{"reference": "Patient/" + m.Person}, "recipient": []any{map[string]string{"reference": "Practitioner/" + m.Recipient}},
		"payload": []any{map[string]string{"contentString": m.Text}}}
	if m.Sender != "" {
		res["sender"] = map[string]string{"reference": "Patient/" + m.Sender}
	}
	if !m.Sent.IsZero() {
		res["sent"] = m.Sent.UTC().Format(time.RFC3339)
	}
	if m.About != "" {
		res["about"] = []any{map[string]string{"reference": m.About}}
	}
	return res
}
