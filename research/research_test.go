package research

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical/clinicaltest"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/research/cohort"
	"github.com/varamu/varamu/research/disclosure"
	"github.com/varamu/varamu/research/projects"
	"github.com/varamu/varamu/store"
)

var (
	researcher = clinicaltest.Code("1980-01-08", "male", 71)
	outsider   = clinicaltest.Code("1980-01-08", "female", 72)
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// biobank is a small consented cohort: 12 women born 1960 with a
// myocardial infarction (I21), 7 of them on clopidogrel (B01AC04); 8 men
// born 1970 with type 2 diabetes (E11); one woman born 1990 with breast
// cancer (C50), the one person a cohort of one would single out.
type biobank struct {
	dir     string
	st      *store.Store
	women   []string
	svc     *Service
	samples map[string]string // person → sample
}

func medication(id, person, atc, authored string) string {
	return fmt.Sprintf(`{"resourceType":"MedicationRequest","id":%q,"status":"active","intent":"order","medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":%q}]},"subject":{"reference":"Patient/%s"},"authoredOn":%q}`,
		id, atc, person, authored)
}

func newBiobank(t *testing.T) *biobank {
	t.Helper()
	ctx := context.Background()
	b := &biobank{dir: t.TempDir(), samples: map[string]string{}}
	st, err := store.Open(b.dir, store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	b.st = st
	var res []string
	var links [][2]string
	add := func(p, birth, sex, icd string, n int) {
		res = append(res, clinicaltest.Patient(p, birth, sex),
			clinicaltest.Consent(consent.Event{Person: p, At: day("2018-01-01"), Kind: consent.GiveResearch, Use: consent.DataUse{Permission: consent.HMB}}, "g"+p, "active"),
			clinicaltest.Condition("c"+p, p, icd, "2019-03-01"))
		s := fmt.Sprintf("S%03d", n)
		links = append(links, [2]string{s, p})
		b.samples[p] = s
	}
	for i := range 12 {
		p := clinicaltest.Code("1960-05-05", "female", 100+i)
		add(p, "1960-05-05", "female", "I21.9", i)
		if i < 7 {
			res = append(res, medication("m"+p, p, "B01AC04", "2019-03-02"))
		}
		b.women = append(b.women, p)
	}
	for i := range 8 {
		add(clinicaltest.Code("1970-06-06", "male", 200+i), "1970-06-06", "male", "E11", 20+i)
	}
	add(clinicaltest.Code("1990-07-07", "female", 300), "1990-07-07", "female", "C50.1", 40)
	if _, err := clinicaltest.Ingest(ctx, st, time.Now(), clinicaltest.Generation{Resources: res, Samples: links}); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	pf, err := projects.Decode("projects.json", strings.NewReader(fmt.Sprintf(`{"projects": [
{"id": "demo-hmb", "purpose": "HMB", "members": [%q], "ethics_approval": "TAIEK 1/2026", "start": "2026-01-01", "end": "2099-12-31"},
{"id": "ended", "purpose": "HMB", "members": [%q], "ethics_approval": "TAIEK 2/2020", "start": "2020-01-01", "end": "2021-12-31"},
{"id": "strict", "purpose": "HMB", "members": [%q], "ethics_approval": "TAIEK 3/2026", "start": %q, "end": %q, "threshold": 20}
]}`, researcher, researcher, researcher, today, today)))
	if err != nil {
		t.Fatal(err)
	}
	if b.svc, err = New(b.dir, pf, nil); err != nil {
		t.Fatal(err)
	}
	return b
}

func def(t *testing.T, js string) *cohort.Definition {
	t.Helper()
	d, err := cohort.Decode("cohort.json", strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (b *biobank) ask(t *testing.T, project, js string) (*Answer, error) {
	t.Helper()
	return b.svc.Ask(context.Background(), researcher, project, def(t, js))
}

func shown(c Count) string {
	if c.Suppressed {
		return "-"
	}
	return fmt.Sprint(*c.N)
}

// table renders an answer as text: rows, cells and totals, "-" for a
// suppressed count.
func table(a *Answer) string {
	var lines []string
	for r, row := range a.Cells {
		var cells []string
		for _, c := range row {
			cells = append(cells, shown(c))
		}
		line := strings.Join(cells, " ")
		if len(a.Rows) > 0 {
			line = a.Rows[r] + ": " + line
		}
		if len(a.RowTotals) > 0 {
			line += " | " + shown(a.RowTotals[r])
		}
		lines = append(lines, line)
	}
	if len(a.ColTotals) > 0 {
		var cols []string
		for _, c := range a.ColTotals {
			cols = append(cols, shown(c))
		}
		lines = append(lines, "cols: "+strings.Join(cols, " "))
	}
	return strings.Join(append(lines, "total: "+shown(a.Total)), "\n")
}

func TestAskCrossTab(t *testing.T) {
	b := newBiobank(t)
	a, err := b.ask(t, "demo-hmb", `{"dimensions": ["sex", "medication:B01AC"]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := "female: 6 7 | 13\nmale: 8 0 | 8\ncols: 14 7\ntotal: 21"
	if got := table(a); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if strings.Join(a.Cols, ",") != "no,yes" || *a.Total.Frequency != 1 || *a.Cells[0][1].Frequency != 7.0/21 {
		t.Errorf("answer %+v", a)
	}
	// The project decision and one decision per linked person were
	// logged before the answer.
	if n := logged(t, b.dir, access.ProjectSubject("demo-hmb"), func(e audit.Entry) bool { return e.Allowed && e.Actor == researcher }); n != 1 {
		t.Errorf("%d project decisions logged, want 1", n)
	}
	for p := range b.samples {
		if n := logged(t, b.dir, p, func(e audit.Entry) bool { return e.Actor == researcher && e.Purpose == "research" }); n != 1 {
			t.Errorf("%d research decisions logged for %s, want 1", n, p)
		}
	}
	// The answer history is a store table the steward sees and no
	// research extract holds.
	stew, err := query.OpenAs(context.Background(), b.dir, query.Config{Role: query.Steward, Actor: "steward-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer stew.Close()
	res, err := stew.Run(context.Background(), "SELECT label, len(members) FROM research_answers WHERE project = 'demo-hmb' AND label = 'total'")
	if err != nil || len(res.Rows) != 1 || query.Text(res.Rows[0][1]) != "21" {
		t.Errorf("steward reads the history: %v %v", res, err)
	}
	r, err := query.OpenAs(context.Background(), b.dir, query.Config{Actor: researcher, Use: consent.ResearchUse{Purpose: consent.HMB}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Run(context.Background(), "SELECT * FROM research_answers"); err == nil {
		t.Error("a research extract holds the answer history")
	}
}

// TestCohortOfOne: a cohort of one person is never shown, whatever the
// threshold.
func TestCohortOfOne(t *testing.T) {
	b := newBiobank(t)
	for _, project := range []string{"demo-hmb", "strict"} {
		a, err := b.ask(t, project, `{"conditions": ["C50"]}`)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Total.Suppressed || a.Total.N != nil || a.Primary != 1 {
			t.Errorf("%s: cohort of one shown: %s", project, table(a))
		}
	}
	// The 13 women are below the strict project's threshold of 20.
	a, err := b.ask(t, "strict", `{"sex": ["female"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Total.Suppressed || a.Threshold != 20 {
		t.Errorf("13 shown under threshold 20: %s", table(a))
	}
}

// TestComplementOfSmallCell: the one woman with C50 is a small cell; no
// row or column total minus the visible cells may give her back.
func TestComplementOfSmallCell(t *testing.T) {
	b := newBiobank(t)
	a, err := b.ask(t, "demo-hmb", `{"dimensions": ["sex", "condition:C50"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Cells[0][1].Suppressed {
		t.Fatalf("the one woman with C50 is shown:\n%s", table(a))
	}
	// Row "female": total minus the visible cells.
	if row := a.RowTotals[0]; !row.Suppressed && !a.Cells[0][0].Suppressed {
		t.Errorf("female total %d minus visible %d gives the small cell:\n%s", *row.N, *a.Cells[0][0].N, table(a))
	}
	// Column "yes": total minus the visible cells.
	if col := a.ColTotals[1]; !col.Suppressed && !a.Cells[1][1].Suppressed {
		t.Errorf("C50 total minus the men's cell gives the small cell:\n%s", table(a))
	}
	if a.ColTotals[1].N != nil {
		t.Errorf("the C50 column total (1) is shown")
	}
	// Grand total minus the visible column total.
	if !a.Total.Suppressed && !a.ColTotals[0].Suppressed {
		t.Errorf("total minus the 'no' column gives the C50 column:\n%s", table(a))
	}
	t.Logf("\n%s", table(a))
}

// TestOverlappingCohorts: two cohorts whose difference is one person;
// the second is refused, and still refused after a restart.
func TestOverlappingCohorts(t *testing.T) {
	b := newBiobank(t)
	first, err := b.ask(t, "demo-hmb", `{"sex": ["female"]}`)
	if err != nil || shown(first.Total) != "13" {
		t.Fatalf("13 women: %v %v", first, err)
	}
	// The same people again (the I21 and C50 women) tell nothing new.
	if _, err := b.ask(t, "demo-hmb", `{"conditions": ["I21", "C50"]}`); err != nil {
		t.Errorf("same 13 people refused: %v", err)
	}
	// The women with I21: the 13 minus the one with C50.
	if a, err := b.ask(t, "demo-hmb", `{"conditions": ["I21"]}`); !errors.Is(err, ErrRefused) {
		t.Fatalf("cohort differing by one person answered: %v %v", a, err)
	}
	// The same by a split: women by I21 diagnosis would show a row of 12
	// beside a row of 1; both are hidden (the 1, and the 12 as its
	// complement against the total), so only the known 13 is shown.
	a, err := b.ask(t, "demo-hmb", `{"dimensions": ["condition:I21"], "sex": ["female"]}`)
	if err != nil || table(a) != "no: -\nyes: -\ntotal: 13" {
		t.Errorf("split differing by one person: %v\n%s", err, table(a))
	}
	// A restart: a new service over the same store remembers.
	pf := b.svc.projects
	again, err := New(b.dir, pf, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Ask(context.Background(), researcher, "demo-hmb", def(t, `{"conditions": ["I21"]}`)); !errors.Is(err, ErrRefused) {
		t.Errorf("after a restart the differencing query was answered: %v", err)
	}
	// Another project has its own history.
	if _, err := b.ask(t, "strict", `{"conditions": ["I21"]}`); err != nil {
		t.Errorf("another project: %v", err)
	}
}

// TestDifferencingLongAgo: a cohort differing by one person from the
// project's first answer is refused after several unrelated answers were
// given (and remembered in this process's history as they were given),
// and after a restart, when the history is read back from the store.
func TestDifferencingLongAgo(t *testing.T) {
	b := newBiobank(t)
	if a, err := b.ask(t, "demo-hmb", `{"sex": ["female"]}`); err != nil || shown(a.Total) != "13" {
		t.Fatalf("13 women: %v %v", a, err)
	}
	for _, q := range []string{`{"sex": ["male"]}`, `{"medications": ["B01AC04"]}`, `{"dimensions": ["sex"]}`,
		`{"dimensions": ["medication:B01AC04"]}`, `{"sex": ["female"], "dimensions": ["medication:B01AC04"]}`,
		`{"dimensions": ["sex", "medication:B01AC04"]}`} {
		if _, err := b.ask(t, "demo-hmb", q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	st, err := store.Open(b.dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(st.Manifest().Tables[TableAnswers]); n < 5 {
		t.Fatalf("%d answers remembered, want the first and at least 4 unrelated ones", n)
	}
	attack := `{"conditions": ["I21"]}` // the 13 women but the one with C50
	if _, err := b.ask(t, "demo-hmb", attack); !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "earlier answer 1 ") {
		t.Errorf("cohort differing by one person from the first answer: %v, want ErrRefused naming answer 1", err)
	}
	again, err := New(b.dir, b.svc.projects, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Ask(context.Background(), researcher, "demo-hmb", def(t, attack)); !errors.Is(err, ErrRefused) {
		t.Errorf("after a restart: %v, want ErrRefused", err)
	}
}

// TestWithdrawnNotCounted: after a woman withdraws, the next answer no
// longer counts her, and her absence is not a difference that refuses it.
func TestWithdrawnNotCounted(t *testing.T) {
	b := newBiobank(t)
	ctx := context.Background()
	a, err := b.ask(t, "demo-hmb", `{"conditions": ["I21"], "dimensions": ["medication:B01AC04"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := table(a); got != "no: 5\nyes: 7\ntotal: 12" {
		t.Fatalf("before withdrawal:\n%s", got)
	}
	w := b.women[0] // on clopidogrel
	g := clinicaltest.Generation{Resources: []string{clinicaltest.Consent(consent.Event{Person: w, At: time.Now().Add(-time.Minute), Kind: consent.Withdraw}, "w1", "active")}}
	if _, err := clinicaltest.Ingest(ctx, b.st, time.Now(), g); err != nil {
		t.Fatal(err)
	}
	a, err = b.ask(t, "demo-hmb", `{"conditions": ["I21"], "dimensions": ["medication:B01AC04"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := table(a); got != "no: 5\nyes: 6\ntotal: 11" {
		t.Errorf("after withdrawal:\n%s", got)
	}
	// The second answer's groups are the first's without her: nothing new
	// to remember, so nothing is recorded since (her sample is in the
	// first answer's groups only).
	st, err := store.Open(b.dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pop := newPopulation([]string{b.samples[w]})
	h, err := pop.history(ctx, &answerFiles{}, b.dir, st.Manifest(), "demo-hmb")
	if err != nil {
		t.Fatal(err)
	}
	if h.Answers() != 1 || !h.Known(disclosure.Release{"total": {0}}) {
		t.Errorf("withdrawn sample not in the first answer's total only: %d answers", h.Answers())
	}
}

// TestProjectGate: a non-member, an ended project and an unknown project
// are denied and logged, and nobody's data is decided or read.
func TestProjectGate(t *testing.T) {
	b := newBiobank(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name, actor, project, rule string
	}{
		{"non-member", outsider, "demo-hmb", "is not a member of project demo-hmb"},
		{"expired project", researcher, "ended", "project ended runs from 2020-01-01 to 2021-12-31"},
		{"unknown project", researcher, "nope", "nope is not an approved project"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.svc.Ask(ctx, tc.actor, tc.project, def(t, `{}`))
			if !errors.Is(err, ErrDenied) || !strings.Contains(err.Error(), tc.rule) {
				t.Fatalf("got %v, want denial %q", err, tc.rule)
			}
			for p := range b.samples {
				if n := logged(t, b.dir, p, func(e audit.Entry) bool { return e.Actor == tc.actor }); n > 0 {
					t.Errorf("%s's data was decided for a denied request", p)
				}
			}
			n := logged(t, b.dir, access.ProjectSubject(tc.project), func(e audit.Entry) bool {
				return !e.Allowed && e.Actor == tc.actor && strings.Contains(e.Rule, tc.rule)
			})
			if n != 1 {
				t.Errorf("%d denials logged, want 1", n)
			}
		})
	}
}

// TestAskWhileStoreLocked: an answer asked while another writer holds the
// store is neither shown nor recorded.
func TestAskWhileStoreLocked(t *testing.T) {
	b := newBiobank(t)
	tx, err := b.st.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	a, err := b.ask(t, "demo-hmb", `{}`)
	tx.Rollback()
	if !errors.Is(err, store.ErrLocked) || a != nil {
		t.Fatalf("answer %v, error %v; want store.ErrLocked", a, err)
	}
	if _, err := b.ask(t, "demo-hmb", `{}`); err != nil {
		t.Errorf("asked again: %v", err)
	}
}

// logged counts the entries of the store's audit log about person (a
// personal code or a project subject) that ok accepts.
func logged(t *testing.T, dir, person string, ok func(audit.Entry) bool) int {
	t.Helper()
	es, err := audit.ByPerson(context.Background(), dir, person)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if ok(e) {
			n++
		}
	}
	return n
}

// TestViewRefreshedIncrementally: answers on the same store content
// read the materialised view (each person decided and logged once); a
// withdrawal re-evaluates only the person who withdrew, the refreshed
// view is a committed store table without her, and the refresh is in the
// audit log with how many people left, not who.
func TestViewRefreshedIncrementally(t *testing.T) {
	b := newBiobank(t)
	ctx := context.Background()
	for _, js := range []string{`{"sex": ["male"]}`, `{"dimensions": ["sex"]}`} {
		if _, err := b.ask(t, "demo-hmb", js); err != nil {
			t.Fatal(err)
		}
	}
	decided := func(p string) int {
		return logged(t, b.dir, p, func(e audit.Entry) bool { return e.Actor == researcher && e.Purpose == "research" })
	}
	if n := decided(b.women[3]); n != 1 {
		t.Fatalf("%d decisions logged for two answers on one store content, want 1", n)
	}
	w := b.women[5]
	g := clinicaltest.Generation{Resources: []string{clinicaltest.Consent(consent.Event{Person: w, At: time.Now().Add(-time.Minute), Kind: consent.Withdraw}, "w5", "active")}}
	if _, err := clinicaltest.Ingest(ctx, b.st, time.Now(), g); err != nil {
		t.Fatal(err)
	}
	a, err := b.ask(t, "demo-hmb", `{"dimensions": ["sex"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := table(a); got != "female: 12\nmale: 8\ntotal: 20" {
		t.Errorf("after the withdrawal:\n%s", got)
	}
	if n := decided(b.women[3]); n != 1 {
		t.Errorf("%d decisions logged for a person whose data did not change, want 1 (the refresh re-evaluated everyone)", n)
	}
	if n := decided(w); n != 2 {
		t.Errorf("%d decisions logged for the person who withdrew, want 2", n)
	}
	// The view in the store: committed, without her sample.
	st, err := store.Open(b.dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	state, ok, err := stateOf(st.Manifest(), "demo-hmb")
	if err != nil || !ok {
		t.Fatalf("no view state in the manifest (%v)", err)
	}
	files := st.Manifest().Tables[TableViews]
	if len(files) != 1 || files[0].Path != state.File || files[0].SHA256 == "" {
		t.Fatalf("view files %+v, state file %s: want the one committed file", files, state.File)
	}
	people, err := readView(ctx, b.dir, state.File)
	if err != nil {
		t.Fatal(err)
	}
	if _, in := people[w]; in || len(people) != 20 || state.People != 20 || state.Participants != 20 {
		t.Errorf("stored view: withdrawn person in it %v, %d people (state %d people, %d participants), want 20", in, len(people), state.People, state.Participants)
	}
	// The refreshes in the audit log: a first build, then one person
	// re-evaluated, who left.
	var rules []string
	for e, err := range audit.EntriesContext(ctx, b.dir) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind == KindView {
			rules = append(rules, e.Rule)
			if strings.Contains(e.Rule, w) || e.Subject != "" {
				t.Errorf("a refresh entry names a person: %+v", e)
			}
		}
	}
	want := []string{
		"research view of project demo-hmb refreshed: first build; 21 entered, 0 left, 21 people in the view",
		"research view of project demo-hmb refreshed: 1 people re-evaluated (changed: consents); 0 entered, 1 left, 20 people in the view",
	}
	if !slices.Equal(rules, want) {
		t.Errorf("refreshes logged:\n%s\nwant:\n%s", strings.Join(rules, "\n"), strings.Join(want, "\n"))
	}
}

// TestViewAfterRestart: a new Service (a restarted server) answers from
// the stored view without deciding anyone again, and a withdrawal made
// while no server ran holds for its first question.
func TestViewAfterRestart(t *testing.T) {
	b := newBiobank(t)
	ctx := context.Background()
	if _, err := b.ask(t, "demo-hmb", `{"dimensions": ["sex"]}`); err != nil {
		t.Fatal(err)
	}
	svc, err := New(b.dir, b.svc.projects, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := svc.Ask(ctx, researcher, "demo-hmb", def(t, `{"dimensions": ["sex"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := table(a); got != "female: 13\nmale: 8\ntotal: 21" {
		t.Errorf("after a restart:\n%s", got)
	}
	if n := logged(t, b.dir, b.women[2], func(e audit.Entry) bool { return e.Purpose == "research" }); n != 1 {
		t.Errorf("%d decisions logged, want 1: the restarted service decided again", n)
	}
	g := clinicaltest.Generation{Resources: []string{clinicaltest.Consent(consent.Event{Person: b.women[2], At: time.Now().Add(-time.Minute), Kind: consent.Withdraw}, "w2", "active")}}
	if _, err := clinicaltest.Ingest(ctx, b.st, time.Now(), g); err != nil {
		t.Fatal(err)
	}
	svc, err = New(b.dir, b.svc.projects, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, err = svc.Ask(ctx, researcher, "demo-hmb", def(t, `{"dimensions": ["sex"]}`)); err != nil {
		t.Fatal(err)
	}
	if got := table(a); got != "female: 12\nmale: 8\ntotal: 20" {
		t.Errorf("withdrawn while stopped, then asked:\n%s", got)
	}
}

// TestViewNewDay: on a new day (consents start and end, children come of
// age) everyone is decided again before the first answer; the refresh
// logs how many decisions changed.
func TestViewNewDay(t *testing.T) {
	b := newBiobank(t)
	if _, err := b.ask(t, "demo-hmb", `{"dimensions": ["sex"]}`); err != nil {
		t.Fatal(err)
	}
	b.svc.day = func(now time.Time) string { return dayOf(now.Add(24 * time.Hour)) }
	a, err := b.ask(t, "demo-hmb", `{"dimensions": ["sex"]}`)
	if err != nil {
		t.Fatal(err)
	}
	if got := table(a); got != "female: 13\nmale: 8\ntotal: 21" {
		t.Errorf("the next day:\n%s", got)
	}
	if n := logged(t, b.dir, b.women[3], func(e audit.Entry) bool { return e.Purpose == "research" && e.Kind == audit.KindAccess }); n != 2 {
		t.Errorf("%d decisions logged over two days, want 2", n)
	}
	var last string
	for e, err := range audit.EntriesContext(context.Background(), b.dir) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind == KindView {
			last = e.Rule
		}
	}
	want := "research view of project demo-hmb refreshed: 0 people re-evaluated (a new day: all 21 linked people decided again, 0 of their decisions changed); 0 entered, 0 left, 21 people in the view"
	if last != want {
		t.Errorf("refresh logged %q, want %q", last, want)
	}
}
