// Package alerts finds the drug–gene alerts varamu exists for: every person
// with a current prescription of a drug whose guideline recommendation for
// the person's pharmacogenomic phenotype is actionable, under consent.
//
// The join reads prescriptions, the person's clinical facts (age, sex,
// height, weight, co-medications) and PGx calls through a Source, and
// recommendations from the rule engine (package pharmacogenomics/rules).
// Consent is decided by package access: for every candidate person a
// return-of-results request (actor: the alerts batch job) is decided and
// written to the audit log BEFORE any of the person's facts or calls are
// read; a denied person (no return-of-results consent, record closed,
// withdrawn) produces no alert and no data. The candidate scan itself reads
// only person ids, drug names and prescription dates.
package alerts

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// ErrFuture is returned for alerts asked about a date after now.
var ErrFuture = errors.New("alerts: alerts are made for now or a past date")

// Prescription is one medication order.
type Prescription struct {
	ID         string
	Person     string // isikukood
	Drug       string // generic name, as the rules name drugs ("clopidogrel")
	ATC        string
	Status     string // FHIR MedicationRequest.status
	AuthoredOn time.Time
	// ValidFrom and ValidUntil bound the prescription's validity
	// (dispenseRequest.validityPeriod); zero means open.
	ValidFrom, ValidUntil time.Time
	Requester             string // practitioner id
}

// Current reports whether the prescription is in force at t: status
// "active" (on-hold, stopped, completed and others are not), authored by
// t, and t within its validity period.
func (p *Prescription) Current(t time.Time) bool {
	if p.Status != "active" {
		return false
	}
	if !p.AuthoredOn.IsZero() && p.AuthoredOn.After(t) {
		return false
	}
	if !p.ValidFrom.IsZero() && t.Before(p.ValidFrom) {
		return false
	}
	return p.ValidUntil.IsZero() || t.Before(p.ValidUntil)
}

// Person holds the clinical facts the rules may read.
type Person struct {
	ID        string
	BirthDate time.Time // zero: unknown
	Sex       string    // "female", "male" or ""
	HeightCm  *float64
	WeightKg  *float64
}

// Source is where alerts read from. Run calls Prescriptions once (the
// candidate scan), then Load once with the people access allowed, then
// Person and Calls only for those people. Implementations MUST NOT return
// data of anyone else.
type Source interface {
	// Prescriptions yields every prescription, in any order.
	Prescriptions(ctx context.Context) iter.Seq2[Prescription, error]
	// Load prepares the facts and calls of the allowed people (a bulk
	// read, so that stores without row lookup scan once).
	Load(ctx context.Context, people []string) error
	// Person returns a person's facts.
	Person(ctx context.Context, id string) (Person, error)
	// Calls returns the person's PGx calls and the data version they were
	// made with; ok is false when the person has no genotyped sample.
	Calls(ctx context.Context, person string) (calls pharmacogenomics.SampleCalls, dataVersion string, ok bool, err error)
}

// Config tunes Run.
type Config struct {
	// At is the date the alerts are about (current prescriptions, ages,
	// the data recorded up to it); zero means now. It MUST NOT be after
	// now. Consent is never evaluated at At but at the decision moment
	// (Clock): a withdrawal or a closed record recorded since At holds.
	At time.Time
	// Clock gives the decision moment; nil means time.Now. Tests set it;
	// nothing else should.
	Clock func() time.Time
	// Since keeps only prescriptions authored at or after it; zero keeps
	// all current ones.
	Since time.Time
	// Actions are the recommendation actions that make an alert; nil
	// means DefaultActions.
	Actions []string
	// Actor is the batch job identity written to the audit log; "" means
	// "varamu-alerts".
	Actor string
	// BatchSize is the number of access decisions logged per audit append;
	// 0 means 512.
	BatchSize int
}

// DefaultActions are the actionable recommendation categories: everything
// except standard dosing, no recommendation, and no genotype.
var DefaultActions = []string{
	rules.ActionReduceDose, rules.ActionIncreaseDose, rules.ActionAvoid, rules.ActionAlternativePreferred,
	rules.ActionConsiderAlternative, rules.ActionMonitor, rules.ActionUseAlgorithm, rules.ActionTest,
}

// GeneFact is the data behind an alert for one gene.
type GeneFact struct {
	Gene       string   `json:"gene"`
	Diplotypes []string `json:"diplotypes"`
	Phenotype  string   `json:"phenotype"`
	// Activity is the activity score as text ("" when none).
	Activity string `json:"activity,omitempty"`
	// Genotypic is the phenotype before phenoconversion, when it changed.
	Genotypic  string `json:"genotypicPhenotype,omitempty"`
	Conversion string `json:"conversion,omitempty"`
	Uncertain  bool   `json:"uncertain,omitempty"`
	Source     string `json:"source,omitempty"`
}

// Alert is one actionable drug–gene finding for one person.
type Alert struct {
	Person       string     `json:"person"`
	Sample       string     `json:"sample"`
	Drug         string     `json:"drug"`
	Prescription string     `json:"prescription"`
	Authored     time.Time  `json:"authored"`
	Requester    string     `json:"requester,omitempty"`
	Genes        []GeneFact `json:"genes"`
	Action       string     `json:"action"`
	Text         string     `json:"recommendation"`
	Strength     string     `json:"strength,omitempty"`
	// Population is the guideline population the recommendation is for
	// ("" when it applies to everyone).
	Population   string `json:"population,omitempty"`
	Guideline    string `json:"guideline,omitempty"`
	GuidelineURL string `json:"guidelineUrl,omitempty"`
	// Dose is the IWPC warfarin dose estimate, when the rule computed one.
	Dose *rules.WarfarinDose `json:"dose,omitempty"`
	// Rule is the id of the rule that made the recommendation.
	Rule    string   `json:"rule,omitempty"`
	Caveats []string `json:"caveats"`
	// Facts are the clinical facts the rules read ("age 67", "weight 82 kg",
	// "co-medication paroxetine").
	Facts           []string `json:"facts"`
	RuleDataVersion string   `json:"ruleDataVersion"`
	CallDataVersion string   `json:"callDataVersion,omitempty"`
	// AuditIndex is the audit log entry of the access decision that let
	// this alert be made.
	AuditIndex uint64 `json:"auditIndex"`
}

// Stats counts what Run saw.
type Stats struct {
	Prescriptions int // prescriptions read
	Current       int // current prescriptions of drugs with rules
	Candidates    int // people with such prescriptions
	Denied        int // people access denied (consent)
	NoCalls       int // allowed people without PGx calls
	Alerts        int
}

// Run makes the alerts. It returns them sorted by person, drug.
func Run(ctx context.Context, src Source, eng *rules.Engine, dec *access.Decider, cfg Config) ([]Alert, Stats, error) {
	var st Stats
	if src == nil || eng == nil || dec == nil {
		return nil, st, errors.New("alerts: Run needs a source, a rule engine and an access decider")
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	now := cfg.Clock()
	if cfg.At.IsZero() {
		cfg.At = now
	}
	if cfg.At.After(now) {
		return nil, st, fmt.Errorf("%w: %s is after now", ErrFuture, cfg.At.Format(time.DateOnly))
	}
	if cfg.Actions == nil {
		cfg.Actions = DefaultActions
	}
	if cfg.Actor == "" {
		cfg.Actor = "varamu-alerts"
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 512
	}
	ruleDrugs := map[string]bool{}
	for _, d := range eng.Drugs() {
		ruleDrugs[d] = true
	}
	// Candidate scan: who has a current prescription of a drug with rules.
	// All current drugs are kept per person: they are the co-medications.
	current := map[string][]Prescription{}
	for p, err := range src.Prescriptions(ctx) {
		if err != nil {
			return nil, st, err
		}
		st.Prescriptions++
		if !p.Current(cfg.At) {
			continue
		}
		p.Drug = strings.ToLower(strings.TrimSpace(p.Drug))
		current[p.Person] = append(current[p.Person], p)
	}
	var people []string
	for person, ps := range current {
		for _, p := range ps {
			if ruleDrugs[p.Drug] && (cfg.Since.IsZero() || !p.AuthoredOn.Before(cfg.Since)) {
				st.Current++
				if !slices.Contains(people, person) && (len(people) == 0 || people[len(people)-1] != person) {
					people = append(people, person)
				}
			}
		}
	}
	slices.Sort(people)
	people = slices.Compact(people)
	st.Candidates = len(people)

	// Decide every candidate (logged) before reading anything about them.
	actor := access.Actor{ID: cfg.Actor, Role: access.Batch}
	var allowed []string
	audit := map[string]uint64{}
	for start := 0; start < len(people); start += cfg.BatchSize {
		batch := people[start:min(start+cfg.BatchSize, len(people))]
		reqs := make([]access.Request, len(batch))
		for i, p := range batch {
			reqs[i] = access.Request{Actor: actor, Person: p, Purpose: access.ReturnOfResults, Time: now, AsOf: cfg.At}
		}
		decisions, err := dec.DecideAll(ctx, reqs)
		if err != nil {
			return nil, st, err
		}
		for i, person := range batch {
			if !decisions[i].Allowed {
				st.Denied++
				continue
			}
			allowed = append(allowed, person)
			audit[person] = decisions[i].AuditIndex
		}
	}
	if err := src.Load(ctx, allowed); err != nil {
		return nil, st, err
	}
	var out []Alert
	for _, person := range allowed {
		alerts, ok, err := personAlerts(ctx, src, eng, person, current[person], cfg)
		if err != nil {
			return nil, st, err
		}
		if !ok {
			st.NoCalls++
			continue
		}
		for j := range alerts {
			alerts[j].AuditIndex = audit[person]
		}
		out = append(out, alerts...)
	}
	slices.SortStableFunc(out, func(a, b Alert) int {
		return cmp.Or(strings.Compare(a.Person, b.Person), strings.Compare(a.Drug, b.Drug), strings.Compare(a.Prescription, b.Prescription),
			strings.Compare(a.Guideline, b.Guideline), strings.Compare(a.Population, b.Population))
	})
	st.Alerts = len(out)
	return out, st, nil
}

// personAlerts evaluates one allowed person's current prescriptions.
func personAlerts(ctx context.Context, src Source, eng *rules.Engine, person string, ps []Prescription, cfg Config) ([]Alert, bool, error) {
	calls, dataVersion, ok, err := src.Calls(ctx, person)
	if err != nil || !ok {
		return nil, false, err
	}
	facts, err := src.Person(ctx, person)
	if err != nil {
		return nil, false, err
	}
	pat := rules.Patient{Sex: facts.Sex, HeightCm: facts.HeightCm, WeightKg: facts.WeightKg}
	var factText []string
	if !facts.BirthDate.IsZero() {
		age := float64(consent.AgeAt(facts.BirthDate, cfg.At))
		pat.AgeYears = &age
		factText = append(factText, fmt.Sprintf("age %d", int(age)))
	}
	if facts.Sex != "" {
		factText = append(factText, "sex "+facts.Sex)
	}
	if facts.HeightCm != nil {
		factText = append(factText, fmt.Sprintf("height %.0f cm", *facts.HeightCm))
	}
	if facts.WeightKg != nil {
		factText = append(factText, fmt.Sprintf("weight %.0f kg", *facts.WeightKg))
	}
	for _, p := range ps {
		if !slices.Contains(pat.Medications, p.Drug) {
			pat.Medications = append(pat.Medications, p.Drug)
		}
	}
	slices.Sort(pat.Medications)
	if err := pat.Validate(); err != nil {
		return nil, false, fmt.Errorf("alerts: person %s: %w", person, err)
	}
	ruleDrugs := eng.Drugs()
	var out []Alert
	for _, p := range ps {
		if !slices.Contains(ruleDrugs, p.Drug) || (!cfg.Since.IsZero() && p.AuthoredOn.Before(cfg.Since)) {
			continue
		}
		recs, err := eng.Recommend(ctx, calls, pat, p.Drug)
		if err != nil {
			return nil, false, fmt.Errorf("alerts: person %s, %s: %w", person, p.Drug, err)
		}
		for _, r := range recs {
			if !slices.Contains(cfg.Actions, r.Action) {
				continue
			}
			a := Alert{
				Person: person, Sample: calls.Sample, Drug: p.Drug, Prescription: p.ID, Authored: p.AuthoredOn,
				Requester: p.Requester, Action: r.Action, Text: r.Text, Strength: r.Strength, Population: r.Population, Rule: r.RuleID, Dose: r.Dose,
				Caveats: r.Caveats, RuleDataVersion: r.DataVersion, CallDataVersion: dataVersion,
			}
			if r.Guideline != nil {
				a.Guideline, a.GuidelineURL = r.Guideline.Body+" "+r.Guideline.ID, r.Guideline.URL
			}
			for _, g := range r.Genes {
				gf := GeneFact{Gene: g.Gene, Diplotypes: g.Diplotypes, Phenotype: g.Phenotype, Genotypic: g.GenotypicPhenotype,
					Conversion: g.Conversion, Uncertain: g.Uncertain, Source: g.Source}
				if g.ActivityScore != nil {
					gf.Activity = fmt.Sprintf("%g", *g.ActivityScore)
				}
				a.Genes = append(a.Genes, gf)
			}
			a.Facts = slices.Clone(factText)
			for _, m := range pat.Medications {
				if m != p.Drug {
					a.Facts = append(a.Facts, "co-medication "+m)
				}
			}
			if a.Caveats == nil {
				a.Caveats = []string{}
			}
			out = append(out, a)
		}
	}
	return out, true, nil
}
