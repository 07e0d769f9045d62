package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/identity"
)

// unauthenticated is the actor of a request whose caller could not be
// verified; access refuses it (unknown role) and the attempt is logged.
var unauthenticated = access.Actor{ID: "unauthenticated", Role: "unauthenticated"}

// Grant is an allowed access to one person's data.
type Grant struct {
	Caller identity.Caller
	Person string
	// Hidden are documents the caller MUST NOT see.
	Hidden []string
	// Flagged means the person will be told (emergency access).
	Flagged bool
	// Audit are the audit log indexes of the decisions.
	Audit []uint64
	// Permit lets the store's readers serve the person's records and
	// biobank sample (when they have one) under these decisions.
	Permit access.Permit
}

// ErrDenied is a refused access; the response says no more than that.
var ErrDenied = errors.New("server: access denied")

// requests are the access requests one read of a person's PGx results
// needs: a professional reads for treatment (or in an emergency, with a
// stated reason) and PGx results are returned only under return-of-results
// consent; a person reads their own data, or another's as representative.
func requests(a access.Actor, person, reason string) []access.Request {
	switch a.Role {
	case access.Professional:
		if strings.TrimSpace(reason) != "" {
			return []access.Request{{Actor: a, Person: person, Purpose: access.Emergency, Reason: reason}}
		}
		return []access.Request{{Actor: a, Person: person, Purpose: access.Treatment}, {Actor: a, Person: person, Purpose: access.ReturnOfResults}}
	case access.Patient:
		if a.ID == person {
			return []access.Request{{Actor: a, Person: person, Purpose: access.Self}}
		}
		return []access.Request{{Actor: a, Person: person, Purpose: access.Representative}}
	}
	return []access.Request{{Actor: a, Person: person, Purpose: access.Treatment}}
}

// Decide asks access whether caller may read person's results (reason: an
// emergency's stated reason, or ""); every decision is logged before it
// returns. It returns ErrDenied when any decision refuses.
func (s *Server) Decide(ctx context.Context, snap *Snapshot, caller identity.Caller, person, reason string) (Grant, error) {
	return s.decideRequests(ctx, snap, caller, person, requests(caller.Actor, person, reason))
}

// decideRequests decides reqs (all about person) through the group
// commit; the grant's Permit is the last request's, for the person and
// their biobank sample when they have one.
func (s *Server) decideRequests(ctx context.Context, snap *Snapshot, caller identity.Caller, person string, reqs []access.Request) (Grant, error) {
	ds, err := s.decideNow(ctx, snap, reqs)
	if err != nil {
		return Grant{}, err
	}
	g := Grant{Caller: caller, Person: person}
	for _, d := range ds {
		g.Audit = append(g.Audit, d.AuditIndex)
		if !d.Allowed {
			s.metrics.decision("denied")
			s.cfg.Logger.Info("access denied", "actor", caller.Actor.ID, "role", caller.Actor.Role, "audit", d.AuditIndex)
			return Grant{}, ErrDenied
		}
		g.Flagged = g.Flagged || d.Flagged
		for _, h := range d.Hidden {
			if !slices.Contains(g.Hidden, h) {
				g.Hidden = append(g.Hidden, h)
			}
		}
	}
	var samples []string
	if sample, ok := snap.PGx.Sample(person); ok {
		samples = append(samples, sample)
	}
	last := len(ds) - 1
	if g.Permit, err = ds[last].Permit(reqs[last], samples...); err != nil {
		return Grant{}, err
	}
	s.metrics.decision("allowed")
	return g, nil
}

// LogUnauthenticated records a refused attempt on person's data by a
// caller who could not be verified (why): access refuses the unverified
// actor and the refusal is in the audit log.
func (s *Server) LogUnauthenticated(ctx context.Context, snap *Snapshot, person string, why error) {
	s.cfg.Logger.Info("unauthenticated", "err", why)
	s.metrics.decision("unauthenticated")
	if person == "" {
		return
	}
	_, err := s.decideAll(ctx, snap.Decider, []access.Request{{Actor: unauthenticated, Person: person, Purpose: access.Treatment,
		Reason: why.Error(), Time: s.cfg.Now()}})
	if err != nil {
		s.cfg.Logger.Warn("could not log a refused attempt", "err", err)
	}
}

// Authorize verifies the request's client certificate and decides access
// to person. On failure it has written the response (401 or 403, or 500
// when the decision could not be made or logged) and returns false.
func (s *Server) Authorize(w http.ResponseWriter, r *http.Request, snap *Snapshot, person, reason string) (Grant, bool) {
	caller, err := s.cfg.Identity.Certificate(r, snap.Register, s.cfg.Now())
	if err != nil {
		s.LogUnauthenticated(r.Context(), snap, person, err)
		WriteError(w, r, http.StatusUnauthorized, AuthMessage(err), err)
		return Grant{}, false
	}
	return s.DecideOrWrite(w, r, snap, caller, person, reason)
}

// DecideOrWrite is Decide that writes the refusal.
func (s *Server) DecideOrWrite(w http.ResponseWriter, r *http.Request, snap *Snapshot, caller identity.Caller, person, reason string) (Grant, bool) {
	g, err := s.Decide(r.Context(), snap, caller, person, reason)
	return s.writeRefusal(w, r, g, err)
}

// writeRefusal writes a decision's refusal (403) or failure (500) and
// returns the grant and whether access was allowed.
func (s *Server) writeRefusal(w http.ResponseWriter, r *http.Request, g Grant, err error) (Grant, bool) {
	switch {
	case errors.Is(err, ErrDenied):
		WriteError(w, r, http.StatusForbidden, "access denied", err)
		return Grant{}, false
	case err != nil:
		s.cfg.Logger.Error("access decision failed", "err", err)
		WriteError(w, r, http.StatusInternalServerError, "access could not be decided; nothing was returned", err)
		return Grant{}, false
	}
	return g, true
}

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.cfg.Logger }

// Identity returns the server's verifier.
func (s *Server) Identity() *identity.Verifier { return s.cfg.Identity }

// Now returns the server clock's time.
func (s *Server) Now() func() time.Time { return s.cfg.Now }

// BaseURL returns the server's public URL for r.
func (s *Server) BaseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return strings.TrimSuffix(s.cfg.BaseURL, "/")
	}
	return "https://" + r.Host
}

// Metrics lets interfaces count their own events.
func (s *Server) Metrics() *Metrics { return s.metrics }

// ErrReason is returned for an emergency claimed without a real sentence.
var ErrReason = errors.New("server: an emergency needs a stated reason of at least three words")

// CheckEmergencyReason accepts "" (no emergency) or a stated reason of at
// least three words; a blank or one-word reason is refused.
func CheckEmergencyReason(reason string) error {
	if reason != "" && len(strings.Fields(reason)) < 3 {
		return ErrReason
	}
	return nil
}

// AuthMessage is what a 401 body says about err: the sentinel's kind only.
func AuthMessage(err error) string {
	for _, e := range []error{identity.ErrNoCredentials, identity.ErrUntrusted, identity.ErrExpired, identity.ErrRevoked,
		identity.ErrCRL, identity.ErrSubject, identity.ErrUnknownClient, identity.ErrReplayed, identity.ErrToken,
		identity.ErrUnknownUser, identity.ErrTokenNeedsUser} {
		if errors.Is(err, e) {
			return strings.TrimPrefix(e.Error(), "identity: ")
		}
	}
	return "not authenticated"
}
