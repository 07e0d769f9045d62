package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/report"
)

func writeCalls(t *testing.T) string {
	t.Helper()
	as := 2.0
	cs := pharmacogenomics.CallSet{DataVersion: "test", Samples: []pharmacogenomics.SampleCalls{
		{Sample: "P1", Sex: "male", Genes: []pharmacogenomics.GeneCall{
			{Gene: "CYP2C9", Called: true, Diplotypes: []string{"*1/*3"}, Phenotype: "Intermediate Metabolizer"},
			{Gene: "VKORC1", Called: true, Diplotypes: []string{"rs9923231 variant (T)/rs9923231 variant (T)"}, Phenotype: "-1639 AA"},
			{Gene: "CYP2D6", Called: true, Diplotypes: []string{"*1/*1"}, Phenotype: "Normal Metabolizer", ActivityScore: &as, Source: "outside"},
		}},
		{Sample: "P2", Genes: []pharmacogenomics.GeneCall{}},
	}}
	data, err := json.Marshal(cs)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "calls.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func runRecommend(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return runMerged(t, append([]string{"pgx", "recommend"}, args...)...)
}

func TestPgxRecommend(t *testing.T) {
	calls := writeCalls(t)
	t.Run("warfarin dose with facts, json", func(t *testing.T) {
		out, err := runRecommend(t, "--calls", calls, "--sample", "P1", "--drug", "warfarin",
			"--age", "72", "--height", "178", "--weight", "80", "--medications", "amiodarone", "--ancestry", "white", "--format", "json")
		if err != nil {
			t.Fatal(err)
		}
		var rep report.JSONReport
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var weekly float64
		for _, r := range rep.Samples[0].Recommendations {
			if r.Dose != nil {
				weekly = r.Dose.WeeklyMg
			}
		}
		// IWPC by hand: 7 decades, 178 cm, 80 kg, VKORC1 AA, CYP2C9 *1/*3, White, amiodarone.
		s := 5.6044 - 0.2614*7 + 0.0087*178 + 0.0128*80 - 1.6974 - 0.9357 - 0.5503
		if d := weekly - s*s; d > 1e-6 || d < -1e-6 {
			t.Errorf("weekly dose %.4f, want %.4f", weekly, s*s)
		}
	})
	t.Run("phenoconversion shown in table", func(t *testing.T) {
		out, err := runRecommend(t, "--calls", calls, "--sample", "P1", "--drug", "codeine", "--medications", "fluoxetine,ibuprofen")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "because the patient takes fluoxetine (strong CYP2D6 inhibitor)") {
			t.Errorf("no conversion note:\n%s", out)
		}
	})
	t.Run("all samples without facts, tsv", func(t *testing.T) {
		out, err := runRecommend(t, "--calls", calls, "--drug", "clopidogrel", "--format", "tsv")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, "P2\tclopidogrel\tno-genotype-recommendation") {
			t.Errorf("P2 line missing:\n%s", out)
		}
	})
	t.Run("list drugs", func(t *testing.T) {
		out, err := runRecommend(t, "--list-drugs")
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"guideline data version pgx-rules-", "warfarin", "CYP2C9,CYP4F2,VKORC1", "iwpc-warfarin", "clopidogrel"} {
			if !strings.Contains(out, want) {
				t.Errorf("drug list lacks %q", want)
			}
		}
	})
	for _, bad := range [][]string{
		{},                                       // no --calls
		{"--calls", calls, "--age", "50"},        // facts for two samples
		{"--calls", calls, "--sample", "nobody"}, // unknown sample
		{"--calls", calls, "--drug", "unobtainium"},            // unknown drug
		{"--calls", calls, "--sample", "P1", "--sex", "other"}, // bad fact
		{"--calls", calls, "--format", "xml"},
	} {
		if _, err := runRecommend(t, bad...); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

func TestPgxRecommendListDrugsShowsYearsAndATC(t *testing.T) {
	out, err := runRecommend(t, "--list-drugs")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "data date 2026-02") {
		t.Errorf("no data date:\n%.400s", out)
	}
	for _, want := range []string{
		"hydralazine C02DB02 NAT2 CPIC PA166416341 (2025; data 2026-02)",
		"peginterferon alfa-2a L03AB11 IFNL3 CPIC PA166110235 (2014; data 2024-03-25)",
	} {
		if !hasLine(out, want) {
			t.Errorf("no line %q in:\n%s", want, out)
		}
	}
}

func TestPgxRecommendSexAppliedToCalls(t *testing.T) {
	calls := writeCalls(t)
	out, err := runRecommend(t, "--calls", calls, "--sample", "P2", "--sex", "F", "--drug", "warfarin", "--format", "html")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "Sex: female") {
		t.Errorf("--sex not shown in the report:\n%.2000s", out)
	}
	// P1's calls say male: a contradicting --sex is refused.
	if _, err := runRecommend(t, "--calls", calls, "--sample", "P1", "--sex", "female", "--drug", "warfarin"); err == nil ||
		!strings.Contains(err.Error(), "recorded as male") {
		t.Errorf("contradicting --sex: err %v", err)
	}
}

func TestPgxRecommendTableShowsGuidelineVersion(t *testing.T) {
	calls := writeCalls(t)
	out, err := runRecommend(t, "--calls", calls, "--sample", "P1", "--drug", "warfarin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "DPWG PA166182841 (data 2024-03-25)") || !strings.Contains(out, "(2017; data 2024-03-25)") {
		t.Errorf("table lacks guideline ids with year and data date:\n%s", out)
	}
}

func TestPgxRecommendListDrugsJSON(t *testing.T) {
	out, err := runRecommend(t, "--list-drugs", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		DataVersion, DataDate string
		Drugs                 []struct {
			Drug       string
			ATC        []string
			Guidelines []struct {
				ID        string
				Published int
				DataDate  string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if got.DataDate != "2026-02" || len(got.Drugs) < 100 {
		t.Fatalf("data date %q, %d drugs", got.DataDate, len(got.Drugs))
	}
	for _, d := range got.Drugs {
		if len(d.ATC) == 0 || len(d.Guidelines) == 0 || d.Guidelines[0].DataDate == "" {
			t.Errorf("%s: ATC %v, guidelines %+v", d.Drug, d.ATC, d.Guidelines)
		}
	}
}
