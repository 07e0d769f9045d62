package research

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/research/projects"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// KindView is the audit log kind of a view refresh entry: what changed
// and how many people entered and left the view, never who.
const KindView = "research-view"

// refreshInput is what a refresh starts from: the stored view's state
// (have: there is one), the state wanted now and the old view (nil when
// there is none or it could not be read).
type refreshInput struct {
	have  bool
	state viewState
	want  viewState
	old   *view
}

// refreshPlan says which people a refresh re-evaluates: everyone (full,
// with the reason) or the people whose data or consent changed.
type refreshPlan struct {
	full    bool
	reason  string
	changed map[string]bool
	tables  []string // the tables whose files changed
	newDay  string   // what deciding everyone again on a new day found
}

// ignoredTables never change a view: genome calls (a view reads the
// samples table only), the PGx tables it does not read, the practitioner
// register, risk results and the research tables.
var ignoredTables = map[string]bool{
	"variants": true, "calls": true, "format": true, "ploidy": true,
	"pgx_recommendations": true, "pgx_changes": true,
	"practitioners": true, "practitioner_roles": true, "organizations": true,
	TableViews: true, TableAnswers: true,
}

// personColumns are the columns whose values name the people a file is
// about: personal codes, or sample codes mapped to their people.
var personColumns = []string{"person_id", "related_person_id", "agent_person_id"}
var sampleColumns = []string{"sample", "sample_id"}

// refresh brings project p's view up to date and returns it: everyone
// is decided again (a full refresh) when there is no view, the use or a
// section changed, or a changed file cannot be read; otherwise only the
// people named in the store files added or removed since the view was
// built, plus, on a new day, those whose decision changed (every person is
// decided again then, as consents start and end and children come of
// age). The new view is written through a store transaction and the
// refresh is logged in the audit log (KindView) before it is used.
func (s *Service) refresh(ctx context.Context, st *store.Store, researcher string, p *projects.Project, now time.Time, in refreshInput) (*view, error) {
	plan, err := s.plan(ctx, st, in)
	if err != nil {
		return nil, err
	}
	opt := query.Config{Actor: researcher, Use: p.Use(), Tables: viewTables, Clock: s.now}
	people := map[string]personRows{}
	next := &view{grants: map[string]access.Grant{}, samples: map[string][]string{}, actor: researcher}
	if !plan.full {
		for person, pr := range in.old.people {
			if !plan.changed[person] {
				people[person] = pr
			}
		}
		if in.old.actor == researcher {
			for person, g := range in.old.grants {
				if !plan.changed[person] {
					next.grants[person], next.samples[person] = g, in.old.samples[person]
				}
			}
		}
		if in.state.Day != in.want.Day {
			if err := s.redecide(ctx, opt, in.old, &plan, next); err != nil {
				return nil, err
			}
		}
		opt.People = sortedSet(plan.changed)
	}
	built, d := map[string]personRows{}, &query.Decided{}
	if plan.full || len(opt.People) > 0 {
		if built, d, err = build(ctx, s.dir, opt); err != nil {
			return nil, err
		}
	}
	for person, pr := range built {
		people[person] = pr
	}
	for _, g := range d.Grants {
		next.grants[g.Person], next.samples[g.Person] = g, d.Samples[g.Person]
	}
	next.complete = plan.full || (in.old.complete && in.old.actor == researcher) || in.state.Day != in.want.Day
	return s.commitView(ctx, p.ID, researcher, now, in, plan, people, next)
}

// plan works out which people a refresh re-evaluates.
func (s *Service) plan(ctx context.Context, st *store.Store, in refreshInput) (refreshPlan, error) {
	switch {
	case !in.have:
		return refreshPlan{full: true, reason: "first build"}, nil
	case in.old == nil:
		return refreshPlan{full: true, reason: "the stored view could not be read"}, nil
	case in.state.Use != in.want.Use:
		return refreshPlan{full: true, reason: "the project's research use changed"}, nil
	case in.state.Sections != in.want.Sections:
		return refreshPlan{full: true, reason: "the genome batches or the PGx annotation changed"}, nil
	}
	plan := refreshPlan{changed: map[string]bool{}}
	added, removed := diff(in.state.Sources, in.want.Sources)
	var bySample map[string]string
	tables := map[string]bool{}
	for _, src := range append(added, removed...) {
		table, path, _ := strings.Cut(src, ":")
		if ignoredTables[table] || strings.HasPrefix(table, "risk_") {
			continue
		}
		tables[table] = true
		people, samples, ok, err := namedIn(ctx, storePath(s.dir, path))
		if err != nil {
			return refreshPlan{}, err
		}
		if !ok {
			return refreshPlan{full: true, reason: fmt.Sprintf("table %s changed in a way that does not name its people", table)}, nil
		}
		for _, person := range people {
			plan.changed[person] = true
		}
		if len(samples) > 0 && bySample == nil {
			if bySample, err = samplePeople(ctx, st, in.old); err != nil {
				return refreshPlan{}, err
			}
		}
		for _, smp := range samples {
			if person, ok := bySample[smp]; ok {
				plan.changed[person] = true
			}
		}
	}
	for t := range tables {
		plan.tables = append(plan.tables, t)
	}
	slices.Sort(plan.tables)
	return plan, nil
}

// samplePeople maps sample codes to people: the current links, and the
// links the old view was built with (a relinked sample's former person).
func samplePeople(ctx context.Context, st *store.Store, old *view) (map[string]string, error) {
	cur, err := access.SamplePersons(ctx, st)
	if err != nil {
		return nil, err
	}
	for person, pr := range old.people {
		for _, p := range pr.participants {
			if _, ok := cur[p.Key]; !ok {
				cur[p.Key] = person
			}
		}
	}
	for person, ss := range old.samples {
		for _, smp := range ss {
			if _, ok := cur[smp]; !ok {
				cur[smp] = person
			}
		}
	}
	return cur, nil
}

// namedIn reads the people (personal codes) and samples a store file
// names; ok is false when it names neither (or is gone), so that the
// caller cannot tell whom it changed.
func namedIn(ctx context.Context, path string) (people, samples []string, ok bool, err error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, false, nil
	}
	read := func(col string, into *[]string) error {
		err := rows.ScanFile(ctx, path, []string{col}, func(r *rows.Row) error {
			if v := r.Str(0); v != "" {
				*into = append(*into, v)
			}
			return nil
		})
		if errors.Is(err, rows.ErrNoColumn) {
			return nil
		}
		if err == nil {
			ok = true
		}
		return err
	}
	for _, c := range personColumns {
		if err := read(c, &people); err != nil {
			return nil, nil, false, fmt.Errorf("research: %s: %w", path, err)
		}
	}
	for _, c := range sampleColumns {
		if err := read(c, &samples); err != nil {
			return nil, nil, false, fmt.Errorf("research: %s: %w", path, err)
		}
	}
	return people, samples, ok, nil
}

// redecide decides every linked person again (a new day) and adds to
// plan the people whose decision changed: who entered, who left, whose
// record or documents were closed or reopened. Their grants go to next.
func (s *Service) redecide(ctx context.Context, opt query.Config, old *view, plan *refreshPlan, next *view) error {
	d, err := query.DecideResearch(ctx, s.dir, opt)
	if err != nil {
		return err
	}
	before := len(plan.changed)
	allowed := map[string]bool{}
	for _, g := range d.Grants {
		allowed[g.Person] = true
		if pr, ok := old.people[g.Person]; !ok || pr.decision != fingerprint(g.Decision) {
			plan.changed[g.Person] = true
		}
		if !plan.changed[g.Person] {
			next.grants[g.Person], next.samples[g.Person] = g, d.Samples[g.Person]
		}
	}
	for person := range old.people {
		if !allowed[person] {
			plan.changed[person] = true
		}
	}
	plan.newDay = fmt.Sprintf("a new day: all %d linked people decided again, %d of their decisions changed", len(d.Samples), len(plan.changed)-before)
	return nil
}

// build opens the research extract of opt (everyone, or opt.People),
// reads its participants and returns them by person with the decisions.
func build(ctx context.Context, dir string, opt query.Config) (map[string]personRows, *query.Decided, error) {
	e, err := query.OpenAs(ctx, dir, opt)
	if err != nil {
		return nil, nil, err
	}
	defer e.Close()
	ps, err := participants(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	d := e.Decided()
	owner := map[string]string{}
	out := map[string]personRows{}
	for _, g := range d.Grants {
		out[g.Person] = personRows{decision: fingerprint(g.Decision)}
		for _, smp := range d.Samples[g.Person] {
			owner[smp] = g.Person
		}
	}
	for _, p := range ps {
		person, ok := owner[p.Key]
		if !ok {
			return nil, nil, fmt.Errorf("research: participant %s of the extract has no decided person", p.Key)
		}
		pr := out[person]
		pr.participants = append(pr.participants, p)
		out[person] = pr
	}
	return out, d, nil
}

// commitView writes the refreshed view and its state in one store
// transaction, logs the refresh (KindView) and returns the view.
func (s *Service) commitView(ctx context.Context, project, researcher string, now time.Time, in refreshInput, plan refreshPlan, people map[string]personRows, next *view) (*view, error) {
	st, err := store.Open(s.dir, store.Config{})
	if err != nil {
		return nil, err
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := writeView(tx, project, people); err != nil {
		return nil, err
	}
	// The files the view was built from: those of the manifest it was
	// planned on (a writer that committed since is seen at the next
	// question, whose check finds the view stale).
	state := in.want
	var file string
	entered, left := 0, 0
	var oldPeople map[string]personRows
	if in.old != nil {
		oldPeople = in.old.people
	}
	for person := range people {
		if _, ok := oldPeople[person]; !ok {
			entered++
		}
	}
	for person := range oldPeople {
		if _, ok := people[person]; !ok {
			left++
		}
	}
	summary := describe(project, plan, len(people), entered, left)
	err = tx.Commit(summary, func(m *store.Manifest) error {
		var keep []store.File
		for _, f := range m.Tables[TableViews] {
			switch {
			case f.Part != project:
				keep = append(keep, f)
			case strings.HasPrefix(f.Path, "data/"+tx.ID()+"/"):
				keep, file = append(keep, f), f.Path
			}
		}
		m.Tables[TableViews] = keep
		var sec map[string]viewState
		if _, err := m.Section(SectionViews, &sec); err != nil {
			return err
		}
		if sec == nil {
			sec = map[string]viewState{}
		}
		state.File = file
		state.People = len(people)
		state.Participants = countParticipants(people)
		sec[project] = state
		return m.SetSection(SectionViews, sec)
	})
	if err != nil {
		return nil, err
	}
	if err := logRefresh(ctx, s.dir, researcher, now, project, summary, st.Manifest()); err != nil {
		return nil, err
	}
	v := newView(file, people)
	v.grants, v.samples, v.complete, v.actor = next.grants, next.samples, next.complete, next.actor
	return v, nil
}

// describe says what a refresh did, in words, without naming anyone.
func describe(project string, plan refreshPlan, people, entered, left int) string {
	what := plan.reason
	if !plan.full {
		what = fmt.Sprintf("%d people re-evaluated", len(plan.changed))
		if len(plan.tables) > 0 {
			what += " (changed: " + strings.Join(plan.tables, ", ") + ")"
		}
		if plan.newDay != "" {
			what += " (" + plan.newDay + ")"
		}
	}
	return fmt.Sprintf("research view of project %s refreshed: %s; %d entered, %d left, %d people in the view", project, what, entered, left, people)
}

// logRefresh appends the refresh to the audit log, committing to the
// generation that holds the new view.
func logRefresh(ctx context.Context, dir, researcher string, now time.Time, project, summary string, m *store.Manifest) error {
	log, err := audit.Open(dir)
	if err != nil {
		return err
	}
	defer log.Close()
	e := &audit.Entry{Kind: KindView, Time: now, Actor: researcher, Role: string(access.Researcher), Purpose: string(access.Research),
		Allowed: true, Rule: summary, Record: &audit.RecordRef{Type: "research-view", ID: project, Version: fmt.Sprint(m.Generation)}}
	for _, f := range m.Tables[TableViews] {
		if f.Part == project {
			e.Record.SHA256 = f.SHA256
		}
	}
	_, err = log.Append(ctx, e)
	return err
}

func countParticipants(people map[string]personRows) int {
	n := 0
	for _, pr := range people {
		n += len(pr.participants)
	}
	return n
}

// diff returns the entries of b not in a (added) and of a not in b
// (removed); both are sorted.
func diff(a, b []string) (added, removed []string) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			removed = append(removed, a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			added = append(added, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return added, removed
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
