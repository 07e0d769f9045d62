package guidelines

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/internal/testref"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// TestEmbeddedUpToDate regenerates the rule file from ../shared and compares
// it with the committed, embedded copy.
func TestEmbeddedUpToDate(t *testing.T) {
	refDir := testref.Path(t, "")
	f, err := Build(refDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(rules.Embedded()), string(got)); d != "" {
		t.Errorf("pharmacogenomics/rules/rules.json is stale; run go generate ./pharmacogenomics/rules (-embedded +generated):\n%.3000s", d)
	}
	if len(got) > 2<<20 {
		t.Errorf("rule file is %d bytes, over 2 MB", len(got))
	}
}

func TestClassify(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Initiate therapy with recommended starting dose.", rules.ActionStandard},
		{"Avoid codeine use because of potential for serious toxicity. If opioid use is warranted, consider a non-tramadol opioid.", rules.ActionAvoid},
		{"Consider a 25% reduction of recommended starting dose. Utilize therapeutic drug monitoring to guide dose adjustments.", rules.ActionReduceDose},
		{"Start with 50% of the standard dose or avoid fluorouracil and capecitabine.", rules.ActionReduceDose},
		{"Increase starting daily dose by 100%. Daily dose may be given in divided doses.", rules.ActionIncreaseDose},
		{"Avoid moderate and strong CYP2D6 inhibitors. Initiate therapy with recommended standard of care dosing (tamoxifen 20 mg/day).", rules.ActionStandard},
		{"Consider an alternative P2Y12 inhibitor at standard dose if clinically indicated and no contraindication.", rules.ActionConsiderAlternative},
		{"The guideline does not provide a recommendation for codeine in normal metabolizers.", rules.ActionNoRecommendation},
		{"To ascertain G6PD status, enzyme activity must be measured.", rules.ActionTest},
		{"Select alternative drug not predominantly metabolized by CYP2D6 (i.e., granisetron).\nOther Considerations\nDrug-drug interactions", rules.ActionAlternativePreferred},
		{"Be extra alert to reduced efficacy of the treatment.", rules.ActionMonitor},
		{"Lorem ipsum.", ""},
	}
	for _, tt := range tests {
		if got := classify(tt.text); got != tt.want {
			t.Errorf("classify(%.60q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestRowMatches(t *testing.T) {
	tests := []struct {
		row  summaryRow
		vals map[string]string
		pop  string
		want bool
	}{
		{summaryRow{genes: "CYP2D6", condition: "Ultrarapid Metabolizer (AS > 2.25)"}, map[string]string{"CYP2D6": "≥3.0"}, "", true},
		{summaryRow{genes: "CYP2D6", condition: "Normal Metabolizer (AS 1.25-2.25)"}, map[string]string{"CYP2D6": "2.5"}, "", false},
		{summaryRow{genes: "CYP2C9", condition: "AS 0 or 0.5"}, map[string]string{"CYP2C9": "0.5"}, "", true},
		{summaryRow{genes: "TPMT;NUDT15", condition: "either Intermediate Metabolizer"}, map[string]string{"TPMT": "Intermediate Metabolizer", "NUDT15": "Poor Metabolizer"}, "", false},
		{summaryRow{genes: "TPMT;NUDT15", condition: "either Poor Metabolizer"}, map[string]string{"TPMT": "Intermediate Metabolizer", "NUDT15": "Poor Metabolizer"}, "", true},
		{summaryRow{genes: "SLCO1B1", condition: "Poor Function"}, map[string]string{"SLCO1B1": "Poor Function", "ABCG2": "Poor Function"}, "", false},
		{summaryRow{genes: "HLA-B", condition: "HLA-B*15:02 positive, phenytoin-naive"}, map[string]string{"HLA-B": "*15:02 positive", "CYP2C9": "No Result"}, "PHT naive", true},
		{summaryRow{genes: "CYP2D6", condition: "Intermediate or Poor Metabolizer"}, map[string]string{"CYP2D6": "0.0"}, "", true},
	}
	for _, tt := range tests {
		if got := rowMatches(&tt.row, tt.vals, tt.pop); got != tt.want {
			t.Errorf("rowMatches(%q, %v) = %v, want %v", tt.row.condition, tt.vals, got, tt.want)
		}
	}
}

// TestUpdatesSupersede checks that for every guideline body and drug the
// 2024-2026 table covers, only rules from that table remain (the older ones
// are listed as retired, not kept beside the new), and that DPWG DPYD keys
// for a phenotyping result do not duplicate the genotype row of the same
// activity score.
func TestUpdatesSupersede(t *testing.T) {
	refDir := testref.Path(t, "")
	f, err := Build(refDir)
	if err != nil {
		t.Fatal(err)
	}
	upd, err := readUpdates(filepath.Join(refDir, UpdatesTSV))
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, r := range upd {
		covered[r.body()+" "+r.drug] = true
	}
	gl := map[string]rules.Guideline{}
	for _, g := range f.Guidelines {
		gl[g.ID] = g
	}
	kept := map[string]bool{}
	for _, r := range f.Rules {
		kept[r.ID] = true
		g := gl[r.Guideline]
		if covered[g.Body+" "+r.Drugs[0]] && g.Source != "guideline-updates" {
			t.Errorf("rule %s (%s %s, source %s) kept beside the 2024-2026 update", r.ID, g.Body, r.Drugs[0], g.Source)
		}
	}
	if len(f.Retired) < 50 {
		t.Errorf("%d rules retired, want the thiopurine, atorvastatin and simvastatin rules", len(f.Retired))
	}
	for _, r := range f.Retired {
		if kept[r.Rule] {
			t.Errorf("retired rule %s is still evaluated", r.Rule)
		}
	}
	skipped := map[string]string{}
	for _, s := range f.Skipped {
		skipped[s.ID] = s.Reason
	}
	for _, id := range []string{"PA166301781", "PA166301782", "PA166301783", "PA166301784"} {
		if !strings.Contains(skipped[id], "phenotyping (enzyme activity) result") {
			t.Errorf("DPWG DPYD 1.0 (Phenotyping) recommendation %s not skipped: %q", id, skipped[id])
		}
	}
	if f.DataDate != "2026-02" || !strings.Contains(f.DataVersion, "2026-02") {
		t.Errorf("data date %q, version %q", f.DataDate, f.DataVersion)
	}
}
