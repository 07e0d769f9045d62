package clinical_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/clinicaltest"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/store"
)

// TestConsentPerformerKeptAndExported: who signed a Consent is kept at
// ingest (a parent for a child), read back as Event.SignedBy, and written
// as Consent.performer by the export; the history knows the birth date, so
// the parent's consent lapses at 18 (issue 8 item 14).
func TestConsentPerformerKeptAndExported(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(t.TempDir(), store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	kid, mum := clinicaltest.Code("2006-02-03", "female", 7), clinicaltest.Code("1980-01-01", "female", 8)
	at := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
	g := clinicaltest.Generation{Resources: []string{
		clinicaltest.Patient(kid, "2006-02-03", "female"), clinicaltest.Patient(mum, "1980-01-01", "female"),
		clinicaltest.Consent(consent.Event{Person: kid, At: at, Kind: consent.GiveResearch, Use: consent.DataUse{Permission: consent.GRU}, SignedBy: mum}, "c1", "active"),
		clinicaltest.Consent(consent.Event{Person: kid, At: at, Kind: consent.CloseDocument, Document: "d9"}, "c2", "active"),
	}}
	if _, err := clinicaltest.Ingest(ctx, st, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), g); err != nil {
		t.Fatal(err)
	}
	h, err := clinical.ConsentHistory(ctx, st, kid)
	if err != nil {
		t.Fatal(err)
	}
	evs := h.Events()
	if len(evs) != 2 || evs[0].SignedBy != mum || evs[1].SignedBy != kid {
		t.Fatalf("signed by %+v", evs)
	}
	if s := h.StateAt(time.Date(2024, 2, 3, 0, 0, 0, 0, consent.Tallinn)); s.Research != nil || len(s.Lapsed) != 1 {
		t.Errorf("at 18: research %v lapsed %v", s.Research, s.Lapsed)
	}
	var buf bytes.Buffer
	if _, err := clinical.ExportConsents(ctx, st, personPermit(kid), kid, &buf, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"performer":[{"reference":"Patient/`+mum+`"}]`) ||
		!strings.Contains(lines[1], `"performer":[{"reference":"Patient/`+kid+`"}]`) {
		t.Errorf("export:\n%s", buf.String())
	}
}

// personPermit stands in for access.Permit in this package's tests: it
// covers one person.
type personPermit string

func (p personPermit) Actor() string { return "test" }

func (p personPermit) CheckPerson(person string) error {
	if person != string(p) {
		return fmt.Errorf("%s is not %s", person, string(p))
	}
	return nil
}
