// Package fhirrecords serves the person's clinical records to health
// professionals as FHIR R4 searches on `varamu serve`
// (http://hl7.org/fhir/R4/search.html): GET /fhir/DocumentReference?subject=
// answers a searchset Bundle of the person's documents, leaving out every
// document the person closed (unless in an emergency with a stated reason,
// flagged to the person), and refusing a closed record; GET
// /fhir/Communication?recipient=Practitioner/<id> answers the messages
// people sent the calling practitioner through the portal. It also holds the
// current-state readers of the documents, observations and prescriptions
// tables the patient portal shows.
//
// Contract: every answer is decided by package access (purpose treatment,
// or emergency) and logged before it leaves; a caller who cannot be
// verified is logged as a refused attempt.
package fhirrecords

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/server"
)

// EmergencyHeader carries a professional's stated reason for emergency
// access (the same header as the FHIR Genomics operations).
const EmergencyHeader = "X-Varamu-Emergency-Reason"

const fhirJSON = "application/fhir+json"

// Register adds the record searches to s.
func Register(s *server.Server) {
	h := &handler{s: s}
	s.Handle("GET /fhir/DocumentReference", http.HandlerFunc(h.documents), server.PathDoc{Path: "/fhir/DocumentReference", Method: "get",
		Summary: "The subject's documents (closed ones left out unless in an emergency)", Tag: "fhir-records",
		Params: map[string]string{"subject": "query"}, Response: fhirJSON})
	s.Handle("GET /fhir/Communication", http.HandlerFunc(h.communications), server.PathDoc{Path: "/fhir/Communication", Method: "get",
		Summary: "Messages people sent to the calling practitioner (recipient=Practitioner/<own id>)", Tag: "fhir-records",
		Params: map[string]string{"recipient": "query"}, Response: fhirJSON})
}

type handler struct{ s *server.Server }

// decide verifies the professional and decides treatment (or emergency)
// access to person; ok is false when the answer was written.
func (h *handler) decide(w http.ResponseWriter, r *http.Request, snap *server.Snapshot, person string) (access.Decision, bool) {
	reason := strings.TrimSpace(r.Header.Get(EmergencyHeader))
	if err := server.CheckEmergencyReason(reason); err != nil {
		server.WriteError(w, r, http.StatusBadRequest, err.Error(), err)
		return access.Decision{}, false
	}
	caller, err := h.s.Identity().Certificate(r, snap.Register, h.s.Now()())
	if err != nil {
		h.s.LogUnauthenticated(r.Context(), snap, person, err)
		server.WriteError(w, r, http.StatusUnauthorized, server.AuthMessage(err), err)
		return access.Decision{}, false
	}
	req := access.Request{Actor: caller.Actor, Person: person, Purpose: access.Treatment, Time: h.s.Now()()}
	if reason != "" {
		req.Purpose, req.Reason = access.Emergency, reason
	}
	if caller.Actor.Role != access.Professional {
		req.Purpose = access.Treatment // a person is refused here: their own data is in the portal
	}
	d, err := snap.Decider.Decide(r.Context(), req)
	switch {
	case err != nil:
		server.WriteError(w, r, http.StatusInternalServerError, "access could not be decided; nothing was returned", err)
		return d, false
	case !d.Allowed:
		server.WriteError(w, r, http.StatusForbidden, "access denied", server.ErrDenied)
		return d, false
	}
	return d, true
}

func (h *handler) documents(w http.ResponseWriter, r *http.Request) {
	person := strings.TrimPrefix(strings.TrimSpace(r.URL.Query().Get("subject")), "Patient/")
	if isikukood.Validate(person) != nil {
		server.WriteError(w, r, http.StatusBadRequest, "subject: want a valid isikukood", nil)
		return
	}
	snap := h.s.Snapshot()
	d, ok := h.decide(w, r, snap, person)
	if !ok {
		return
	}
	docs, err := Documents(r.Context(), snap.Store, person)
	if err != nil {
		server.WriteError(w, r, http.StatusInternalServerError, "documents could not be read", err)
		return
	}
	entries := []any{}
	for _, doc := range docs {
		if slices.Contains(d.Hidden, doc.ID) {
			continue
		}
		entries = append(entries, map[string]any{"fullUrl": h.s.BaseURL(r) + "/fhir/DocumentReference/" + doc.ID,
			"resource": documentResource(doc, person), "search": map[string]string{"mode": "match"}})
	}
	server.WriteJSON(w, fhirJSON, map[string]any{"resourceType": "Bundle", "type": "searchset", "total": len(entries), "entry": entries})
}

func documentResource(d Document, person string) map[string]any {
	res := map[string]any{"resourceType": "DocumentReference", "id": d.ID, "status": d.Status,
		"subject": map[string]string{"reference": "Patient/" + person}}
	if d.Type != "" {
		res["type"] = map[string]string{"text": d.Type}
	}
	if !d.Date.IsZero() {
		res["date"] = d.Date.UTC().Format(time.RFC3339)
	}
	if d.Title != "" {
		res["description"] = d.Title
	}
	return res
}
