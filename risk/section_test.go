package risk

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// TestWriteHTML renders a section with one score given a percentile and
// one withheld, and checks the plain words, the inline figure and that
// the page carries no script.
func TestWriteHTML(t *testing.T) {
	ref := make([]float64, 200)
	for i := range ref {
		ref[i] = math.Sin(float64(i)) + float64(i%7)/3
	}
	rec := ScoreRecord{Version: "PGS1@0123456789ab", Computed: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Trait: "coronary artery disease",
		Report: MatchReport{Variants: 100, Matched: 96}, ReferenceN: 200}
	res := &PersonResult{Person: "38001085718", Sample: "V1", Scores: []PersonScore{
		{Record: rec, ID: "PGS1", Score: StoredScore{Sample: "V1", Sum: 1.5, Z: 0.8, Percentile: 79}, Reference: ref},
		{Record: rec, ID: "PGS2", Score: StoredScore{Sample: "V1", Sum: 0.5, Z: math.NaN(), Percentile: math.NaN(), Missing: 20,
			Abstain: "20 of the 96 matched variants have no genotype"}, Reference: ref[:1]},
	}}
	res.Decision.Rule = "the person's own data"
	res.Decision.AuditIndex = 7
	sec, err := SectionOf(res)
	if err != nil {
		t.Fatal(err)
	}
	if sec.Scores[0].SVG == nil || sec.Scores[1].SVG != nil {
		t.Fatalf("figures: %d and %d bytes (the second has a reference of one)", len(sec.Scores[0].SVG), len(sec.Scores[1].SVG))
	}
	var b bytes.Buffer
	if err := WriteHTML(&b, sec); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{
		"Polygenic scores of 38001085718 (sample V1)", "PGS1 — coronary artery disease",
		"Among the 200 people of the reference cohort, 79% have a lower score", "<dd>79th</dd>",
		"No percentile is given: 20 of the 96 matched variants have no genotype.",
		"<dt>What it does not mean</dt><dd>it does not say that you have or will get the condition.",
		"4 of the score&#39;s 100 variants were not found", "at 20 variants your genotype was missing",
		`<img src="data:image/svg`, "audit entry 7",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Count(page, "<img") != 1 || strings.Contains(page, "<script") {
		t.Errorf("want one figure and no script:\n%s", page[:min(len(page), 3000)])
	}
}
