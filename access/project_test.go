package access

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical/consent"
)

// TestDecideProject attacks the project gate: a non-member, a day before
// the start or after the end, a project without an ethics approval, a
// professional, a moment that is not now. Every decision is logged.
func TestDecideProject(t *testing.T) {
	ctx := context.Background()
	log, err := audit.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	now := time.Now()
	day := func(d int) time.Time { return now.UTC().Truncate(24*time.Hour).AddDate(0, 0, d) }
	p := Project{ID: "demo-hmb", Use: consent.ResearchUse{Purpose: consent.HMB, GeneticStudy: true}, Ethics: "TAIEK-1",
		Members: []string{"38001085718"}, Start: day(-10), End: day(10)}
	member := Actor{ID: "38001085718", Role: Researcher}
	edit := func(f func(*Project)) Project { q := p; f(&q); return q }
	for _, tc := range []struct {
		name  string
		actor Actor
		p     Project
		t     time.Time
		allow bool
		rule  string
	}{
		{"member in dates", member, p, now, true, "member of project demo-hmb"},
		{"last day is open", member, edit(func(q *Project) { q.End = day(0) }), now, true, "member"},
		{"non-member", Actor{ID: "49002010976", Role: Researcher}, p, now, false, "not a member"},
		{"expired", member, edit(func(q *Project) { q.Start, q.End = day(-30), day(-1) }), now, false, "runs from"},
		{"not started", member, edit(func(q *Project) { q.Start = day(1) }), now, false, "runs from"},
		{"unknown project", member, Project{ID: "nope"}, now, false, "not an approved project"},
		{"no ethics approval", member, edit(func(q *Project) { q.Ethics = "" }), now, false, "no ethics approval"},
		{"no dates", member, edit(func(q *Project) { q.End = time.Time{} }), now, false, "no start or end"},
		{"professional", Actor{ID: "38001085718", Role: Professional}, p, now, false, "may not ask"},
		{"moment in the past", member, p, now.Add(-time.Hour), false, "not now"},
		{"bad use", member, edit(func(q *Project) { q.Use = consent.ResearchUse{Purpose: "XYZ"} }), now, false, "research purpose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := DecideProject(ctx, log, tc.actor, tc.p, tc.t, nil)
			if err != nil {
				t.Fatal(err)
			}
			if dec.Allowed != tc.allow || !strings.Contains(dec.Rule, tc.rule) {
				t.Errorf("allowed %v (%s), want %v (%q)", dec.Allowed, dec.Rule, tc.allow, tc.rule)
			}
			got, err := log.ByPerson(ctx, ProjectSubject(tc.p.ID))
			if err != nil {
				t.Fatal(err)
			}
			last := got[len(got)-1]
			if last.Index != dec.AuditIndex || last.Allowed != dec.Allowed || last.Rule != dec.Rule || last.Actor != tc.actor.ID {
				t.Errorf("logged %+v, decided %+v", last, dec)
			}
		})
	}
}

// TestDecideProjectClock: the moment is held to the given clock (the README
// test's pinned day), not to the wall clock.
func TestDecideProjectClock(t *testing.T) {
	ctx := context.Background()
	log, err := audit.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	pinned := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return pinned }
	p := Project{ID: "demo-hmb", Use: consent.ResearchUse{Purpose: consent.HMB, GeneticStudy: true}, Ethics: "TAIEK-1",
		Members: []string{"38001085718"}, Start: pinned.AddDate(0, 0, -10), End: pinned.AddDate(0, 0, 10)}
	member := Actor{ID: "38001085718", Role: Researcher}
	for _, tc := range []struct {
		at    time.Time
		allow bool
		rule  string
	}{
		{pinned, true, "member of project demo-hmb"},
		{time.Now(), false, "not now"},
	} {
		dec, err := DecideProject(ctx, log, member, p, tc.at, clock)
		if err != nil {
			t.Fatal(err)
		}
		if dec.Allowed != tc.allow || !strings.Contains(dec.Rule, tc.rule) {
			t.Errorf("at %s: allowed %v (%s), want %v (%q)", tc.at, dec.Allowed, dec.Rule, tc.allow, tc.rule)
		}
	}
}
