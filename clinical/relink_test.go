package clinical_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/clinicaltest"
	"github.com/varamu/varamu/store"
)

// TestRelinkNeedsStewardReason: a sample linked to one person cannot be
// moved to another by a new --biobank-samples row unless a steward states
// a reason, which the ingest record keeps and Relinked receives; after the
// re-link the old person no longer has the sample (issue 8 items 3, 4).
func TestRelinkNeedsStewardReason(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	a, b := clinicaltest.Code("1970-01-01", "male", 1), clinicaltest.Code("1971-01-01", "female", 2)
	st, err := store.Open(t.TempDir(), store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	people := []string{clinicaltest.Patient(a, "1970-01-01", "male"), clinicaltest.Patient(b, "1971-01-01", "female")}
	if _, err := clinicaltest.Ingest(ctx, st, now, clinicaltest.Generation{Resources: people, Samples: [][2]string{{"S1", a}, {"S2", b}}}); err != nil {
		t.Fatal(err)
	}
	gen := st.Manifest().Generation

	// Re-stating the same link is fine; moving S1 to b is refused.
	_, err = clinicaltest.Ingest(ctx, st, now, clinicaltest.Generation{Resources: people[:1], Samples: [][2]string{{"S2", b}, {"S1", b}}})
	if !errors.Is(err, clinical.ErrRelink) || !strings.Contains(err.Error(), "samples.tsv:2") || !strings.Contains(err.Error(), "linked to "+a) {
		t.Fatalf("re-link without a reason: %v", err)
	}
	if st.Manifest().Generation != gen {
		t.Fatal("refused re-link committed")
	}

	// With a reason it is made, recorded and reported before the commit.
	var logged []clinical.Relink
	sum, err := ingestRelink(ctx, st, now, people[:1], [][2]string{{"S1", b}}, "sample swap found by genotype check, ticket 42", func(_ context.Context, r []clinical.Relink) error {
		logged = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := clinical.Relink{Sample: "S1", From: a, To: b, Reason: "sample swap found by genotype check, ticket 42", Source: "samples.tsv:1"}
	if len(sum.Relinks) != 1 || sum.Relinks[0] != want || len(logged) != 1 || logged[0] != want {
		t.Fatalf("relinks %+v, logged %+v, want %+v", sum.Relinks, logged, want)
	}
	var sec clinical.Section
	if _, err := st.Manifest().Section(clinical.SectionKey, &sec); err != nil {
		t.Fatal(err)
	}
	if last := sec.Ingests[len(sec.Ingests)-1]; len(last.Relinks) != 1 || last.Relinks[0] != want {
		t.Errorf("ingest record relinks %+v", last.Relinks)
	}
	cur, err := clinical.ReadCurrent(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	if got := cur.SamplesOf(a); len(got) != 0 {
		t.Errorf("old person still has %v", got)
	}
	if got := cur.SamplesOf(b); strings.Join(got, ",") != "S1,S2" {
		t.Errorf("new person has %v", got)
	}

	// A Relinked error (the audit log failed) aborts the ingest.
	gen = st.Manifest().Generation
	_, err = ingestRelink(ctx, st, now, people[:1], [][2]string{{"S1", a}}, "back", func(context.Context, []clinical.Relink) error {
		return errors.New("audit log full")
	})
	if err == nil || st.Manifest().Generation != gen {
		t.Fatalf("ingest committed although the re-link was not logged: %v", err)
	}
}

func ingestRelink(ctx context.Context, st *store.Store, now time.Time, res []string, samples [][2]string, reason string, fn func(context.Context, []clinical.Relink) error) (*clinical.Summary, error) {
	return clinicaltest.IngestWith(ctx, st, clinicaltest.Generation{Resources: res, Samples: samples, Relink: reason}, clinical.Config{Now: now, Relinked: fn})
}
