package server

import (
	"context"

	"github.com/varamu/varamu/access"
)

// DecideRequests decides requests other than Decide's (a read that needs
// another purpose, such as secondary findings) through the same group
// commit: their Time is set to now, and every decision is in the audit log
// before it returns. On error, access MUST be treated as denied.
func (s *Server) DecideRequests(ctx context.Context, snap *Snapshot, reqs []access.Request) ([]access.Decision, error) {
	ds, err := s.decideNow(ctx, snap, reqs)
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		outcome := "allowed"
		if !d.Allowed {
			outcome = "denied"
		}
		s.metrics.decision(outcome)
	}
	return ds, nil
}

// decideNow decides reqs at the server's now through the group commit,
// counting a failed decision in the metrics.
func (s *Server) decideNow(ctx context.Context, snap *Snapshot, reqs []access.Request) ([]access.Decision, error) {
	now := s.cfg.Now()
	for i := range reqs {
		reqs[i].Time = now
	}
	ds, err := s.decideAll(ctx, snap.Decider, reqs)
	if err != nil {
		s.metrics.decision("error")
		return nil, err
	}
	return ds, nil
}
