package prescribe

import (
	"context"
	"errors"
	"testing"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/query"
)

func TestRecommendUnderAccessControl(t *testing.T) {
	ctx := context.Background()
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 300, Seed: 3, BackgroundSites: -1}})
	sum, dir := bb.Summary, bb.Dir
	e, err := query.OpenAs(ctx, dir, query.Config{Role: query.Steward, Actor: "test-steward"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	one := func(q string) []string {
		r, err := e.Run(ctx, q)
		if err != nil || len(r.Rows) == 0 {
			t.Fatalf("%s: %v (%d rows)", q, err, len(r.Rows))
		}
		var out []string
		for _, v := range r.Rows[0] {
			out = append(out, query.Text(v))
		}
		return out
	}
	pro := one("SELECT practitioner_id, licence FROM practitioners ORDER BY practitioner_id LIMIT 1")
	actor := access.Actor{ID: pro[0], Role: access.Professional, Licence: pro[1]}
	// A person on an active prescription, with an open record and a
	// genotyped sample.
	open := one(`SELECT m.person_id, m.drug FROM medications m JOIN biobank_samples b USING (person_id)
		WHERE m.status = 'active' AND m.drug IN ('clopidogrel', 'simvastatin', 'warfarin', 'sertraline', 'omeprazole')
		AND m.person_id NOT IN (SELECT person_id FROM consents WHERE event_kind = 'close-record') ORDER BY 1 LIMIT 1`)
	res, err := Recommend(ctx, dir, Request{Actor: actor, Person: open[0], Drugs: []string{open[1]}, At: sum.AsOf})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Recommendations) == 0 || res.Recommendations[0].Drug != open[1] {
		t.Fatalf("no %s recommendation: %+v", open[1], res.Recommendations)
	}
	if res.Patient.AgeYears == nil || len(res.Patient.Medications) == 0 {
		t.Errorf("clinical facts not read: %+v", res.Patient)
	}
	if len(res.Calls.Genes) < 15 {
		t.Errorf("%d genes called", len(res.Calls.Genes))
	}

	// Wrong licence: denied, logged.
	bad := actor
	bad.Licence = "X0"
	if _, err := Recommend(ctx, dir, Request{Actor: bad, Person: open[0], At: sum.AsOf}); !errors.Is(err, ErrDenied) {
		t.Errorf("wrong licence: %v", err)
	}
	// A closed record: treatment denied; emergency with a reason allowed
	// and flagged.
	closed := one(`SELECT person_id FROM consents c JOIN biobank_samples b USING (person_id) WHERE c.event_kind = 'close-record'
		AND c.date_time < TIMESTAMP '` + sum.AsOf.Format("2006-01-02") + `'
		AND person_id NOT IN (SELECT person_id FROM consents WHERE event_kind IN ('open-record', 'withdraw'))
		AND person_id IN (SELECT person_id FROM consents WHERE event_kind = 'return-of-results' AND given) ORDER BY 1 LIMIT 1`)
	if _, err := Recommend(ctx, dir, Request{Actor: actor, Person: closed[0], At: sum.AsOf}); !errors.Is(err, ErrDenied) {
		t.Errorf("closed record, treatment: %v", err)
	}
	res, err = Recommend(ctx, dir, Request{Actor: actor, Person: closed[0], Purpose: access.Emergency, Reason: "unconscious, anticoagulation decision", At: sum.AsOf})
	if err != nil || !res.Decision.Flagged {
		t.Errorf("emergency: %v, flagged %v", err, res != nil && res.Decision.Flagged)
	}
	n := 0
	for en, err := range audit.Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if en.Actor == actor.ID {
			n++
		}
	}
	if n != 6 {
		t.Errorf("%d audit entries for the professional, want 6 (every decision, allowed or not; care use of genotypes decided apart)", n)
	}

	// Treatment use of biobank genotypes needs the biobank consent: a
	// person who withdrew, or who refused return of results, has no
	// usable result, and the clinician is not told why (issue 8 item 2).
	for _, q := range []string{
		`SELECT c.person_id FROM consents c JOIN biobank_samples b USING (person_id) WHERE c.event_kind = 'withdraw'
			AND person_id NOT IN (SELECT person_id FROM consents WHERE event_kind IN ('close-record', 'research-consent') AND date_time > c.date_time) ORDER BY 1 LIMIT 1`,
		`SELECT c.person_id FROM consents c JOIN biobank_samples b USING (person_id) WHERE c.event_kind = 'return-of-results' AND NOT c.given
			AND person_id NOT IN (SELECT person_id FROM consents WHERE event_kind IN ('close-record', 'withdraw') OR event_kind = 'return-of-results' AND given) ORDER BY 1 LIMIT 1`,
	} {
		who := one(q)[0]
		_, err := Recommend(ctx, dir, Request{Actor: actor, Person: who, At: sum.AsOf})
		if !errors.Is(err, ErrNoGenotypes) || err.Error() != who+": prescribe: no consented genotype data" {
			t.Errorf("%s: %v, want no consented genotype data", who, err)
		}
	}
}
