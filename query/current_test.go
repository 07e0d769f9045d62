package query

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/clinicaltest"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/store"
)

// TestCurrentStateMatchesViews is a property test: over random ingest
// histories (people, related persons whose relationship changes, consents
// re-ingested with other statuses and kinds, samples re-linked, licences
// with periods), the typed reader clinical.ReadCurrent, which access,
// alerts, prescribing and export use, says exactly what the SQL views say
// (issue 8 item 4).
func TestCurrentStateMatchesViews(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			checkCurrent(t, rand.New(rand.NewPCG(seed, 8)))
		})
	}
}

type pool struct {
	codes, births, sexes []string
}

func newPool() pool {
	var p pool
	for i := 0; i < 6; i++ {
		birth := fmt.Sprintf("%d-0%d-1%d", 1950+i*12, 1+i, i)
		sex := []string{"female", "male"}[i%2]
		p.codes = append(p.codes, clinicaltest.Code(birth, sex, 10+i))
		p.births, p.sexes = append(p.births, birth), append(p.sexes, sex)
	}
	return p
}

// generation draws one random ingest.
func (p pool) generation(r *rand.Rand, first bool) clinicaltest.Generation {
	var g clinicaltest.Generation
	for i, c := range p.codes {
		if first || r.IntN(3) == 0 {
			g.Resources = append(g.Resources, clinicaltest.Patient(c, p.births[i], p.sexes[i]))
		}
	}
	pick := func() string { return p.codes[r.IntN(len(p.codes))] }
	for i := 0; i < 1+r.IntN(4); i++ {
		rel := []string{"MTH", "FTH", "GUARD", "FRND", "SIS"}[r.IntN(5)]
		g.Resources = append(g.Resources, clinicaltest.RelatedPerson(fmt.Sprintf("rp%d", r.IntN(4)), pick(), pick(), rel))
	}
	for i := 0; i < 2+r.IntN(5); i++ {
		n := r.IntN(8)
		e := consent.Event{Person: p.codes[n%len(p.codes)], At: time.Date(2010+r.IntN(15), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)}
		switch r.IntN(5) {
		case 0:
			e.Kind, e.Use = consent.GiveResearch, consent.DataUse{Permission: consent.HMB}
		case 1:
			e.Kind = consent.Withdraw
		case 2:
			e.Kind, e.Given = consent.ReturnOfResults, r.IntN(2) == 0
		case 3:
			e.Kind = consent.CloseRecord
		default:
			e.Kind = consent.OpenRecord
		}
		status := []string{"active", "active", "inactive", "entered-in-error"}[r.IntN(4)]
		g.Resources = append(g.Resources, clinicaltest.Consent(e, fmt.Sprintf("c%d", n), status))
	}
	for i := 0; i < r.IntN(3); i++ {
		from, until := "", ""
		if r.IntN(2) == 0 {
			from = fmt.Sprintf("20%02d-01-01", r.IntN(20))
		}
		if r.IntN(2) == 0 {
			until = fmt.Sprintf("20%02d-06-01", 20+r.IntN(10))
		}
		g.Resources = append(g.Resources, clinicaltest.Practitioner(fmt.Sprintf("pr%d", r.IntN(3)), fmt.Sprintf("D%05d", r.IntN(100)), from, until))
	}
	samples := r.Perm(5)[:r.IntN(5)]
	for _, s := range samples {
		g.Samples = append(g.Samples, [2]string{fmt.Sprintf("S%d", s), pick()})
	}
	g.Relink = "property test"
	return g
}

func checkCurrent(t *testing.T, r *rand.Rand) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(dir, store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	p := newPool()
	for i := 0; i < 2+r.IntN(4); i++ {
		if _, err := clinicaltest.Ingest(ctx, st, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), p.generation(r, i == 0)); err != nil {
			t.Fatalf("generation %d: %v", i+1, err)
		}
	}
	cur, err := clinical.ReadCurrent(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	e, err := OpenAs(ctx, dir, Config{Role: Steward, Actor: "test-steward"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	sqlRows := func(q string) []string {
		out := column(t, e, "SELECT concat_ws('|', *COLUMNS(*)) FROM ("+q+") ORDER BY 1")
		return out
	}
	var got []string
	for _, ps := range cur.Persons {
		got = append(got, strings.Join([]string{ps.ID, ps.BirthDate.Format(time.DateOnly), ps.Sex}, "|"))
	}
	compare(t, "persons", got, sqlRows("SELECT person_id, strftime(birth_date, '%Y-%m-%d'), sex FROM persons"))

	got = nil
	for _, rel := range cur.Relations {
		got = append(got, strings.Join([]string{rel.Person, rel.Related, rel.Relationship, rel.Source, rel.ResourceID}, "|"))
	}
	compare(t, "related", got, sqlRows("SELECT person_id, related_person_id, relationship, source, resource_id FROM related"))

	got = nil
	for _, c := range p.codes {
		if gs := cur.Guardians(c); len(gs) > 0 {
			got = append(got, c+"|"+strings.Join(gs, ","))
		}
	}
	roles := "'" + strings.Join(clinical.GuardianRoles, "', '") + "'"
	compare(t, "guardians", got, sqlRows(`SELECT person_id, string_agg(DISTINCT related_person_id, ',' ORDER BY related_person_id) FROM related
		WHERE relationship IN (`+roles+`) AND period_end IS NULL AND related_person_id IS NOT NULL GROUP BY person_id`))

	got = nil
	for _, l := range cur.Samples {
		got = append(got, l.Sample+"|"+l.Person)
	}
	compare(t, "biobank_samples", got, sqlRows("SELECT sample_id, person_id FROM biobank_samples"))
	got = nil
	for _, c := range p.codes {
		if s, ok := cur.SampleOf(c); ok {
			got = append(got, c+"|"+s)
		}
	}
	compare(t, "sample of person", got, sqlRows(`SELECT person_id, sample_id FROM biobank_samples
		QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY ingest_seq DESC, row_seq DESC) = 1`))

	got = nil
	for _, evs := range cur.Consents {
		for _, ev := range evs {
			got = append(got, strings.Join([]string{ev.Source, ev.Person, string(ev.Kind), ev.At.UTC().Format(time.DateOnly)}, "|"))
		}
	}
	compare(t, "consents", got, sqlRows(`SELECT resource_id, person_id, event_kind, strftime(date_time AT TIME ZONE 'UTC', '%Y-%m-%d') FROM consents WHERE event_kind IS NOT NULL`))

	got = nil
	for _, pr := range cur.Practitioners {
		got = append(got, strings.Join([]string{pr.ID, pr.Licence, fmt.Sprint(pr.Active), day0(pr.LicenceFrom), day0(pr.LicenceUntil)}, "|"))
	}
	compare(t, "practitioners", got, sqlRows(`SELECT practitioner_id, licence, coalesce(active, true)::VARCHAR,
		coalesce(strftime(licence_start AT TIME ZONE 'UTC', '%Y-%m-%d'), '-'), coalesce(strftime(licence_end AT TIME ZONE 'UTC', '%Y-%m-%d'), '-') FROM practitioners`))
}

func day0(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

func compare(t *testing.T, what string, got, want []string) {
	t.Helper()
	slices.Sort(got)
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s: reader differs from the SQL view (-view +reader):\n%s", what, diff)
	}
}
