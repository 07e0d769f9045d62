package query

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical/clinicaltest"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/store"
)

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, consent.Tallinn)
	if err != nil {
		panic(err)
	}
	return t
}

// TestResearchAsOfAndWithheldRecords: a research session about a past
// date is decided now (a withdrawal and a record closure recorded since
// hold) and sees only data recorded by that date; closed records and the
// encounters of closed documents stay out of every extract (issue 8 items
// 1 and 14).
func TestResearchAsOfAndWithheldRecords(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	p1, p2, p3 := clinicaltest.Code("1960-01-01", "male", 1), clinicaltest.Code("1961-01-01", "female", 2), clinicaltest.Code("1962-01-01", "male", 3)
	hmb := consent.DataUse{Permission: consent.HMB}
	give := func(p, id string) string {
		return clinicaltest.Consent(consent.Event{Person: p, At: day("2018-01-01"), Kind: consent.GiveResearch, Use: hmb}, id, "active")
	}
	res := []string{
		clinicaltest.Patient(p1, "1960-01-01", "male"), clinicaltest.Patient(p2, "1961-01-01", "female"), clinicaltest.Patient(p3, "1962-01-01", "male"),
		give(p1, "g1"), give(p2, "g2"), give(p3, "g3"),
		clinicaltest.Consent(consent.Event{Person: p2, At: day("2020-05-01"), Kind: consent.Withdraw}, "w2", "active"),
		clinicaltest.Consent(consent.Event{Person: p3, At: day("2021-01-01"), Kind: consent.CloseRecord}, "x3", "active"),
		clinicaltest.Condition("c1", p1, "I10", "2018-06-01"),
		clinicaltest.Condition("c2", p1, "E11", "2024-03-01"),
		clinicaltest.Encounter("e1", p1, "2019-02-01"),
		clinicaltest.ConditionIn("c3", p1, "e1", "F32", "2019-02-01"),
		clinicaltest.Document("d1", p1, "e1", "2019-02-01"),
		clinicaltest.Consent(consent.Event{Person: p1, At: day("2022-01-01"), Kind: consent.CloseDocument, Document: "d1"}, "x1", "active"),
		clinicaltest.Condition("c4", p2, "I10", "2018-06-01"),
		clinicaltest.Condition("c5", p3, "I10", "2018-06-01"),
		clinicaltest.Weight("o1", p3, 80, "2018-06-01"),
	}
	dir := t.TempDir()
	st, err := store.Open(dir, store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clinicaltest.Ingest(ctx, st, now, clinicaltest.Generation{Resources: res, Samples: [][2]string{{"S1", p1}, {"S2", p2}, {"S3", p3}}}); err != nil {
		t.Fatal(err)
	}
	open := func(at time.Time) *Engine {
		t.Helper()
		e, err := OpenAs(ctx, dir, Config{Actor: "r1", Use: consent.ResearchUse{Purpose: consent.HMB}, At: at})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	rows := func(e *Engine, q string) string {
		return strings.Join(column(t, e, q), ",")
	}
	tests := []struct {
		name                  string
		at                    time.Time
		persons, conds, encs  string
		observations, summary string
	}{
		// 2019: p2 had not withdrawn yet and p3's record was open, but
		// both are decided now; c2 (2024) was not recorded yet.
		{"as of 2019-12-01", day("2019-12-01"), "S1", "S1 I10", "", "", "data as recorded by 2019-12-0"},
		{"now", time.Time{}, "S1", "S1 E11,S1 I10", "", "", "consent decided " + now.Format(time.DateOnly)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := open(tc.at)
			if got := rows(e, "SELECT sample FROM persons ORDER BY 1"); got != tc.persons {
				t.Errorf("persons %q, want %q", got, tc.persons)
			}
			if got := rows(e, "SELECT sample || ' ' || icd10 FROM conditions ORDER BY 1"); got != tc.conds {
				t.Errorf("conditions %q, want %q (no closed document's encounter, nothing recorded later)", got, tc.conds)
			}
			if got := rows(e, "SELECT sample FROM encounters"); got != tc.encs {
				t.Errorf("encounters %q, want %q", got, tc.encs)
			}
			if got := rows(e, "SELECT sample FROM observations"); got != tc.observations {
				t.Errorf("observations of a closed record: %q", got)
			}
			if !strings.Contains(e.Summary, tc.summary) {
				t.Errorf("summary %q lacks %q", e.Summary, tc.summary)
			}
			for _, tbl := range []string{"_closed", "_hidden_doc", "_hidden_enc", "_map"} {
				if _, err := e.Run(ctx, "SELECT * FROM "+tbl); err == nil {
					t.Errorf("%s left in the extract", tbl)
				}
			}
		})
	}
	if _, err := OpenAs(ctx, dir, Config{Actor: "r1", Use: consent.ResearchUse{Purpose: consent.HMB}, At: now.AddDate(0, 0, 1)}); err == nil {
		t.Error("a session about tomorrow opened")
	}
}
