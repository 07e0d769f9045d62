package alerts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

func tln(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 12, 0, 0, 0, consent.Tallinn)
}

var at = tln(2026, 1, 1)

func gene(name, dip, pheno string) pharmacogenomics.GeneCall {
	return pharmacogenomics.GeneCall{Gene: name, Called: true, Diplotypes: []string{dip}, Phenotype: pheno, Source: "vcf",
		MissingPositions: []string{}, Notes: []string{}}
}

func calls(sample string, genes ...pharmacogenomics.GeneCall) pharmacogenomics.SampleCalls {
	return pharmacogenomics.SampleCalls{Sample: sample, Genes: genes}
}

func rx(id, person, drug, status string, authored time.Time) Prescription {
	return Prescription{ID: id, Person: person, Drug: drug, Status: status, AuthoredOn: authored, ValidFrom: authored, ValidUntil: authored.AddDate(1, 0, 0), Requester: "pr-1"}
}

type fixture struct {
	src *MemSource
	dir *access.MemDirectory
	log *audit.Log
	dec *access.Decider
	eng *rules.Engine
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{dir: access.NewMemDirectory()}
	people := map[string]Person{}
	h, w := 172.0, 80.0
	for _, id := range []string{"poor", "normal", "noror", "closed", "old", "paroxetine", "nocalls", "statin", "since"} {
		people[id] = Person{ID: id, BirthDate: tln(1960, 5, 5), Sex: "female", HeightCm: &h, WeightKg: &w}
		f.dir.AddPerson(id, access.PersonInfo{BirthDate: tln(1960, 5, 5)})
		if id == "noror" {
			continue
		}
		if err := f.dir.AddConsent(consent.Event{Person: id, At: tln(2015, 1, 1), Kind: consent.ReturnOfResults, Given: true}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.dir.AddConsent(consent.Event{Person: "closed", At: tln(2020, 1, 1), Kind: consent.CloseRecord}); err != nil {
		t.Fatal(err)
	}
	pm := gene("CYP2C19", "*2/*2", "Poor Metabolizer")
	nm2d6 := gene("CYP2D6", "*1/*1", "Normal Metabolizer")
	as := 2.0
	nm2d6.ActivityScore, nm2d6.Source = &as, "outside"
	f.src = &MemSource{
		People:      people,
		DataVersion: "test-data",
		Rx: []Prescription{
			rx("rx1", "poor", "Clopidogrel", "active", tln(2025, 11, 1)),
			rx("rx2", "normal", "clopidogrel", "active", tln(2025, 11, 1)),
			rx("rx3", "noror", "clopidogrel", "active", tln(2025, 11, 1)),
			rx("rx4", "closed", "clopidogrel", "active", tln(2025, 11, 1)),
			rx("rx5", "old", "clopidogrel", "completed", tln(2025, 11, 1)),
			rx("rx5b", "old", "clopidogrel", "active", tln(2024, 1, 1)), // expired
			rx("rx6", "paroxetine", "codeine", "active", tln(2025, 12, 1)),
			rx("rx7", "paroxetine", "paroxetine", "active", tln(2025, 6, 1)),
			rx("rx8", "nocalls", "clopidogrel", "active", tln(2025, 11, 1)),
			rx("rx9", "statin", "simvastatin", "active", tln(2025, 11, 1)),
			rx("rx10", "since", "clopidogrel", "active", tln(2025, 2, 1)),
		},
		CallsByPerson: map[string]pharmacogenomics.SampleCalls{
			"poor":       calls("V1", pm),
			"normal":     calls("V2", gene("CYP2C19", "*1/*1", "Normal Metabolizer")),
			"noror":      calls("V3", pm),
			"closed":     calls("V4", pm),
			"old":        calls("V5", pm),
			"paroxetine": calls("V6", nm2d6),
			"statin":     calls("V8", gene("SLCO1B1", "*5/*5", "Poor Function")),
			"since":      calls("V9", pm),
		},
	}
	var err error
	if f.log, err = audit.Open(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.log.Close() })
	if f.dec, err = access.New(f.dir, f.log); err != nil {
		t.Fatal(err)
	}
	if f.eng, err = rules.LoadEmbedded(); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRun(t *testing.T) {
	f := setup(t)
	got, st, err := Run(context.Background(), f.src, f.eng, f.dec, Config{At: at, Since: tln(2025, 3, 1), BatchSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, a := range got {
		var gs []string
		for _, g := range a.Genes {
			s := g.Gene + " " + strings.Join(g.Diplotypes, ",") + " " + g.Phenotype
			if g.Conversion != "" {
				s += " (genotypic " + g.Genotypic + ")"
			}
			gs = append(gs, s)
		}
		summary = append(summary, a.Person+" "+a.Sample+" "+a.Drug+" "+a.Prescription+" "+a.Action+" "+a.Guideline+" "+a.Population+" | "+strings.Join(gs, "; "))
		if a.Text == "" || a.RuleDataVersion == "" || a.CallDataVersion != "test-data" || a.Guideline == "" {
			t.Errorf("alert %+v lacks text, versions or guideline", a)
		}
	}
	want := []string{
		"paroxetine V6 codeine rx6 avoid CPIC PA166104996  | CYP2D6 *1/*1 Poor Metabolizer (genotypic Normal Metabolizer)",
		"paroxetine V6 codeine rx6 monitor DPWG PA166104970  | CYP2D6 *1/*1 Poor Metabolizer (genotypic Normal Metabolizer)",
		"poor V1 clopidogrel rx1 avoid CPIC PA166104948 cardiovascular indication other than ACS or PCI | CYP2C19 *2/*2 Poor Metabolizer",
		"poor V1 clopidogrel rx1 avoid CPIC PA166104948 cardiovascular indication: acute coronary syndrome or percutaneous coronary intervention | CYP2C19 *2/*2 Poor Metabolizer",
		"poor V1 clopidogrel rx1 avoid CPIC PA166104948 neurovascular indication (such as stroke or TIA) | CYP2C19 *2/*2 Poor Metabolizer",
		"poor V1 clopidogrel rx1 avoid DPWG PA166104956  | CYP2C19 *2/*2 Poor Metabolizer",
		"statin V8 simvastatin rx9 avoid CPIC PA166105005  | SLCO1B1 *5/*5 Poor Function",
		"statin V8 simvastatin rx9 avoid DPWG PA166182844  | SLCO1B1 *5/*5 Poor Function",
	}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("alerts (-want +got):\n%s", diff)
	}
	// Candidates: poor, normal, noror, closed, paroxetine, nocalls, statin
	// (old has no current prescription; since's is before --since).
	wantStats := Stats{Prescriptions: 11, Current: 8, Candidates: 7, Denied: 2, NoCalls: 1, Alerts: 8}
	if diff := cmp.Diff(wantStats, st); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	// Every candidate's decision is in the audit log, before alerts.
	var logged []string
	// The log holds commitments, not personal codes: resolve them.
	names := map[string]string{}
	for _, p := range []string{"closed", "nocalls", "normal", "noror", "paroxetine", "poor", "statin"} {
		names[f.log.Commit(p)] = p
	}
	for e, err := range audit.Entries(f.log.Dir()) {
		if err != nil {
			t.Fatal(err)
		}
		logged = append(logged, names[e.Subject]+map[bool]string{true: "+", false: "-"}[e.Allowed])
		if e.Purpose != string(access.ReturnOfResults) || e.Actor != "varamu-alerts" {
			t.Errorf("audit entry %+v", e)
		}
	}
	if diff := cmp.Diff([]string{"closed-", "nocalls+", "normal+", "noror-", "paroxetine+", "poor+", "statin+"}, logged); diff != "" {
		t.Errorf("audit log (-want +got):\n%s", diff)
	}
	for _, a := range got {
		if a.AuditIndex >= uint64(len(logged)) || !strings.HasPrefix(logged[a.AuditIndex], a.Person) {
			t.Errorf("alert for %s cites audit entry %d", a.Person, a.AuditIndex)
		}
	}
}

// TestRunReadsNothingDenied: a Source that fails on any per-person read
// of a denied person proves that consent is decided first.
func TestRunReadsNothingDenied(t *testing.T) {
	f := setup(t)
	src := &guard{MemSource: f.src, denied: map[string]bool{"noror": true, "closed": true}, t: t}
	if _, _, err := Run(context.Background(), src, f.eng, f.dec, Config{At: at}); err != nil {
		t.Fatal(err)
	}
}

type guard struct {
	*MemSource
	denied map[string]bool
	t      *testing.T
}

func (g *guard) Load(ctx context.Context, people []string) error {
	for _, p := range people {
		if g.denied[p] {
			g.t.Errorf("Load asked for %s although access was denied", p)
		}
	}
	if len(people) != 6 {
		g.t.Errorf("Load(%v): want the 6 allowed candidates", people)
	}
	return nil
}

func (g *guard) Person(ctx context.Context, id string) (Person, error) {
	if g.denied[id] {
		g.t.Errorf("facts of %s read although access was denied", id)
	}
	return g.MemSource.Person(ctx, id)
}

func (g *guard) Calls(ctx context.Context, id string) (pharmacogenomics.SampleCalls, string, bool, error) {
	if g.denied[id] {
		g.t.Errorf("calls of %s read although access was denied", id)
	}
	return g.MemSource.Calls(ctx, id)
}

// TestAtInThePastKeepsLaterWithdrawal: alerts about a date before a
// withdrawal and a record closure are still decided now, so both hold
// (issue 8 item 1).
func TestAtInThePastKeepsLaterWithdrawal(t *testing.T) {
	f := setup(t)
	now := tln(2026, 6, 1)
	for _, e := range []consent.Event{
		{Person: "poor", At: tln(2026, 3, 1), Kind: consent.Withdraw},
		{Person: "normal", At: tln(2026, 3, 1), Kind: consent.CloseRecord},
	} {
		if err := f.dir.AddConsent(e); err != nil {
			t.Fatal(err)
		}
	}
	cfg := Config{At: at, Clock: func() time.Time { return now }}
	got, st, err := Run(context.Background(), f.src, f.eng, f.dec, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range got {
		if a.Person == "poor" || a.Person == "normal" {
			t.Errorf("alert for %s, who withdrew or closed their record after --at", a.Person)
		}
	}
	if st.Denied != 4 { // noror, closed, poor, normal
		t.Errorf("denied %d, want 4: %+v", st.Denied, st)
	}
	cfg.At = now.AddDate(0, 0, 1)
	if _, _, err := Run(context.Background(), f.src, f.eng, f.dec, cfg); !errors.Is(err, ErrFuture) {
		t.Errorf("alerts about tomorrow: %v", err)
	}
}
