package access

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical/clinicaltest"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/store"
)

// Issue 8 attacks on the decision logic, through real ingests: each test
// builds a store generation by generation and decides from
// LoadDirectory, as every caller does.

var ingestNow = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

var (
	kid    = clinicaltest.Code("2015-04-01", "male", 1)
	mum    = clinicaltest.Code("1985-01-01", "female", 2)
	member = clinicaltest.Code("1970-06-01", "female", 3)
	teen   = clinicaltest.Code("2007-03-01", "female", 4)
)

func people() []string {
	return []string{
		clinicaltest.Patient(kid, "2015-04-01", "male"),
		clinicaltest.Patient(mum, "1985-01-01", "female"),
		clinicaltest.Patient(member, "1970-06-01", "female"),
		clinicaltest.Patient(teen, "2007-03-01", "female"),
	}
}

// storeDecide ingests gens and decides req from the store's directory.
func storeDecide(t *testing.T, gens []clinicaltest.Generation, reqs ...Request) []Decision {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(t.TempDir(), store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	for i, g := range gens {
		if _, err := clinicaltest.Ingest(ctx, st, ingestNow, g); err != nil {
			t.Fatalf("generation %d: %v", i+1, err)
		}
	}
	dir, err := LoadDirectory(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	log, err := audit.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	d, err := New(dir, log)
	if err != nil {
		t.Fatal(err)
	}
	out, err := d.DecideAll(ctx, reqs)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func check(t *testing.T, d Decision, allowed bool, rule string) {
	t.Helper()
	if d.Allowed != allowed || !strings.Contains(d.Rule, rule) {
		t.Errorf("allowed %v (%s), want %v with %q", d.Allowed, d.Rule, allowed, rule)
	}
}

// TestMotherReingestedAsFriendIsNoLongerGuardian: the related view keys a
// RelatedPerson by its resource, so re-ingesting it with another
// relationship replaces the old one (issue 8 item 4).
func TestMotherReingestedAsFriendIsNoLongerGuardian(t *testing.T) {
	now := tln(2026, 11, 30)
	req := Request{Actor: pat(mum), Person: kid, Purpose: Representative, Time: now}
	first := clinicaltest.Generation{Resources: append(people(), clinicaltest.RelatedPerson("rp1", kid, mum, "MTH"))}
	check(t, storeDecide(t, []clinicaltest.Generation{first}, req)[0], true, "parent or guardian")
	second := clinicaltest.Generation{Resources: []string{clinicaltest.RelatedPerson("rp1", kid, mum, "FRND")}}
	check(t, storeDecide(t, []clinicaltest.Generation{first, second}, req)[0], false, "neither guardian")
}

// TestWithdrawalSurvivesReingest: the withdrawing Consent re-ingested as
// inactive, entered-in-error or as a research consent does not end the
// withdrawal; a new, later consent of the person does, an older one
// ingested later does not (issue 8 item 3).
func TestWithdrawalSurvivesReingest(t *testing.T) {
	now := tln(2026, 11, 30)
	hmb := consent.DataUse{Permission: consent.HMB}
	give := consent.Event{Person: member, At: tln(2019, 1, 1), Kind: consent.GiveResearch, Use: hmb}
	withdraw := consent.Event{Person: member, At: tln(2020, 5, 1), Kind: consent.Withdraw}
	req := Request{Actor: res, Person: member, Purpose: Research, Use: hmbUse, Time: now}
	base := clinicaltest.Generation{Resources: append(people(),
		clinicaltest.Consent(give, "c1", "active"), clinicaltest.Consent(withdraw, "c2", "active"))}
	check(t, storeDecide(t, []clinicaltest.Generation{base}, req)[0], false, "withdrew")

	regive := give
	regive.At = tln(2020, 6, 1)
	tests := []struct {
		name    string
		again   string
		allowed bool
		rule    string
	}{
		{"inactive", clinicaltest.Consent(withdraw, "c2", "inactive"), false, "withdrew"},
		{"entered-in-error", clinicaltest.Consent(withdraw, "c2", "entered-in-error"), false, "withdrew"},
		{"same Consent rewritten as a research consent", clinicaltest.Consent(regive, "c2", "active"), false, "withdrew"},
		{"older consent ingested later", clinicaltest.Consent(consent.Event{Person: member, At: tln(2019, 6, 1), Kind: consent.GiveResearch, Use: hmb}, "c3", "active"), false, "withdrew"},
		{"new, later consent", clinicaltest.Consent(regive, "c4", "active"), true, "permits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			again := clinicaltest.Generation{Resources: []string{tc.again}}
			check(t, storeDecide(t, []clinicaltest.Generation{base, again}, req)[0], tc.allowed, tc.rule)
		})
	}
}

// TestLicencePeriodKeptAtIngest: a licence that ended in 2020 is refused
// treatment access today; the period is read from the ingested
// Practitioner (issue 8 item 7).
func TestLicencePeriodKeptAtIngest(t *testing.T) {
	now := tln(2026, 11, 30)
	g := clinicaltest.Generation{Resources: append(people(),
		clinicaltest.Practitioner("old", "D20000", "2000-01-01", "2020-01-01"),
		clinicaltest.Practitioner("cur", "D30000", "2010-01-01", ""),
		clinicaltest.Practitioner("future", "D40000", "2027-01-01", ""))}
	ds := storeDecide(t, []clinicaltest.Generation{g},
		Request{Actor: Actor{ID: "old", Role: Professional, Licence: "D20000"}, Person: member, Purpose: Treatment, Time: now},
		Request{Actor: Actor{ID: "cur", Role: Professional, Licence: "D30000"}, Person: member, Purpose: Treatment, Time: now},
		Request{Actor: Actor{ID: "future", Role: Professional, Licence: "D40000"}, Person: member, Purpose: Treatment, Time: now},
		// Asking about a date when the licence was valid does not help:
		// the licence is checked on the day of the access.
		Request{Actor: Actor{ID: "old", Role: Professional, Licence: "D20000"}, Person: member, Purpose: Treatment, Time: now, AsOf: tln(2019, 1, 1)},
	)
	check(t, ds[0], false, "until 2020-01-01")
	check(t, ds[1], true, "treatment")
	check(t, ds[2], false, "from 2027-01-01")
	check(t, ds[3], false, "not valid on 2026-11-30")
}

// TestParentalConsentLapsesAt18: research consent and return of results
// a mother signed for her daughter lapse on the daughter's 18th birthday
// until she confirms them herself (issue 8 item 14).
func TestParentalConsentLapsesAt18(t *testing.T) {
	hmb := consent.DataUse{Permission: consent.HMB}
	byMum := []string{
		clinicaltest.Consent(consent.Event{Person: teen, At: tln(2012, 1, 1), Kind: consent.GiveResearch, Use: hmb, SignedBy: mum}, "p1", "active"),
		clinicaltest.Consent(consent.Event{Person: teen, At: tln(2012, 1, 1), Kind: consent.ReturnOfResults, Given: true, SignedBy: mum}, "p2", "active"),
	}
	gens := []clinicaltest.Generation{{Resources: append(people(), byMum...)}}
	research := func(at time.Time) Request {
		return Request{Actor: res, Person: teen, Purpose: Research, Use: hmbUse, Time: at}
	}
	ror := func(at time.Time) Request {
		return Request{Actor: job, Person: teen, Purpose: ReturnOfResults, Time: at}
	}
	adult := tln(2025, 3, 1)
	ds := storeDecide(t, gens, research(adult.Add(-time.Second)), ror(adult.Add(-time.Second)), research(adult), ror(adult))
	check(t, ds[0], true, "permits")
	check(t, ds[1], true, "return of results")
	check(t, ds[2], false, "lapsed on the person's 18th birthday (2025-03-01) until the person confirms it")
	check(t, ds[3], false, "lapsed")

	// She confirms research herself (performer: herself); return of
	// results stays lapsed.
	confirm := clinicaltest.Generation{Resources: []string{clinicaltest.Consent(consent.Event{Person: teen, At: tln(2025, 6, 1), Kind: consent.GiveResearch, Use: hmb, SignedBy: teen}, "p3", "active")}}
	now := tln(2026, 11, 30)
	ds = storeDecide(t, append(gens, confirm), research(now), ror(now))
	check(t, ds[0], true, "permits")
	check(t, ds[1], false, "lapsed")
}

// TestAsOfNeverWidensAccess: a question about a past date is decided at
// the decision moment: a withdrawal or closure recorded since holds, and
// an as-of date after the decision moment is refused (issue 8 item 1).
func TestAsOfNeverWidensAccess(t *testing.T) {
	d, _ := fixture(t)
	ctx := context.Background()
	now := tln(2026, 11, 30)
	for _, tc := range []struct {
		name    string
		req     Request
		allowed bool
		rule    string
	}{
		{"research about 2019, withdrawn 2025", Request{Actor: res, Person: adult, Purpose: Research, Use: hmbUse, Time: now, AsOf: tln(2019, 12, 1)}, false, "withdrew"},
		{"alerts about 2023, record closed 2024", Request{Actor: job, Person: closed, Purpose: ReturnOfResults, Time: now, AsOf: tln(2023, 1, 1)}, false, "closed their record"},
		{"treatment about 2022, document closed 2023", Request{Actor: doc1, Person: adult, Purpose: Treatment, Time: now, AsOf: tln(2022, 1, 1)}, true, "data as of 2022-01-01"},
		{"as of the future", Request{Actor: doc1, Person: adult, Purpose: Treatment, Time: now, AsOf: tln(2027, 1, 1)}, false, "after the moment of the decision"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dec, err := d.Decide(ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			check(t, dec, tc.allowed, tc.rule)
			if tc.allowed && len(dec.Hidden) == 0 {
				t.Errorf("closed document not hidden: %+v", dec)
			}
		})
	}
}

// TestStoreDeciderDecidesNow: a store's Decider refuses a decision moment
// in the past, so no caller can ask "as if" before a withdrawal; the past
// date goes in AsOf (issue 8 item 1).
func TestStoreDeciderDecidesNow(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(t.TempDir(), store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	hmb := consent.DataUse{Permission: consent.HMB}
	g := clinicaltest.Generation{Resources: append(people(),
		clinicaltest.Consent(consent.Event{Person: member, At: tln(2019, 1, 1), Kind: consent.GiveResearch, Use: hmb}, "c1", "active"),
		clinicaltest.Consent(consent.Event{Person: member, At: tln(2020, 5, 1), Kind: consent.Withdraw}, "c2", "active"))}
	if _, err := clinicaltest.Ingest(ctx, st, time.Now(), g); err != nil {
		t.Fatal(err)
	}
	d, log, err := OpenStore(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	now := time.Now()
	ds, err := d.DecideAll(ctx, []Request{
		{Actor: res, Person: member, Purpose: Research, Use: hmbUse, Time: tln(2019, 12, 1)},
		{Actor: res, Person: member, Purpose: Research, Use: hmbUse, Time: now, AsOf: tln(2019, 12, 1)},
		{Actor: pat(member), Person: member, Purpose: Self, Time: now.Add(-time.Minute)},
		{Actor: pat(member), Person: member, Purpose: Self, Time: now.Add(time.Hour)},
	})
	if err != nil {
		t.Fatal(err)
	}
	check(t, ds[0], false, "is not now")
	check(t, ds[1], false, "withdrew")
	check(t, ds[2], true, "own data")
	check(t, ds[3], false, "is not now")

	// A Decider on another clock (the README's pinned day) holds its
	// moment to that clock, not to the wall clock: the pinned moment is
	// now, the wall clock's is not, and a withdrawal before the pinned
	// moment still holds.
	pinned := tln(2020, 6, 1)
	pd, plog, err := OpenStore(ctx, st, Clock(func() time.Time { return pinned }))
	if err != nil {
		t.Fatal(err)
	}
	defer plog.Close()
	ds, err = pd.DecideAll(ctx, []Request{
		{Actor: pat(member), Person: member, Purpose: Self, Time: pinned},
		{Actor: pat(member), Person: member, Purpose: Self, Time: now},
		{Actor: res, Person: member, Purpose: Research, Use: hmbUse, Time: pinned},
	})
	if err != nil {
		t.Fatal(err)
	}
	check(t, ds[0], true, "own data")
	check(t, ds[1], false, "is not now")
	check(t, ds[2], false, "withdrew")
}
