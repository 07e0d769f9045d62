package server

import (
	"bytes"
	"cmp"
	"net/http"
	"slices"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/isikukood"
)

// A person's own data, for the person or their representative (the
// caller's ID card): who looked at it, and their consent history. A
// professional or anyone else is refused by access (these purposes are
// self and representative only), and every request is decided and logged
// before anything leaves.

// AccessLogEntry is one access to a person's data in the access-log
// route's answer, with its inclusion proof in the audit log.
type AccessLogEntry struct {
	Index   uint64    `json:"index"`
	Logged  time.Time `json:"logged"`
	Actor   string    `json:"actor"`
	Role    string    `json:"role"`
	Licence string    `json:"licence,omitempty"`
	Purpose string    `json:"purpose"`
	Reason  string    `json:"reason,omitempty"`
	Allowed bool      `json:"allowed"`
	Flagged bool      `json:"flagged,omitempty"`
	Rule    string    `json:"rule"`
	// Proof is the entry's tlog-proof (base64 in JSON; check it with
	// `varamu audit verify-proof`), absent while no checkpoint covers it.
	Proof []byte `json:"proof,omitempty"`
	// Verified and Status are the server's own check of the proof, as
	// audit's person view (Log.ProveForPerson) makes it.
	Verified bool   `json:"verified"`
	Status   string `json:"status"`
}

// AccessLog is the access-log route's answer: the proofs are against the
// checkpoint of size Checkpoint, cosigned by the witnesses when Witnessed.
type AccessLog struct {
	Person     string           `json:"person"`
	Entries    []AccessLogEntry `json:"entries"`
	Checkpoint uint64           `json:"checkpoint"`
	Witnessed  bool             `json:"witnessed"`
}

func (s *Server) personRoutes() {
	params := map[string]string{"id": "path"}
	s.Handle("GET /people/{id}/access-log", http.HandlerFunc(s.accessLog), PathDoc{Path: "/people/{id}/access-log", Method: "get", Tag: "person",
		Summary: "Who looked at the person's data, each access with its audit-log inclusion proof (the person or their representative)", Params: params, Response: "application/json"})
	s.Handle("GET /people/{id}/consents", http.HandlerFunc(s.consents), PathDoc{Path: "/people/{id}/consents", Method: "get", Tag: "person",
		Summary: "The person's consent history as a FHIR R4 collection Bundle of Consent resources (the person or their representative)", Params: params, Response: "application/fhir+json"})
}

// authorizeOwn verifies the client certificate and decides access to
// person's own data: self when the caller is the person, else
// representative. It writes any refusal.
func (s *Server) authorizeOwn(w http.ResponseWriter, r *http.Request) (*Snapshot, Grant, bool) {
	person := r.PathValue("id")
	if isikukood.Validate(person) != nil {
		WriteError(w, r, http.StatusBadRequest, "id: want a valid isikukood", nil)
		return nil, Grant{}, false
	}
	snap := s.Snapshot()
	caller, err := s.cfg.Identity.Certificate(r, snap.Register, s.cfg.Now())
	if err != nil {
		s.LogUnauthenticated(r.Context(), snap, person, err)
		WriteError(w, r, http.StatusUnauthorized, AuthMessage(err), err)
		return nil, Grant{}, false
	}
	purpose := access.Self
	if caller.Actor.ID != person {
		purpose = access.Representative
	}
	g, err := s.decideRequests(r.Context(), snap, caller, person, []access.Request{{Actor: caller.Actor, Person: person, Purpose: purpose}})
	g, ok := s.writeRefusal(w, r, g, err)
	return snap, g, ok
}

func (s *Server) accessLog(w http.ResponseWriter, r *http.Request) {
	_, g, ok := s.authorizeOwn(w, r)
	if !ok {
		return
	}
	// The person's own entries and the whole-store accesses (every
	// participant's), proved by the audit package's person view.
	var entries []audit.Entry
	for _, who := range []string{g.Person, access.AllParticipants} {
		es, err := s.log.ByPerson(r.Context(), who)
		if err != nil {
			WriteError(w, r, http.StatusInternalServerError, "the access log could not be read", err)
			return
		}
		entries = append(entries, es...)
	}
	slices.SortFunc(entries, func(a, b audit.Entry) int { return cmp.Compare(a.Index, b.Index) })
	view, err := s.log.ProveForPerson(r.Context(), entries, nil)
	if err != nil {
		WriteError(w, r, http.StatusInternalServerError, "the access log could not be proved", err)
		return
	}
	out := AccessLog{Person: g.Person, Entries: []AccessLogEntry{}, Checkpoint: view.Checkpoint.Size, Witnessed: view.Witnessed}
	for _, p := range view.Accesses {
		e := p.Entry
		out.Entries = append(out.Entries, AccessLogEntry{Index: e.Index, Logged: e.Logged, Actor: e.Actor, Role: e.Role, Licence: e.Licence,
			Purpose: e.Purpose, Reason: e.Reason, Allowed: e.Allowed, Flagged: e.Flagged, Rule: e.Rule,
			Proof: p.Proof, Verified: p.Verified, Status: p.Status})
	}
	WriteJSON(w, "application/json", out)
}

func (s *Server) consents(w http.ResponseWriter, r *http.Request) {
	snap, g, ok := s.authorizeOwn(w, r)
	if !ok {
		return
	}
	var b bytes.Buffer
	if _, err := clinical.ExportConsents(r.Context(), snap.Store, g.Permit, g.Person, &b, true); err != nil {
		WriteError(w, r, http.StatusInternalServerError, "the consent history could not be read", err)
		return
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	w.Write(b.Bytes())
}
