package access

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical/consent"
)

// Project is an approved research project as the research decision needs
// it (issue 12): who may ask, for which research use, on which days.
type Project struct {
	ID string
	// Use is the project's approved research use (DUO purpose and
	// modifiers); each person in an answer is still decided against it.
	Use consent.ResearchUse
	// Ethics is the ethics committee approval id; a project without one
	// is never open.
	Ethics string
	// Members are the researchers (by personal code) who may ask.
	Members []string
	// Start and End are the first and the last day of the project,
	// calendar dates in UTC; both are required.
	Start, End time.Time
}

// OpenOn reports whether t falls on one of the project's days: Start
// 00:00 UTC <= t < the day after End, 00:00 UTC.
func (p Project) OpenOn(t time.Time) bool {
	start := p.Start.UTC().Truncate(24 * time.Hour)
	end := p.End.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	return !t.Before(start) && t.Before(end)
}

// ProjectSubject is the audit log's Person field of a project decision: a
// project decision reads no one's data (each person of an answer is
// decided and logged on their own), so the entry names the project.
func ProjectSubject(id string) string { return "project:" + id }

// DecideProject decides whether actor may ask a research question in
// project p at the decision moment t (which MUST be now, within NowSkew of
// clock, nil meaning time.Now), and logs the decision to log before it returns. A
// researcher who is not a member, a day outside the project's dates, a
// project without an ethics approval or with an invalid use are denied.
// Callers MUST ask no question when it returns an error or a denial, and
// MUST still decide every person in the answer for p.Use (the consented
// extract does: query.OpenAs).
func DecideProject(ctx context.Context, log *audit.Log, actor Actor, p Project, t time.Time, clock func() time.Time) (Decision, error) {
	if log == nil {
		return Decision{}, fmt.Errorf("access: a project decision needs an audit log")
	}
	if clock == nil {
		clock = time.Now
	}
	dec := projectDecision(actor, p, t, clock())
	e := &audit.Entry{Time: t, Actor: actor.ID, Role: string(actor.Role), Person: ProjectSubject(p.ID),
		Purpose: string(Research), Use: p.Use.String(), Allowed: dec.Allowed, Rule: dec.Rule}
	if _, err := log.Append(context.WithoutCancel(ctx), e); err != nil {
		return Decision{Rule: "error: " + err.Error()}, fmt.Errorf("access: decision not logged, access denied: %w", err)
	}
	dec.AuditIndex = e.Index
	return dec, nil
}

func projectDecision(actor Actor, p Project, t, now time.Time) Decision {
	switch {
	case t.IsZero():
		return deny("request without a time")
	case t.Before(now.Add(-NowSkew)) || t.After(now.Add(NowSkew)):
		return deny("the decision moment %s is not now", t.Format(time.RFC3339))
	case actor.ID == "":
		return deny("request names no actor")
	case actor.Role != Researcher:
		return deny("project %s: role %s may not ask research questions", p.ID, actor.Role)
	case p.ID == "":
		return deny("request names no project")
	case len(p.Members) == 0:
		return deny("%s is not an approved project", p.ID)
	case p.Ethics == "":
		return deny("project %s has no ethics approval", p.ID)
	case p.Start.IsZero() || p.End.IsZero():
		return deny("project %s has no start or end date", p.ID)
	case !slices.Contains(p.Members, actor.ID):
		return deny("%s is not a member of project %s", actor.ID, p.ID)
	case !p.OpenOn(t):
		return deny("project %s runs from %s to %s, not on %s", p.ID,
			p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly), t.UTC().Format(time.DateOnly))
	}
	if err := p.Use.Validate(); err != nil {
		return deny("project %s: %v", p.ID, err)
	}
	return allow("member of project %s (ethics approval %s, %s to %s), use %s", p.ID, p.Ethics,
		p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly), p.Use)
}
