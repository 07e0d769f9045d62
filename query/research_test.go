package query

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
)

// TestResearcherSeesOnlyConsentedPseudonymisedData builds a synthetic
// biobank (genotypes, clinical records, consents with withdrawals) and
// checks what a researcher's session can and cannot reach.
func TestResearcherSeesOnlyConsentedPseudonymisedData(t *testing.T) {
	ctx := context.Background()
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 400, Seed: 5, BackgroundSites: 50}})
	sum, dir, st, tmp := bb.Summary, bb.Dir, bb.Store, filepath.Dir(bb.Dir)
	at := sum.AsOf
	now := time.Now()
	use := consent.ResearchUse{Purpose: consent.HMB, GeneticStudy: true}

	// Expected, from the consent model directly: people whose research
	// consent now (the decision moment) permits the use.
	stew, err := OpenAs(ctx, dir, Config{Role: Steward, Actor: "test-steward"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := stew.Run(ctx, "SELECT person_id, sample_id FROM biobank_samples")
	stew.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	withdrawn := 0
	for _, r := range res.Rows {
		h, err := clinical.ConsentHistory(ctx, st, Text(r[0]))
		if err != nil {
			t.Fatal(err)
		}
		state := h.StateAt(now)
		if state.Withdrawn {
			withdrawn++
		}
		if state.Research != nil && !state.Withdrawn {
			if ok, _ := state.Research.Permits(use); ok {
				want = append(want, Text(r[1]))
			}
		}
	}
	if withdrawn == 0 || len(want) == 0 || len(want) == len(res.Rows) {
		t.Fatalf("synthetic data does not exercise consent: %d withdrawn, %d of %d permitted", withdrawn, len(want), len(res.Rows))
	}
	slices.Sort(want)

	e, err := OpenAs(ctx, dir, Config{Actor: "researcher-1", Use: use})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	// As of the dataset's date, before the genotypes and PGx results
	// entered the store, the extract holds none of them (issue 8 item 1).
	past, err := OpenAs(ctx, dir, Config{Actor: "researcher-1", Use: use, At: at})
	if err != nil {
		t.Fatal(err)
	}
	for _, tbl := range []string{"samples", "genotypes", "variants"} {
		if _, err := past.Run(ctx, "SELECT * FROM "+tbl); err == nil {
			t.Errorf("extract as of %s has %s recorded later", at.Format(time.DateOnly), tbl)
		}
	}
	if n := column(t, past, "SELECT count(*) FROM conditions WHERE recorded > TIMESTAMPTZ '"+at.UTC().Format("2006-01-02 15:04:05")+"+00'"); n[0] != "0" {
		t.Errorf("%s conditions recorded after %s", n[0], at.Format(time.DateOnly))
	}
	if n := column(t, past, "SELECT count(*) FROM conditions"); n[0] == "0" {
		t.Error("no conditions as of the dataset's date")
	}
	past.Close()
	got := column(t, e, "SELECT sample FROM samples ORDER BY sample")
	if !slices.Equal(want, got) {
		t.Errorf("researcher sees %d samples, consent permits %d", len(got), len(want))
	}
	// Every table the researcher can reach is keyed by visible samples.
	for _, tbl := range []string{"genotypes", "persons", "conditions", "observations", "medications"} {
		extra := column(t, e, "SELECT DISTINCT sample FROM "+tbl+" WHERE sample NOT IN (SELECT sample FROM samples)")
		if len(extra) > 0 {
			t.Errorf("%s has rows of %d samples outside the extract", tbl, len(extra))
		}
	}
	checkVisibleVariants(t, e, dir, got)
	// No identities and no way to the files.
	for _, q := range []string{
		"SELECT * FROM biobank_samples",
		"SELECT person_id FROM persons",
		"SELECT * FROM consents",
		"SELECT * FROM read_parquet('" + st.Files("biobank_samples")[0] + "')",
		"SET enable_external_access = true",
		"COPY samples TO '" + filepath.Join(tmp, "leak.csv") + "'",
	} {
		if _, err := e.Run(ctx, q); err == nil {
			t.Errorf("researcher could run %q", q)
		}
	}
	if err := e.CopyParquet(ctx, "SELECT 1", filepath.Join(tmp, "x.parquet")); err == nil {
		t.Error("researcher could write a Parquet file")
	}
	// Each decision was logged.
	n := 0
	for en, err := range audit.Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if en.Actor == "researcher-1" {
			n++
		}
	}
	if n != 2*len(res.Rows) {
		t.Errorf("%d audit entries for the researcher, want one per linked person per session (2 x %d)", n, len(res.Rows))
	}
	// Without a stated use there is no session.
	if _, err := OpenAs(ctx, dir, Config{Actor: "x"}); err == nil || !strings.Contains(err.Error(), "research use") {
		t.Errorf("no use: %v", err)
	}
	// A steward sees every sample.
	s, err := OpenAs(ctx, dir, Config{Role: Steward, Actor: "steward-1", At: at})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if all := column(t, s, "SELECT sample FROM samples"); len(all) != len(res.Rows) {
		t.Errorf("steward sees %d samples, want %d", len(all), len(res.Rows))
	}
}

func column(t *testing.T, e *Engine, q string) []string {
	t.Helper()
	res, err := e.Run(context.Background(), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []string
	for _, r := range res.Rows {
		out = append(out, Text(r[0]))
	}
	return out
}

// checkVisibleVariants pins issue 8 item 9: the research variants carry
// AC/AN/AF over the visible samples only, and no row of an ALT allele
// that no visible person carries.
func checkVisibleVariants(t *testing.T, e *Engine, dir string, visible []string) {
	t.Helper()
	ctx := context.Background()
	// AC and AN against the genotype text of the visible samples.
	res, err := e.Run(ctx, `WITH g AS (
	SELECT batch, chrom, pos, ref, alt, alt_index,
		sum(len(list_filter(string_split_regex(coalesce(gt, ''), '[/|]'), x -> x = alt_index::VARCHAR))) AS ac,
		sum(len(list_filter(string_split_regex(coalesce(gt, ''), '[/|]'), x -> x NOT IN ('.', '')))) AS an
	FROM genotypes GROUP BY ALL)
SELECT count(*) FILTER (WHERE v.ac IS DISTINCT FROM g.ac OR v.an IS DISTINCT FROM g.an),
	count(*) FILTER (WHERE v.info <> 'AC=' || v.ac || ';AN=' || v.an || ';AF=' || CASE WHEN v.an = 0 THEN '.' ELSE round(v.ac / v.an, 6)::VARCHAR END),
	count(*) FILTER (WHERE v.ac = 0), count(*)
FROM variants v JOIN g USING (batch, chrom, pos, ref, alt, alt_index) WHERE NOT v.block`)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Rows[0]
	if Text(r[0]) != "0" || Text(r[1]) != "0" || Text(r[2]) != "0" || Text(r[3]) == "0" {
		t.Errorf("research variants: %s rows with AC/AN not over the visible samples, %s with other INFO, %s carried by nobody visible, of %s", Text(r[0]), Text(r[1]), Text(r[2]), Text(r[3]))
	}
	// The rows kept are exactly the ALT alleles a visible sample carries,
	// as the steward sees them in the store.
	stew, err := OpenAs(ctx, dir, Config{Role: Steward, Actor: "test-steward"})
	if err != nil {
		t.Fatal(err)
	}
	defer stew.Close()
	list := "'" + strings.Join(visible, "', '") + "'"
	all, err := stew.Run(ctx, "SELECT count(*) FROM variants WHERE NOT block")
	if err != nil {
		t.Fatal(err)
	}
	carried, err := stew.Run(ctx, "SELECT count(*) FROM (SELECT DISTINCT batch, chrom, pos, ref, alt FROM genotypes WHERE NOT starts_with(alt, '<') AND sample IN ("+list+") AND list_contains(string_split_regex(coalesce(gt, ''), '[/|]'), alt_index::VARCHAR))")
	if err != nil {
		t.Fatal(err)
	}
	kept, _ := e.Run(ctx, "SELECT count(*) FROM variants WHERE NOT block")
	if Text(kept.Rows[0][0]) != Text(carried.Rows[0][0]) {
		t.Errorf("research variants: %s ALT rows, the visible samples carry %s", Text(kept.Rows[0][0]), Text(carried.Rows[0][0]))
	}
	if Text(all.Rows[0][0]) == Text(kept.Rows[0][0]) {
		t.Errorf("no ALT row was dropped (%s rows): the synthetic data does not exercise hidden carriers", Text(all.Rows[0][0]))
	}
	t.Logf("variants: %s ALT rows in the store, %s visible to the researcher", Text(all.Rows[0][0]), Text(kept.Rows[0][0]))
}

// TestResearchExtractTables: an extract limited to some tables has those
// alone (the genotypes view only when asked), with the same rows as the
// whole extract.
func TestResearchExtractTables(t *testing.T) {
	ctx := context.Background()
	bb := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 60, Seed: 7, BackgroundSites: 10}})
	use := consent.ResearchUse{Purpose: consent.HMB}
	all, err := OpenAs(ctx, bb.Dir, Config{Actor: "researcher-1", Use: use})
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	some, err := OpenAs(ctx, bb.Dir, Config{Actor: "researcher-1", Use: use, Tables: []string{"samples", "conditions", "persons"}})
	if err != nil {
		t.Fatal(err)
	}
	defer some.Close()
	const list = "SELECT table_name FROM information_schema.tables ORDER BY 1"
	if got := column(t, some, list); !slices.Equal(got, []string{"conditions", "persons", "samples"}) {
		t.Errorf("tables %v, want conditions, persons, samples (of %v)", got, column(t, all, list))
	}
	for _, q := range []string{"SELECT count(*) FROM samples", "SELECT count(*) FROM conditions", "SELECT count(*) FROM persons"} {
		if got, want := column(t, some, q), column(t, all, q); !slices.Equal(got, want) || want[0] == "0" {
			t.Errorf("%s: %v, whole extract %v", q, got, want)
		}
	}
}
