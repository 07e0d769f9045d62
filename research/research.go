// Package research answers approved research projects' cohort questions
// over consented data, through one disclosure-control layer (issue 12).
//
// An answer travels so:
//
//  1. The project gate: package access decides whether the researcher is a
//     member of the approved project (package research/projects) and the
//     day is within its dates, and logs the decision (access.DecideProject)
//     before anything is read.
//  2. The consented view: each project's consented participants are
//     materialised in the store (TableViews, one file per project, with
//     its state in the manifest section SectionViews), written through a
//     store transaction like every generation. Every question first
//     checks that the view is current — built from the store files of
//     now, for the project's research use, on today's date in Tallinn —
//     and refreshes it if not (view.go, refresh.go), so no answer is ever
//     given from a stale view. A refresh is incremental: only the people
//     named in the files added or removed since (a consent, a closed
//     record or document, a new sample link, new clinical data) are
//     decided again and rebuilt, through query.OpenAs limited to them
//     (the one consent path: withdrawn people, closed records and closed
//     documents are left out, every decision logged); on a new day
//     everyone is decided again and the people whose decision changed are
//     rebuilt; a changed research use, genome batch or PGx annotation
//     rebuilds the whole view. Each refresh is committed and appended to
//     the audit log (KindView) with what changed and how many people
//     entered and left, never who.
//  3. The cohort (package research/cohort) is counted in up to two
//     dimensions over the extract's participants.
//  4. Disclosure control (package research/disclosure), in one place:
//     small counts and their complements are suppressed, and an answer
//     whose shown groups differ from a group the project was shown before
//     by fewer people than its threshold is refused. The project's
//     answers are kept in the store (TableAnswers), written in the same
//     store transaction that checks them, so the history survives
//     restarts and two answers cannot race past each other.
//
// The unit counted is the research pseudonym, the biobank sample code: a
// person with two linked samples is counted twice, as the extract holds no
// link between them.
package research

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/research/cohort"
	"github.com/varamu/varamu/research/disclosure"
	"github.com/varamu/varamu/research/projects"
	"github.com/varamu/varamu/store"
)

// ErrDenied is wrapped by the error of a request the project gate denies.
var ErrDenied = errors.New("research: denied")

// ErrRefused is disclosure.ErrDifferencing: an answer refused because it
// would single people out by difference with an earlier one.
var ErrRefused = disclosure.ErrDifferencing

// Service answers the cohort questions of the projects of one approved
// projects file over one store. It is safe for concurrent use: the check
// and record of an answer hold the store's writer lock, so answers never
// race; an answer asked while another writer (an ingest) holds the lock
// fails with an error wrapping store.ErrLocked, and may be asked again.
type Service struct {
	dir      string
	projects *projects.File
	views    views
	answers  answerFiles
	// day is the date in Tallinn a view's decisions hold for (dayOf);
	// tests move it.
	day func(time.Time) string
	now func() time.Time // the decision moment's clock
}

// New returns a Service over the store in dir; both arguments are
// required. clock gives the decision moments (nil: time.Now; the server
// passes its own).
func New(dir string, pf *projects.File, clock func() time.Time) (*Service, error) {
	if dir == "" || pf == nil {
		return nil, errors.New("research: New needs a store directory and a projects file")
	}
	if clock == nil {
		clock = time.Now
	}
	return &Service{dir: dir, projects: pf, day: dayOf, now: clock}, nil
}

// Count is one count of an answer: N and Frequency (of the cohort total)
// are nil when the count is suppressed.
type Count struct {
	N          *int     `json:"n"`
	Frequency  *float64 `json:"frequency,omitempty"`
	Suppressed bool     `json:"suppressed,omitempty"`
}

// Answer is what a researcher is shown.
type Answer struct {
	Project    string    `json:"project"`
	Answered   time.Time `json:"answered"`
	Threshold  int       `json:"threshold"` // counts from 1 to Threshold-1 are never shown
	Dimensions []string  `json:"dimensions,omitempty"`
	Rows       []string  `json:"rows,omitempty"`
	Cols       []string  `json:"cols,omitempty"`
	Cells      [][]Count `json:"cells"` // [row][col]; one column with one dimension; 1×1 without
	RowTotals  []Count   `json:"row_totals,omitempty"`
	ColTotals  []Count   `json:"col_totals,omitempty"`
	Total      Count     `json:"total"`
	// Suppressed is how many counts are hidden, Primary of them for being
	// small, the rest to protect those.
	Suppressed int `json:"suppressed"`
	Primary    int `json:"primary"`
}

// Ask answers def for researcher (their personal code) in project. A
// request the project gate denies returns an error wrapping ErrDenied; an
// answer refused for differencing one wrapping ErrRefused. Both are
// logged or recorded before Ask returns; nothing is shown with an error.
func (s *Service) Ask(ctx context.Context, researcher, project string, def *cohort.Definition) (*Answer, error) {
	if def == nil {
		return nil, errors.New("research: no cohort definition")
	}
	if err := def.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	p, v, err := s.admit(ctx, researcher, project, now)
	if err != nil {
		return nil, err
	}
	tab := v.columns.Tabulate(def, now.UTC().Year())
	table := disclosure.Table{Rows: tab.Rows, Cols: tab.Cols, N: tab.Counts()}
	k := p.MinCount()
	mask, err := disclosure.Protect(table, k)
	if err != nil {
		return nil, fmt.Errorf("research: %w", err)
	}
	if err := s.release(ctx, p.ID, now, mask.Release(table, groups(tab)), v.population, k); err != nil {
		return nil, err
	}
	return answer(p.ID, now, k, tab, table, mask), nil
}

// admit decides the project request (gate) and returns the researcher's
// consented view of the project as of now.
func (s *Service) admit(ctx context.Context, researcher, project string, now time.Time) (*projects.Project, *view, error) {
	p, err := s.gate(ctx, researcher, project, now)
	if err != nil {
		return nil, nil, err
	}
	v, err := s.view(ctx, researcher, p, now)
	if err != nil {
		return nil, nil, err
	}
	return p, v, nil
}

// gate decides the project request through package access and logs it.
func (s *Service) gate(ctx context.Context, researcher, project string, now time.Time) (*projects.Project, error) {
	ap := access.Project{ID: project}
	p, perr := s.projects.Get(project)
	if perr == nil {
		ap = access.Project{ID: p.ID, Use: p.Use(), Ethics: p.EthicsApproval, Members: p.Members, Start: p.Start.Time, End: p.End.Time}
	}
	log, err := audit.Open(s.dir)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	dec, err := access.DecideProject(ctx, log, access.Actor{ID: researcher, Role: access.Researcher}, ap, now, s.now)
	if err != nil {
		return nil, err
	}
	if !dec.Allowed {
		return nil, fmt.Errorf("%w: %s", ErrDenied, dec.Rule)
	}
	if perr != nil { // not reached: an unknown project has no members
		return nil, fmt.Errorf("%w: %v", ErrDenied, perr)
	}
	return p, nil
}

// release checks rel (its groups numbered in pop) against the project's
// earlier answers and records it, in one store transaction (the store's
// writer lock serialises answers).
func (s *Service) release(ctx context.Context, project string, now time.Time, rel disclosure.Release, pop *population, k int) error {
	st, err := store.Open(s.dir, store.Config{})
	if err != nil {
		return err
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	pop.mu.Lock()
	defer pop.mu.Unlock()
	earlier, err := pop.history(ctx, &s.answers, s.dir, tx.Base(), project)
	if err != nil {
		return err
	}
	if err := earlier.Check(rel, k); err != nil {
		return err
	}
	if earlier.Known(rel) {
		return nil // nothing shown, or nothing not shown before: nothing new to remember
	}
	if err := record(tx, project, now, rel, pop); err != nil {
		return err
	}
	if err := tx.Commit(fmt.Sprintf("research answer for project %s", project), nil); err != nil {
		return err
	}
	pop.recorded(st.Manifest(), project, rel)
	return nil
}

// groups returns the members of a tabulation's cells as disclosure
// groups: both number participants by their place in the view.
func groups(tab cohort.Tabulation) [][]disclosure.Group {
	out := make([][]disclosure.Group, len(tab.Members))
	for r, row := range tab.Members {
		out[r] = make([]disclosure.Group, len(row))
		for c, m := range row {
			out[r][c] = disclosure.Group(m)
		}
	}
	return out
}

// answer builds what the researcher sees from the table and its mask.
func answer(project string, now time.Time, k int, tab cohort.Tabulation, t disclosure.Table, m disclosure.Mask) *Answer {
	total := 0
	for _, row := range t.N {
		for _, n := range row {
			total += n
		}
	}
	count := func(n int, suppressed bool) Count {
		if suppressed {
			return Count{Suppressed: true}
		}
		c := Count{N: &n}
		if !m.Total && total > 0 {
			f := float64(n) / float64(total)
			c.Frequency = &f
		}
		return c
	}
	a := &Answer{Project: project, Answered: now.UTC(), Threshold: k, Dimensions: tab.Dimensions, Rows: t.Rows, Cols: t.Cols,
		Total: count(total, m.Total), Suppressed: m.Suppressed(), Primary: m.Primary}
	colSums := make([]int, len(t.Cols))
	for r, row := range t.N {
		var cells []Count
		rowSum := 0
		for c, n := range row {
			cells = append(cells, count(n, m.Cell[r][c]))
			rowSum += n
			if len(t.Cols) > 0 {
				colSums[c] += n
			}
		}
		a.Cells = append(a.Cells, cells)
		if len(t.Cols) > 0 {
			a.RowTotals = append(a.RowTotals, count(rowSum, m.Row[r]))
		}
	}
	for c, n := range colSums {
		a.ColTotals = append(a.ColTotals, count(n, m.Col[c]))
	}
	return a
}

// unverified is the actor of a request whose caller could not be
// verified; the project gate denies it.
var unverified = access.Actor{ID: "unauthenticated", Role: "unauthenticated"}

// RefuseUnverified logs the refused attempt of a caller who could not be
// verified on project: a denied project decision in the audit log.
func (s *Service) RefuseUnverified(ctx context.Context, project string) error {
	log, err := audit.Open(s.dir)
	if err != nil {
		return err
	}
	defer log.Close()
	ap := access.Project{ID: project}
	if p, err := s.projects.Get(project); err == nil {
		ap = access.Project{ID: p.ID, Use: p.Use(), Ethics: p.EthicsApproval, Members: p.Members, Start: p.Start.Time, End: p.End.Time}
	}
	_, err = access.DecideProject(ctx, log, unverified, ap, s.now(), s.now)
	return err
}
