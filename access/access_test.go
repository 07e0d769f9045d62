package access

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical/consent"
)

func tln(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, consent.Tallinn)
}

const (
	adult  = "38001010014"
	closed = "48502020025"
	child  = "50805100036"
	mother = "47801010011"
	father = "37801010012"
	friend = "39001010013"
)

func fixture(t testing.TB) (*Decider, *audit.Log) {
	t.Helper()
	dir := NewMemDirectory()
	dir.AddPerson(adult, PersonInfo{BirthDate: tln(1980, 1, 1)})
	dir.AddPerson(closed, PersonInfo{BirthDate: tln(1985, 2, 2)})
	dir.AddPerson(child, PersonInfo{BirthDate: tln(2008, 5, 10)})
	dir.AddPerson(mother, PersonInfo{BirthDate: tln(1978, 1, 1)})
	for _, g := range []string{mother, father} {
		if err := dir.AddGuardian(child, g); err != nil {
			t.Fatal(err)
		}
	}
	dir.AddLicence("doc1", Licence{Number: "D12345", ValidFrom: tln(2010, 1, 1), ValidUntil: tln(2030, 1, 1)})
	dir.AddLicence("doc2", Licence{Number: "D99999", ValidFrom: tln(2000, 1, 1), ValidUntil: tln(2020, 1, 1)})
	for _, e := range []consent.Event{
		{Person: adult, At: tln(2020, 1, 1), Kind: consent.GiveResearch, Use: consent.DataUse{Permission: consent.HMB, Modifiers: []consent.Code{consent.NCU}}},
		{Person: adult, At: tln(2020, 1, 1), Kind: consent.ReturnOfResults, Given: true},
		{Person: adult, At: tln(2023, 1, 1), Kind: consent.CloseDocument, Document: "d1"},
		{Person: adult, At: tln(2024, 2, 1), Kind: consent.Authorise, Agent: friend, From: tln(2024, 3, 1), Until: tln(2024, 9, 1)},
		{Person: adult, At: tln(2025, 1, 1), Kind: consent.Withdraw},
		{Person: closed, At: tln(2020, 1, 1), Kind: consent.ReturnOfResults, Given: true},
		{Person: closed, At: tln(2020, 1, 1), Kind: consent.SecondaryFindings, Given: true},
		{Person: closed, At: tln(2024, 1, 1), Kind: consent.CloseRecord},
	} {
		if err := dir.AddConsent(e); err != nil {
			t.Fatal(err)
		}
	}
	log, err := audit.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	d, err := New(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	return d, log
}

var (
	doc1     = Actor{ID: "doc1", Role: Professional, Licence: "D12345"}
	doc2     = Actor{ID: "doc2", Role: Professional, Licence: "D99999"}
	stranger = Actor{ID: "doc9", Role: Professional, Licence: "D00000"}
	res      = Actor{ID: "uni-tartu-project-7", Role: Researcher}
	job      = Actor{ID: "alerts", Role: Batch}
	hmbUse   = consent.ResearchUse{Purpose: consent.HMB}
)

func pat(id string) Actor { return Actor{ID: id, Role: Patient} }

func TestDecide(t *testing.T) {
	mid2024 := tln(2024, 6, 1)
	tests := []struct {
		name    string
		req     Request
		allowed bool
		hidden  []string
		flagged bool
		rule    string // substring of the rule
	}{
		{"treatment, open record, closed document hidden", Request{Actor: doc1, Person: adult, Purpose: Treatment, Time: mid2024}, true, []string{"d1"}, false, "treatment"},
		{"treatment before the document was closed", Request{Actor: doc1, Person: adult, Purpose: Treatment, Time: tln(2022, 6, 1)}, true, nil, false, "treatment"},
		{"treatment, closed record", Request{Actor: doc1, Person: closed, Purpose: Treatment, Time: mid2024}, false, nil, false, "closed their record"},
		{"treatment, record closed later (replay)", Request{Actor: doc1, Person: closed, Purpose: Treatment, Time: tln(2023, 12, 31)}, true, nil, false, "treatment"},
		{"emergency without reason", Request{Actor: doc1, Person: closed, Purpose: Emergency, Time: mid2024}, false, nil, false, "stated reason"},
		{"emergency with reason", Request{Actor: doc1, Person: closed, Purpose: Emergency, Reason: "unconscious in ER", Time: mid2024}, true, nil, true, "unconscious in ER"},
		{"expired licence", Request{Actor: doc2, Person: adult, Purpose: Treatment, Time: mid2024}, false, nil, false, "not valid"},
		{"licence valid then", Request{Actor: doc2, Person: adult, Purpose: Treatment, Time: tln(2019, 12, 31)}, true, nil, false, "treatment"},
		{"licence ends (exclusive)", Request{Actor: doc2, Person: adult, Purpose: Treatment, Time: tln(2020, 1, 1)}, false, nil, false, "not valid"},
		{"wrong licence number", Request{Actor: Actor{ID: "doc1", Role: Professional, Licence: "D1"}, Person: adult, Purpose: Treatment, Time: mid2024}, false, nil, false, "does not match"},
		{"not in register", Request{Actor: stranger, Person: adult, Purpose: Treatment, Time: mid2024}, false, nil, false, "register"},
		{"professional doing research", Request{Actor: doc1, Person: adult, Purpose: Research, Use: hmbUse, Time: mid2024}, false, nil, false, "not open to role"},
		{"self", Request{Actor: pat(adult), Person: adult, Purpose: Self, Time: mid2024}, true, nil, false, "own data"},
		{"self on someone else", Request{Actor: pat(adult), Person: child, Purpose: Self, Time: mid2024}, false, nil, false, "only their own"},
		{"mother, day before 18th birthday", Request{Actor: pat(mother), Person: child, Purpose: Representative, Time: tln(2026, 5, 10).Add(-time.Second)}, true, nil, false, "until 2026-05-10"},
		{"mother, 18th birthday", Request{Actor: pat(mother), Person: child, Purpose: Representative, Time: tln(2026, 5, 10)}, false, nil, false, "18th birthday"},
		{"father as minor's guardian", Request{Actor: pat(father), Person: child, Purpose: Representative, Time: tln(2015, 1, 1)}, true, nil, false, "guardian"},
		{"friend before authorisation", Request{Actor: pat(friend), Person: adult, Purpose: Representative, Time: tln(2024, 2, 29)}, false, nil, false, "neither"},
		{"friend on first day", Request{Actor: pat(friend), Person: adult, Purpose: Representative, Time: tln(2024, 3, 1)}, true, nil, false, "until 2024-09-01"},
		{"friend last moment", Request{Actor: pat(friend), Person: adult, Purpose: Representative, Time: tln(2024, 9, 1).Add(-time.Nanosecond)}, true, nil, false, "authorised"},
		{"friend at end (exclusive)", Request{Actor: pat(friend), Person: adult, Purpose: Representative, Time: tln(2024, 9, 1)}, false, nil, false, "neither"},
		{"mother on an adult", Request{Actor: pat(mother), Person: adult, Purpose: Representative, Time: mid2024}, false, nil, false, "neither"},
		{"research HMB within consent, closed document left out", Request{Actor: res, Person: adult, Purpose: Research, Use: hmbUse, Time: mid2024}, true, []string{"d1"}, false, "permits"},
		{"research commercial under NCU", Request{Actor: res, Person: adult, Purpose: Research, Use: consent.ResearchUse{Purpose: consent.HMB, Commercial: true}, Time: mid2024}, false, nil, false, "NCU"},
		{"research ancestry under HMB", Request{Actor: res, Person: adult, Purpose: Research, Use: consent.ResearchUse{Purpose: consent.POA}, Time: mid2024}, false, nil, false, "HMB"},
		{"research after withdrawal", Request{Actor: res, Person: adult, Purpose: Research, Use: hmbUse, Time: tln(2025, 1, 1)}, false, nil, false, "withdrew"},
		{"research without consent", Request{Actor: res, Person: closed, Purpose: Research, Use: hmbUse, Time: mid2024}, false, nil, false, "no research consent"},
		{"research with bad use", Request{Actor: res, Person: adult, Purpose: Research, Use: consent.ResearchUse{Purpose: "XYZ"}, Time: mid2024}, false, nil, false, "research request"},
		{"batch return of results", Request{Actor: job, Person: adult, Purpose: ReturnOfResults, Time: mid2024}, true, []string{"d1"}, false, "return of results"},
		{"batch return after withdrawal", Request{Actor: job, Person: adult, Purpose: ReturnOfResults, Time: tln(2025, 6, 1)}, false, nil, false, "withdrew"},
		{"batch return, closed record", Request{Actor: job, Person: closed, Purpose: ReturnOfResults, Time: mid2024}, false, nil, false, "closed their record"},
		{"batch return, no consent", Request{Actor: job, Person: child, Purpose: ReturnOfResults, Time: mid2024}, false, nil, false, "no consent to return of results"},
		{"secondary findings without its consent", Request{Actor: job, Person: adult, Purpose: SecondaryFindings, Time: mid2024}, false, nil, false, "secondary"},
		{"secondary findings with consent", Request{Actor: job, Person: closed, Purpose: SecondaryFindings, Time: tln(2023, 1, 1)}, true, nil, false, "secondary"},
		{"researcher asking return of results", Request{Actor: res, Person: adult, Purpose: ReturnOfResults, Time: mid2024}, false, nil, false, "not open to role"},
		{"batch treatment", Request{Actor: job, Person: adult, Purpose: Treatment, Time: mid2024}, false, nil, false, "not open to role"},
		{"unknown person", Request{Actor: doc1, Person: "49912319999", Purpose: Treatment, Time: mid2024}, false, nil, false, "unknown person"},
		{"no time", Request{Actor: doc1, Person: adult, Purpose: Treatment}, false, nil, false, "without a time"},
		{"unknown role", Request{Actor: Actor{ID: "x", Role: "admin"}, Person: adult, Purpose: Treatment, Time: mid2024}, false, nil, false, "unknown role"},
	}
	d, log := fixture(t)
	ctx := context.Background()
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := d.Decide(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got.Allowed != tt.allowed || got.Flagged != tt.flagged || !strings.Contains(got.Rule, tt.rule) {
				t.Errorf("Decide = allowed %v flagged %v rule %q; want allowed %v flagged %v rule containing %q",
					got.Allowed, got.Flagged, got.Rule, tt.allowed, tt.flagged, tt.rule)
			}
			if diff := cmp.Diff(tt.hidden, got.Hidden, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Hidden (-want +got):\n%s", diff)
			}
			if got.AuditIndex != uint64(i) {
				t.Errorf("AuditIndex = %d, want %d", got.AuditIndex, i)
			}
		})
	}
	// Every decision, allowed or denied, is in the log, in order, and the
	// log verifies.
	cp, err := audit.Verify(ctx, logDir(t, log), nil)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != uint64(len(tests)) {
		t.Fatalf("log holds %d entries, want %d", cp.Size, len(tests))
	}
	i := 0
	for e, err := range audit.Entries(logDir(t, log)) {
		if err != nil {
			t.Fatal(err)
		}
		tt := tests[i]
		if err := log.Resolve(e); err != nil {
			t.Fatal(err)
		}
		if e.Allowed != tt.allowed || e.Subject != log.Commit(tt.req.Person) || e.Actor != tt.req.Actor.ID || e.Purpose != string(tt.req.Purpose) || e.Flagged != tt.flagged {
			t.Errorf("entry %d = %+v, does not match request %q", i, e, tt.name)
		}
		i++
	}
}

func logDir(t *testing.T, l *audit.Log) string {
	t.Helper()
	// The log was opened on a temp dir; entries are read back through the
	// package API from that same directory.
	return l.Dir()
}

func TestAccessLogForPerson(t *testing.T) {
	d, _ := fixture(t)
	ctx := context.Background()
	at := tln(2024, 6, 1)
	for _, r := range []Request{
		{Actor: doc1, Person: child, Purpose: Treatment, Time: at},
		{Actor: doc1, Person: adult, Purpose: Treatment, Time: at},
		{Actor: stranger, Person: child, Purpose: Treatment, Time: at},
	} {
		if _, err := d.Decide(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := d.AccessLog(ctx, pat(mother), child, at)
	if err != nil {
		t.Fatal(err)
	}
	var who []string
	for _, e := range got {
		who = append(who, e.Actor+" "+e.Purpose+" "+map[bool]string{true: "allowed", false: "denied"}[e.Allowed])
	}
	// The read itself is decided and logged before the log is read.
	want := []string{"doc1 treatment allowed", "doc9 treatment denied", mother + " representative allowed"}
	if diff := cmp.Diff(want, who); diff != "" {
		t.Errorf("access log of child (-want +got):\n%s", diff)
	}
	if _, err := d.AccessLog(ctx, pat(friend), child, at); err == nil {
		t.Error("a stranger read the child's access log")
	}
	// The reading of the log is itself logged.
	again, err := d.AccessLog(ctx, pat(child), child, at)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(again); n != 5 || again[3].Actor != friend || again[3].Allowed || again[4].Actor != child {
		t.Errorf("log after two reads: %+v", again)
	}
}

func TestDecideFailsClosedWhenLogFails(t *testing.T) {
	d, log := fixture(t)
	log.Close()
	dec, err := d.Decide(context.Background(), Request{Actor: pat(adult), Person: adult, Purpose: Self, Time: tln(2024, 1, 1)})
	if err == nil || dec.Allowed {
		t.Fatalf("Decide with a closed log: allowed=%v err=%v, want error and denial", dec.Allowed, err)
	}
}

func TestDecideAllOneAppend(t *testing.T) {
	d, log := fixture(t)
	var reqs []Request
	for _, p := range []string{adult, closed, child} {
		reqs = append(reqs, Request{Actor: job, Person: p, Purpose: ReturnOfResults, Time: tln(2024, 6, 1)})
	}
	ds, err := d.DecideAll(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	var got []bool
	for _, x := range ds {
		got = append(got, x.Allowed)
	}
	if diff := cmp.Diff([]bool{true, false, false}, got); diff != "" {
		t.Errorf("allowed (-want +got):\n%s", diff)
	}
	if n, err := log.Size(context.Background()); err != nil || n != 3 {
		t.Errorf("log size %d (%v), want 3", n, err)
	}
}

func TestPermittedResearchCohort(t *testing.T) {
	d, log := fixture(t)
	people := []string{adult, closed, child, "49912319999"}
	tests := []struct {
		at   time.Time
		use  consent.ResearchUse
		want []string
	}{
		{tln(2024, 6, 1), hmbUse, []string{adult}},
		{tln(2025, 1, 1), hmbUse, nil}, // adult withdrew
		{tln(2024, 6, 1), consent.ResearchUse{Purpose: consent.HMB, Commercial: true}, nil},
	}
	for _, tt := range tests {
		got, err := d.Permitted(context.Background(), res, Research, tt.use, people, tt.at, 3)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s %s (-want +got):\n%s", tt.at.Format(time.DateOnly), tt.use, diff)
		}
	}
	if n, err := log.Size(context.Background()); err != nil || n != 12 {
		t.Errorf("log size %d (%v): want two appends of 3+1 per call, 12 entries", n, err)
	}
}
