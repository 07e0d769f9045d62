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

// TestConsentShowSaysParentalConsentLapsed: research consent a mother
// signed for her daughter lapsed on the daughter's 18th birthday, and the
// daughter's own view of her consent says so (issue 8 item 14).
func TestConsentShowSaysParentalConsentLapsed(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	st, err := store.Open(dir, store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	daughter, mother := clinicaltest.Code("2006-02-03", "female", 7), clinicaltest.Code("1980-01-01", "female", 8)
	at := time.Date(2010, 1, 1, 0, 0, 0, 0, consent.Tallinn)
	g := clinicaltest.Generation{Resources: []string{
		clinicaltest.Patient(daughter, "2006-02-03", "female"),
		clinicaltest.Patient(mother, "1980-01-01", "female"),
		clinicaltest.RelatedPerson("rp1", daughter, mother, "MTH"),
		clinicaltest.Consent(consent.Event{Person: daughter, At: at, Kind: consent.GiveResearch, Use: consent.DataUse{Permission: consent.GRU}, SignedBy: mother}, "c1", "active"),
	}}
	if _, err := clinicaltest.Ingest(ctx, st, time.Now(), g); err != nil {
		t.Fatal(err)
	}
	out, _, err := runAs(t, daughter, "consent", "show", "--store", dir, "--person", daughter)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  biobank research: no consent\n",
		"  lapsed: research-consent, given by a parent or guardian while you were a child, lapsed on your 18th birthday (2024-02-03); it is not used until you give it again yourself\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The mother, no longer representing an adult, may not look.
	if _, _, err := runAs(t, mother, "consent", "show", "--store", dir, "--person", daughter); err == nil || !strings.Contains(err.Error(), "18th birthday") {
		t.Errorf("mother of an adult: %v", err)
	}
}
