package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical/clinicaltest"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/store"
)

// TestQueryAtDoesNotBypassWithdrawal is the attack of issue 8 item 1:
// a research session (use HMB) at 2019-12-01 must not show a person who
// withdrew in 2020, nor a diagnosis recorded in 2024.
func TestQueryAtDoesNotBypassWithdrawal(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	st, err := store.Open(dir, store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	left, stays := clinicaltest.Code("1960-01-01", "male", 1), clinicaltest.Code("1961-01-01", "female", 2)
	day := func(s string) time.Time { t, _ := time.ParseInLocation(time.DateOnly, s, consent.Tallinn); return t }
	hmb := consent.DataUse{Permission: consent.HMB}
	g := clinicaltest.Generation{Resources: []string{
		clinicaltest.Patient(left, "1960-01-01", "male"), clinicaltest.Patient(stays, "1961-01-01", "female"),
		clinicaltest.Consent(consent.Event{Person: left, At: day("2018-01-01"), Kind: consent.GiveResearch, Use: hmb}, "g1", "active"),
		clinicaltest.Consent(consent.Event{Person: stays, At: day("2018-01-01"), Kind: consent.GiveResearch, Use: hmb}, "g2", "active"),
		clinicaltest.Consent(consent.Event{Person: left, At: day("2020-03-01"), Kind: consent.Withdraw}, "w1", "active"),
		clinicaltest.Condition("c1", left, "I10", "2019-01-01"),
		clinicaltest.Condition("c2", stays, "I10", "2019-01-01"),
		clinicaltest.Condition("c3", stays, "E11", "2024-05-01"),
		clinicaltest.Condition("c4", stays, "J45", "2019-12-01"), // that day counts
	}, Samples: [][2]string{{"S-LEFT", left}, {"S-STAYS", stays}}}
	if _, err := clinicaltest.Ingest(ctx, st, time.Now(), g); err != nil {
		t.Fatal(err)
	}
	sql := "SELECT sample, icd10 FROM conditions ORDER BY 1, 2"
	out, stderr, err := researchSession(t, dir, "r1", day("2019-12-02").Add(-time.Microsecond), sql)
	if err != nil {
		t.Fatal(err)
	}
	if want := "sample,icd10\nS-STAYS,I10\nS-STAYS,J45\n"; out != want {
		t.Errorf("--at 2019-12-01:\n%s\nwant\n%s", out, want)
	}
	if !strings.Contains(stderr, "1 of 2 linked samples visible") || !strings.Contains(stderr, "data as recorded by 2019-12-01") {
		t.Errorf("summary: %s", stderr)
	}
	out, _, err = researchSession(t, dir, "r1", time.Time{}, sql)
	if err != nil || out != "sample,icd10\nS-STAYS,E11\nS-STAYS,I10\nS-STAYS,J45\n" {
		t.Errorf("now: %q %v", out, err)
	}
}
