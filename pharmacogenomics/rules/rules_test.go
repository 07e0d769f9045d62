package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/pharmacogenomics"
)

var update = flag.Bool("update", false, "rewrite golden files")

var (
	engineOnce sync.Once
	engine     *Engine
	engineErr  error
)

func testEngine(t testing.TB) *Engine {
	t.Helper()
	engineOnce.Do(func() { engine, engineErr = LoadEmbedded() })
	if engineErr != nil {
		t.Fatal(engineErr)
	}
	return engine
}

type patientCase struct {
	Drugs   []string                     `json:"drugs"`
	Patient Patient                      `json:"patient"`
	Calls   pharmacogenomics.SampleCalls `json:"calls"`
}

func readCase(t *testing.T, path string) patientCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c patientCase
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return c
}

func recommendCase(t *testing.T, name string) []Recommendation {
	t.Helper()
	c := readCase(t, filepath.Join("testdata", "patients", name+".json"))
	recs, err := testEngine(t).Recommend(context.Background(), c.Calls, c.Patient, c.Drugs...)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestGolden pins the full recommendations for realistic patients.
func TestGolden(t *testing.T) {
	paths, _ := filepath.Glob("testdata/patients/*.json")
	if len(paths) == 0 {
		t.Fatal("no patient cases")
	}
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		t.Run(name, func(t *testing.T) {
			recs := recommendCase(t, name)
			got, err := json.MarshalIndent(recs, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update)", err)
			}
			if d := cmp.Diff(string(want), string(got)+"\n"); d != "" {
				t.Errorf("recommendations differ from %s (-want +got):\n%s", golden, d)
			}
		})
	}
}

// summary is the part of a recommendation the property tests compare.
type summary struct {
	Drug, Action, Body string
}

func summarize(recs []Recommendation) []summary {
	var out []summary
	for _, r := range recs {
		s := summary{Drug: r.Drug, Action: r.Action}
		if r.Guideline != nil {
			s.Body = r.Guideline.Body
		}
		out = append(out, s)
	}
	return out
}

func hasCaveat(recs []Recommendation, sub string) bool {
	for _, r := range recs {
		for _, c := range r.Caveats {
			if strings.Contains(c, sub) {
				return true
			}
		}
	}
	return false
}

func TestRecommendProperties(t *testing.T) {
	t.Run("thiopurine TPMT IM + NUDT15 NM", func(t *testing.T) {
		recs := recommendCase(t, "thiopurine_tpmt_im")
		var cpic *Recommendation
		for i := range recs {
			if recs[i].Drug == "azathioprine" && recs[i].Guideline.Body == "CPIC" {
				cpic = &recs[i]
			}
		}
		if cpic == nil {
			t.Fatalf("no CPIC azathioprine recommendation: %+v", summarize(recs))
		}
		if cpic.Action != ActionReduceDose || !strings.Contains(cpic.Text, "30-80%") {
			t.Errorf("CPIC azathioprine = %s %q, want reduce-dose 30-80%%", cpic.Action, cpic.Text)
		}
		var genes []string
		for _, g := range cpic.Genes {
			genes = append(genes, g.Gene+"="+g.Phenotype)
		}
		if d := cmp.Diff([]string{"NUDT15=Normal Metabolizer", "TPMT=Intermediate Metabolizer"}, genes); d != "" {
			t.Errorf("genes used (-want +got):\n%s", d)
		}
	})
	t.Run("paroxetine phenoconverts CYP2D6 for codeine but not for itself", func(t *testing.T) {
		recs := recommendCase(t, "codeine_paroxetine")
		for _, r := range recs {
			switch r.Drug {
			case "codeine":
				if r.Genes[0].Phenotype != "Poor Metabolizer" || r.Genes[0].GenotypicPhenotype != "Normal Metabolizer" {
					t.Errorf("codeine: CYP2D6 %q (genotypic %q), want converted NM→PM", r.Genes[0].Phenotype, r.Genes[0].GenotypicPhenotype)
				}
				if r.Guideline.Body == "CPIC" && r.Action != ActionAvoid {
					t.Errorf("codeine CPIC action %s, want avoid", r.Action)
				}
			case "paroxetine":
				if r.Genes[0].Conversion != "" {
					t.Errorf("paroxetine recommendation converted by paroxetine itself: %s", r.Genes[0].Conversion)
				}
			}
		}
		if !hasCaveat(recs, "because the patient takes paroxetine (strong CYP2D6 inhibitor)") {
			t.Error("no caveat saying why the phenotype was converted")
		}
	})
	t.Run("CYP2D6 missing gives no genotype-based recommendation", func(t *testing.T) {
		recs := recommendCase(t, "no_cyp2d6")
		want := []summary{{Drug: "codeine", Action: ActionNoGenotype}, {Drug: "tramadol", Action: ActionNoGenotype}}
		if d := cmp.Diff(want, summarize(recs)); d != "" {
			t.Fatalf("(-want +got):\n%s", d)
		}
		if !strings.HasPrefix(recs[0].Text, "no genotype-based recommendation: CYP2D6 not called (no outside call was given") {
			t.Errorf("text %q", recs[0].Text)
		}
	})
	t.Run("uncertain call carries every uncertainty", func(t *testing.T) {
		recs := recommendCase(t, "uncertain_cyp2c19")
		if len(recs) == 0 {
			t.Fatal("no recommendations")
		}
		for _, r := range recs {
			for _, want := range []string{"ambiguous: *1/*17 or *4/*17", "uncertain (probability of the reported diplotype 0.71)",
				"chr10:94761900", "imputed genotypes (GP) used at 3 positions", "fluconazole (strong CYP2C19 inhibitor)"} {
				if !hasCaveat([]Recommendation{r}, want) {
					t.Errorf("%s %s: no caveat containing %q in %q", r.Drug, r.RuleID, want, r.Caveats)
				}
			}
		}
	})
	t.Run("warfarin with all facts gets an IWPC dose", func(t *testing.T) {
		recs := recommendCase(t, "warfarin_full")
		var dose *WarfarinDose
		for _, r := range recs {
			if r.Dose != nil {
				dose = r.Dose
			}
		}
		if dose == nil {
			t.Fatalf("no dose: %+v", summarize(recs))
		}
		// Klein et al. 2009, by hand: age 65 → 6 decades, 170 cm, 70 kg,
		// VKORC1 AG, CYP2C9 *1/*3, White, amiodarone.
		// VKORC1 AG, CYP2C9 *1/*3, ancestry not recorded, amiodarone.
		want := math.Pow(5.6044-0.2614*6+0.0087*170+0.0128*70-0.8677-0.9357-0.1032-0.5503, 2)
		if math.Abs(dose.WeeklyMg-want) > 1e-9 || math.Abs(want-15.6349) > 1e-3 {
			t.Errorf("weekly dose %.4f mg, want %.4f", dose.WeeklyMg, want)
		}
		if dose.CYP4F2WeeklyMg == nil {
			t.Error("CYP4F2*3 carrier: no adjusted range")
		}
		if !hasCaveat(recs, "ancestry not recorded: the IWPC 'missing or mixed race' term was used") {
			t.Error("ancestry assumption not stated")
		}
	})
	t.Run("warfarin without height and weight says what is missing", func(t *testing.T) {
		recs := recommendCase(t, "warfarin_no_facts")
		found := false
		for _, r := range recs {
			if r.RuleID != "" && strings.Contains(r.Text, "IWPC warfarin dose not computed: height, weight unknown") {
				found = true
				if r.Dose != nil {
					t.Error("dose given without facts")
				}
			}
		}
		if !found {
			t.Errorf("no missing-facts text in %+v", recs)
		}
		if !hasCaveat(recs, "rs9923231 not genotyped") {
			t.Error("VKORC1 not-called reason not carried")
		}
	})
}

func TestWarfarinDose(t *testing.T) {
	m := testEngine(t).File().Warfarin
	tests := []struct {
		name string
		in   WarfarinInput
		want float64 // hand-computed from Klein et al. 2009
	}{
		{"AG *1/*3 amiodarone", WarfarinInput{AgeYears: 65, HeightCm: 170, WeightKg: 70, VKORC1: "AG", CYP2C9: "*1/*3", Race: "white", Amiodarone: true},
			math.Pow(5.6044-0.2614*6+0.0087*170+0.0128*70-0.8677-0.9357-0.5503, 2)},
		{"GG *1/*1 asian inducer", WarfarinInput{AgeYears: 52, HeightCm: 180, WeightKg: 95, VKORC1: "GG", CYP2C9: "*1/*1", Race: "asian", EnzymeInducer: true},
			math.Pow(5.6044-0.2614*5+0.0087*180+0.0128*95-0.1092+1.1816, 2)},
		{"unknown genotypes, mixed", WarfarinInput{AgeYears: 39.9, HeightCm: 160, WeightKg: 55, Race: "missing_or_mixed"},
			math.Pow(5.6044-0.2614*3+0.0087*160+0.0128*55-0.4854-0.2188-0.1032, 2)},
		{"AA *3/*3 black", WarfarinInput{AgeYears: 80, HeightCm: 150, WeightKg: 50, VKORC1: "AA", CYP2C9: "*3/*3", Race: "black"},
			math.Pow(5.6044-0.2614*8+0.0087*150+0.0128*50-1.6974-2.3312-0.2760, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := m.Dose(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(d.WeeklyMg-tt.want) > 1e-9 {
				t.Errorf("weekly %.6f, want %.6f", d.WeeklyMg, tt.want)
			}
			if math.Abs(d.DailyMg*7-d.WeeklyMg) > 1e-9 {
				t.Errorf("daily %.4f inconsistent", d.DailyMg)
			}
		})
	}
	if _, err := m.Dose(WarfarinInput{AgeYears: 50, HeightCm: 170, WeightKg: 70, CYP2C9: "*1/*5", Race: "white"}); err == nil {
		t.Error("CYP2C9 *1/*5 accepted; the IWPC algorithm does not model it")
	}
}

func TestUnknownDrug(t *testing.T) {
	_, err := testEngine(t).Recommend(context.Background(), pharmacogenomics.SampleCalls{Sample: "x"}, Patient{}, "notadrug")
	if !errors.Is(err, ErrUnknownDrug) {
		t.Errorf("err = %v, want ErrUnknownDrug", err)
	}
}

func TestPatientValidate(t *testing.T) {
	neg := -3.0
	for _, p := range []Patient{{AgeYears: &neg}, {Sex: "x"}, {Ancestry: "estonian"}} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

// TestLoadErrorsGolden checks that every bad rule is reported, with the rule
// and the position of CEL errors.
func TestLoadErrorsGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/bad_rules.json")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Load(bytes.NewReader(data), "bad_rules.json")
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want *LoadError", err)
	}
	got := err.Error() + "\n"
	golden := "testdata/bad_rules.golden"
	if *update {
		os.WriteFile(golden, []byte(got), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("load errors (-want +got):\n%s", d)
	}
}

func TestLoadParseError(t *testing.T) {
	_, err := Load(strings.NewReader("{\n  \"format\": \"varamu-pgx-rules/1\",\n  \"rules\": [}\n"), "x.json")
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Line != 3 {
		t.Fatalf("err = %#v, want ParseError on line 3", err)
	}
	_, err = Load(strings.NewReader(`{"format":"other/2"}`), "y.json")
	if !errors.Is(err, ErrFormat) {
		t.Errorf("err = %v, want ErrFormat", err)
	}
}

func TestEmbeddedCoversIssueDrugs(t *testing.T) {
	e := testEngine(t)
	for _, d := range []string{"clopidogrel", "warfarin", "codeine", "azathioprine", "mercaptopurine", "amitriptyline", "simvastatin", "fluorouracil", "capecitabine", "tacrolimus"} {
		if _, ok := e.byDrug[d]; !ok {
			t.Errorf("no rule for %s", d)
		}
	}
	if !strings.HasPrefix(e.DataVersion(), "pgx-rules-") {
		t.Errorf("data version %q", e.DataVersion())
	}
}

func TestHLAOutsideCalls(t *testing.T) {
	e := testEngine(t)
	tests := []struct {
		name   string
		call   pharmacogenomics.GeneCall
		action string
	}{
		{"three-field allele", pharmacogenomics.GeneCall{Gene: "HLA-B", Called: true, Source: "outside", Diplotypes: []string{"*08:01:01/*57:01:01"}}, ActionAvoid},
		{"positive phenotype only", pharmacogenomics.GeneCall{Gene: "HLA-B", Called: true, Source: "outside", Diplotypes: []string{}, Phenotype: "*57:01 positive"}, ActionAvoid},
		{"negative", pharmacogenomics.GeneCall{Gene: "HLA-B", Called: true, Source: "outside", Diplotypes: []string{"*08:01/*44:02"}}, ActionStandard},
		{"not given", pharmacogenomics.GeneCall{Gene: "CYP2C19", Called: true, Diplotypes: []string{"*1/*1"}, Phenotype: "Normal Metabolizer"}, ActionNoGenotype},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, err := e.Recommend(context.Background(), pharmacogenomics.SampleCalls{Sample: "s", Genes: []pharmacogenomics.GeneCall{tt.call}}, Patient{}, "abacavir")
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range recs {
				got = append(got, r.Action)
				if r.Action != tt.action {
					t.Errorf("%s: action %s (%s), want %s", r.RuleID, r.Action, r.Text, tt.action)
				}
			}
			if len(got) == 0 {
				t.Error("no recommendation")
			}
		})
	}
}

func TestReadsFact(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		{`age == null || age >= 18.0`, true},
		{`phenotype["X"] == "dosage"`, false},
		{`(weight > 40.0) && age2 == 1`, false},
		{`"a\"age" == "b" || age < 1.0`, true},
	}
	for _, tt := range tests {
		if got := readsFact(tt.expr, "age"); got != tt.want {
			t.Errorf("readsFact(%q) = %v", tt.expr, got)
		}
	}
}

func TestMedicationNames(t *testing.T) {
	p := Patient{Medications: []string{"Paroxetine hydrochloride 20 MG Oral Tablet", " Amiodarone ", "", "clopidogrel 75 MG Oral Tablet"}}
	got := p.medications("clopidogrel")
	want := []string{"paroxetine hydrochloride 20 mg oral tablet", "paroxetine", "amiodarone"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestPrescriptionTextAsDrug(t *testing.T) {
	s := pharmacogenomics.SampleCalls{Sample: "s", Genes: []pharmacogenomics.GeneCall{
		{Gene: "CYP2C19", Called: true, Diplotypes: []string{"*2/*2"}, Phenotype: "Poor Metabolizer"}}}
	recs, err := testEngine(t).Recommend(context.Background(), s, Patient{}, "Clopidogrel 75 MG Oral Tablet")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[0].Drug != "clopidogrel" || recs[0].Action != ActionAvoid {
		t.Errorf("got %+v", summarize(recs))
	}
}

// TestWarfarinCPIC2017 checks the CPIC 2017 additions to the IWPC dose:
// *5/*6/*8/*11 carriers, rs12777823 in African ancestry, the missing-race
// term, CYP4F2 outside African ancestry, and the strength per ancestry.
func TestWarfarinCPIC2017(t *testing.T) {
	e := testEngine(t)
	age, height, weight := 60.0, 170.0, 70.0
	base := func(cyp2c9, rs string) pharmacogenomics.SampleCalls {
		return pharmacogenomics.SampleCalls{Sample: "w", Genes: []pharmacogenomics.GeneCall{
			{Gene: "CYP2C9", Called: true, Diplotypes: []string{cyp2c9}, Phenotype: "Intermediate Metabolizer", Extra: map[string]string{"rs12777823": rs}},
			{Gene: "VKORC1", Called: true, Diplotypes: []string{"rs9923231 reference (C)/rs9923231 reference (C)"}, Phenotype: "-1639 GG"},
			{Gene: "CYP4F2", Called: true, Diplotypes: []string{"*1/*3"}},
		}}
	}
	core := 5.6044 - 0.2614*6 + 0.0087*170 + 0.0128*70
	tests := []struct {
		name, cyp2c9, rs, ancestry string
		weekly                     float64 // algorithm alone
		adjusted                   *Range  // fractions of weekly
		cyp4f2                     bool
		strength, caveat           string
	}{
		{"*1/*8 white", "*1/*8", "G/G", "white", math.Pow(core, 2), &Range{0.70, 0.85}, true, "strong", ""},
		{"*3/*11 asian", "*3/*11", "G/G", "asian", math.Pow(core-0.9357-0.1092, 2), &Range{0.70, 0.85}, true, "strong", ""},
		{"*1/*1 black rs12777823 A", "*1/*1", "G/A", "black", math.Pow(core-0.2760, 2), &Range{0.75, 0.90}, false, "moderate", ""},
		{"*1/*5 black rs12777823 A", "*1/*5", "A/A", "black", math.Pow(core-0.2760, 2), &Range{0.70 * 0.75, 0.85 * 0.90}, false, "moderate", ""},
		{"*1/*1 black rs12777823 untested", "*1/*1", "./.", "black", math.Pow(core-0.2760, 2), nil, false, "moderate", "rs12777823 was not genotyped"},
		{"*1/*1 ancestry not recorded", "*1/*1", "G/A", "", math.Pow(core-0.1032, 2), nil, true, "strong", "CPIC's strength for African ancestry is moderate"},
		{"*1/*1 white rs12777823 A ignored", "*1/*1", "A/A", "white", math.Pow(core, 2), nil, true, "strong", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Patient{AgeYears: &age, HeightCm: &height, WeightKg: &weight, Ancestry: tt.ancestry}
			recs, err := e.Recommend(context.Background(), base(tt.cyp2c9, tt.rs), p, "warfarin")
			if err != nil {
				t.Fatal(err)
			}
			var r *Recommendation
			for i := range recs {
				if recs[i].Dose != nil {
					r = &recs[i]
				}
			}
			if r == nil {
				t.Fatalf("no dose: %+v", recs)
			}
			d := r.Dose
			if math.Abs(d.WeeklyMg-tt.weekly) > 1e-9 {
				t.Errorf("weekly %.4f, want %.4f", d.WeeklyMg, tt.weekly)
			}
			switch {
			case tt.adjusted == nil && d.AdjustedWeeklyMg != nil:
				t.Errorf("adjusted %+v, want none", d.AdjustedWeeklyMg)
			case tt.adjusted != nil && (d.AdjustedWeeklyMg == nil || math.Abs(d.AdjustedWeeklyMg.Low-tt.weekly*tt.adjusted.Low) > 1e-9 ||
				math.Abs(d.AdjustedWeeklyMg.High-tt.weekly*tt.adjusted.High) > 1e-9):
				t.Errorf("adjusted %+v, want %.4f-%.4f", d.AdjustedWeeklyMg, tt.weekly*tt.adjusted.Low, tt.weekly*tt.adjusted.High)
			}
			if (d.CYP4F2WeeklyMg != nil) != tt.cyp4f2 {
				t.Errorf("CYP4F2 range %+v, want %v", d.CYP4F2WeeklyMg, tt.cyp4f2)
			}
			if r.Strength != tt.strength {
				t.Errorf("strength %q, want %q", r.Strength, tt.strength)
			}
			if tt.caveat != "" && !hasCaveat([]Recommendation{*r}, tt.caveat) {
				t.Errorf("no caveat %q in %q", tt.caveat, r.Caveats)
			}
		})
	}
}

// TestDPWGNoActionPairWording: DPWG's "no action for this gene-drug
// interaction" (VKORC1 -1639 AG for warfarin) is worded as that, never as
// "usual dose", beside CYP2C9's dose reduction.
func TestDPWGNoActionPairWording(t *testing.T) {
	e := testEngine(t)
	s := pharmacogenomics.SampleCalls{Sample: "w", Genes: []pharmacogenomics.GeneCall{
		{Gene: "CYP2C9", Called: true, Diplotypes: []string{"*1/*3"}, Phenotype: "Intermediate Metabolizer"},
		{Gene: "VKORC1", Called: true, Diplotypes: []string{"rs9923231 reference (C)/rs9923231 variant (T)"}, Phenotype: "-1639 AG"},
	}}
	recs, err := e.Recommend(context.Background(), s, Patient{}, "warfarin")
	if err != nil {
		t.Fatal(err)
	}
	var vk, cyp *Recommendation
	for i, r := range recs {
		if r.Guideline == nil || r.Guideline.Body != "DPWG" {
			continue
		}
		switch r.Genes[0].Gene {
		case "VKORC1":
			vk = &recs[i]
		case "CYP2C9":
			cyp = &recs[i]
		}
	}
	if vk == nil || cyp == nil {
		t.Fatalf("DPWG recommendations missing: %+v", recs)
	}
	if cyp.Action != ActionReduceDose {
		t.Errorf("CYP2C9 *1/*3: %s", cyp.Action)
	}
	if want := "No action needed for the VKORC1–warfarin pair: this result alone does not change the dose"; !strings.HasPrefix(vk.Text, want) {
		t.Errorf("VKORC1 AG text %q, want it to start %q", vk.Text, want)
	}
	if strings.Contains(vk.Text, "usual dose") {
		t.Errorf("VKORC1 AG text says usual dose: %q", vk.Text)
	}
}

// TestAtMostOneDPWGRowPerGenotype evaluates every drug with DPWG rules for
// every single-gene result the rules key on and checks that at most one
// DPWG recommendation per drug and gene comes out (DPYD activity score 1:
// the genotype row, not also the phenotyping row).
func TestAtMostOneDPWGRowPerGenotype(t *testing.T) {
	e := testEngine(t)
	phenos := []string{"Poor Metabolizer", "Intermediate Metabolizer", "Normal Metabolizer", "Rapid Metabolizer", "Ultrarapid Metabolizer",
		"Likely Poor Metabolizer", "Likely Intermediate Metabolizer", "Possible Intermediate Metabolizer", "Indeterminate",
		"Poor Function", "Decreased Function", "Possible Decreased Function", "Normal Function", "Increased Function",
		"-1639 GG", "-1639 AG", "-1639 AA", "*57:01 positive", "*58:01 positive", "*15:02 positive", "*31:01 positive", "Deficient", "Normal"}
	scores := []float64{0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 2.25, 2.5, 3}
	n := 0
	for _, d := range e.Drugs() {
		genes := map[string]bool{}
		for _, i := range e.byDrug[d] {
			r := e.file.Rules[i]
			if e.guidelines[r.Guideline].Body == "DPWG" {
				for _, g := range r.Genes {
					genes[g] = true
				}
			}
		}
		for g := range genes {
			for _, ph := range phenos {
				for _, sc := range append([]float64{-1}, scores...) {
					gc := pharmacogenomics.GeneCall{Gene: g, Called: true, Diplotypes: []string{"*1/*1"}, Phenotype: ph}
					if sc >= 0 {
						gc.ActivityScore = &sc
					}
					recs, err := e.Recommend(context.Background(), pharmacogenomics.SampleCalls{Sample: "x", Genes: []pharmacogenomics.GeneCall{gc}}, Patient{}, d)
					if err != nil {
						t.Fatal(err)
					}
					count := map[string][]string{}
					for _, r := range recs {
						if r.Guideline != nil && r.Guideline.Body == "DPWG" && r.Population == "" {
							k := strings.Join(geneNames(r.Genes), ",")
							count[k] = append(count[k], r.RuleID)
						}
					}
					for k, ids := range count {
						if len(ids) > 1 {
							t.Errorf("%s with %s %s (AS %v): %d DPWG rows for %s: %v", d, g, ph, sc, len(ids), k, ids)
						}
					}
					n++
				}
			}
		}
	}
	t.Logf("%d drug × result cases", n)
}

func geneNames(gs []GeneResult) []string {
	var out []string
	for _, g := range gs {
		out = append(out, g.Gene)
	}
	return out
}

func TestATCLookup(t *testing.T) {
	e := testEngine(t)
	tests := []struct{ drug, atc string }{
		{"clopidogrel", "B01AC04"}, {"Hydralazine", "C02DB02"}, {"warfarin", "B01AA03"},
		{"Mercaptopurine 50 MG Oral Tablet", "L01BB02"}, {"peginterferon alfa-2b", "L03AB10"}, {"mavacamten", "C01EB24"},
	}
	for _, tt := range tests {
		got := e.ATC(tt.drug)
		if len(got) == 0 || got[0] != tt.atc {
			t.Errorf("ATC(%q) = %v, want %s first", tt.drug, got, tt.atc)
		}
		d, ok := e.DrugForATC(strings.ToLower(tt.atc))
		if !ok || d != normDrug(strings.Fields(tt.drug)[0]) && d != normDrug(tt.drug) {
			t.Errorf("DrugForATC(%s) = %q, %v", tt.atc, d, ok)
		}
	}
	if d, ok := e.DrugForATC("D10AX05"); !ok || d != "dapsone" {
		t.Errorf("topical dapsone code: %q %v", d, ok)
	}
	if got := e.ATC("aspirin"); got != nil {
		t.Errorf("ATC(aspirin) = %v, want nil (no rules)", got)
	}
	if _, ok := e.DrugForATC("N02BA01"); ok {
		t.Error("DrugForATC(N02BA01) found a drug without rules")
	}
	for _, d := range e.DrugList() {
		if len(d.ATC) == 0 {
			t.Errorf("%s has no ATC code", d.Drug)
		}
	}
}

func TestIFNL3(t *testing.T) {
	e := testEngine(t)
	const c, tt = "rs12979860 reference (C)", "rs12979860 variant (T)"
	tests := []struct {
		name   string
		call   pharmacogenomics.GeneCall
		action string
	}{
		{"CC favourable", pharmacogenomics.GeneCall{Called: true, Diplotypes: []string{c + "/" + c}}, ActionStandard},
		{"CT unfavourable", pharmacogenomics.GeneCall{Called: true, Diplotypes: []string{c + "/" + tt}}, ActionConsiderAlternative},
		{"TT unfavourable", pharmacogenomics.GeneCall{Called: true, Diplotypes: []string{tt + "/" + tt}}, ActionConsiderAlternative},
		{"not called", pharmacogenomics.GeneCall{Called: false}, ActionNoGenotype},
	}
	for _, tc := range tests {
		for _, drug := range []string{"peginterferon alfa-2a", "peginterferon alfa-2b", "ribavirin"} {
			tc.call.Gene = "IFNL3"
			s := pharmacogenomics.SampleCalls{Sample: "i", Genes: []pharmacogenomics.GeneCall{tc.call}}
			recs, err := e.Recommend(context.Background(), s, Patient{}, drug)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 1 || recs[0].Action != tc.action {
				t.Errorf("%s %s: %+v, want one %s", tc.name, drug, summarize(recs), tc.action)
				continue
			}
			if tc.action != ActionNoGenotype && (recs[0].Guideline.ID != "PA166110235" || recs[0].Guideline.Published != 2014) {
				t.Errorf("%s %s: guideline %+v", tc.name, drug, recs[0].Guideline)
			}
		}
	}
}

// TestHydralazineNAT2 covers the CPIC 2025 NAT2 rows and the reading note:
// the poor metabolizer text follows the guideline's words.
func TestHydralazineNAT2(t *testing.T) {
	e := testEngine(t)
	for _, tc := range []struct{ pheno, action, text string }{
		{"Rapid Metabolizer", ActionIncreaseDose, "75 mg a day or more"},
		{"Intermediate Metabolizer", ActionIncreaseDose, "75 mg a day or more"},
		{"Poor Metabolizer", ActionReduceDose, "starting at 40-75 mg a day in total"},
		{"Indeterminate", ActionNoRecommendation, "no recommendation"},
	} {
		s := pharmacogenomics.SampleCalls{Sample: "h", Genes: []pharmacogenomics.GeneCall{{Gene: "NAT2", Called: true, Diplotypes: []string{"*1/*1"}, Phenotype: tc.pheno}}}
		age := 60.0
		recs, err := e.Recommend(context.Background(), s, Patient{AgeYears: &age}, "hydralazine")
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 1 && tc.pheno == "Indeterminate" && recs[0].Action == ActionNoGenotype {
			continue // an indeterminate result may be reported as unknown instead
		}
		if len(recs) != 1 || recs[0].Action != tc.action || !strings.Contains(recs[0].Text, tc.text) {
			t.Errorf("%s: %+v", tc.pheno, summarize(recs))
			continue
		}
		if reading := recs[0].ActionNote != ""; reading != (tc.pheno == "Poor Metabolizer" || tc.action == ActionIncreaseDose) {
			t.Errorf("%s: action note %q", tc.pheno, recs[0].ActionNote)
		}
	}
}
