package rules

import (
	"bufio"
	"context"
	"maps"
	"os"
	"strings"
	"testing"

	"github.com/varamu/varamu/internal/testref"
	"github.com/varamu/varamu/pharmacogenomics"
)

// updateRowCalls is the patient each condition of the 2024-2026 update
// table describes: per gene, diplotype, phenotype and (CYP2D6) score.
var updateRowCalls = map[string]map[string]pharmacogenomics.GeneCall{
	"Ultrarapid Metabolizer (AS > 2.25)":                              {"CYP2D6": {Phenotype: "Ultrarapid Metabolizer", ActivityScore: ptr(3)}},
	"Normal Metabolizer (AS 1.25-2.25)":                               {"CYP2D6": {Phenotype: "Normal Metabolizer", ActivityScore: ptr(1.25)}},
	"Intermediate Metabolizer (AS 0.25-1)":                            {"CYP2D6": {Phenotype: "Intermediate Metabolizer", ActivityScore: ptr(0.25)}},
	"Poor Metabolizer (AS 0)":                                         {"CYP2D6": {Phenotype: "Poor Metabolizer", ActivityScore: ptr(0)}},
	"both Normal Metabolizer":                                         {"TPMT": {Phenotype: "Normal Metabolizer"}, "NUDT15": {Phenotype: "Normal Metabolizer"}},
	"one gene Intermediate (incl. Possible IM), other Normal":         {"TPMT": {Phenotype: "Possible Intermediate Metabolizer"}, "NUDT15": {Phenotype: "Normal Metabolizer"}},
	"both Intermediate (incl. Possible IM)":                           {"TPMT": {Phenotype: "Intermediate Metabolizer"}, "NUDT15": {Phenotype: "Possible Intermediate Metabolizer"}},
	"either Poor Metabolizer":                                         {"TPMT": {Phenotype: "Normal Metabolizer"}, "NUDT15": {Phenotype: "Poor Metabolizer"}},
	"Poor Metabolizer (incl. Likely PM)":                              {"CYP2C19": {Phenotype: "Likely Poor Metabolizer"}},
	"Intermediate Metabolizer (incl. Likely IM)":                      {"CYP2C19": {Phenotype: "Intermediate Metabolizer"}},
	"*28/*28 (incl. *80+*28 combinations)":                            {"UGT1A1": {Diplotypes: []string{"*28/*80+*28"}, Phenotype: "Poor Metabolizer"}},
	"Intermediate Metabolizer (e.g. *1/*28)":                          {"UGT1A1": {Diplotypes: []string{"*1/*28"}, Phenotype: "Intermediate Metabolizer"}},
	"Poor Metabolizer other than *28/*28":                             {"UGT1A1": {Diplotypes: []string{"*6/*6"}, Phenotype: "Poor Metabolizer"}},
	"Decreased, Possible Decreased or Poor Function (c.521C carrier)": {"SLCO1B1": {Phenotype: "Possible Decreased Function"}},
	"Decreased or Possible Decreased Function":                        {"SLCO1B1": {Phenotype: "Decreased Function"}},
	"c.521C carrier (any reduced function)":                           {"SLCO1B1": {Phenotype: "Poor Function"}},
	"reduced-function variant carrier (IM or PM)":                     {"CYP2C9": {Phenotype: "Poor Metabolizer"}},
	"TPMT or NUDT15 Intermediate Metabolizer":                         {"TPMT": {Phenotype: "Normal Metabolizer"}, "NUDT15": {Phenotype: "Intermediate Metabolizer"}},
	"Intermediate Metabolizer (incl. Possible IM)":                    {"NUDT15": {Phenotype: "Possible Intermediate Metabolizer"}, "TPMT": {Phenotype: "Normal Metabolizer"}},
}

func ptr(v float64) *float64 { return &v }

// TestUpdateRows turns every row of the 2024-2026 update table
// (../shared/reference/guidelines/recommendations-2024-2026.tsv) into a
// patient and checks that exactly one recommendation of the row's body and
// guideline comes out, with the row's action and strength, the guideline's
// publication year and the data date.
func TestUpdateRows(t *testing.T) {
	f, err := os.Open(testref.Path(t, "guidelines/recommendations-2024-2026.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := testEngine(t)
	sc := bufio.NewScanner(f)
	header, n := true, 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		if header {
			header = false
			continue
		}
		c := strings.Split(line, "\t")
		drug, genes, cond, action, strength, guideline := c[0], strings.Split(c[1], ";"), c[2], c[3], c[4], c[5]
		body, _, _ := strings.Cut(guideline, " ")
		if strength == "none" {
			strength = "no recommendation"
		}
		s := rowSample(genes, cond)
		age := 50.0
		recs, err := e.Recommend(context.Background(), s, Patient{AgeYears: &age}, drug)
		if err != nil {
			t.Fatalf("%s %s: %v", drug, cond, err)
		}
		var got []Recommendation
		for _, r := range recs {
			if r.Guideline != nil && r.Guideline.Body == body && strings.Contains(r.Guideline.Name, strings.TrimPrefix(guideline, body+" ")) {
				got = append(got, r)
			}
		}
		if len(got) != 1 {
			t.Errorf("%s %s %q: %d %s recommendations from %s, want 1: %+v", drug, c[1], cond, len(got), body, guideline, recs)
			continue
		}
		r := got[0]
		if cond == "Indeterminate" && r.Action == ActionNoGenotype {
			// An indeterminate result may be turned into an honest
			// "unknown" before the guideline's "no recommendation".
			r.Action, r.Strength = action, strength
		}
		if r.Action != action || r.Strength != strength || r.Guideline.Published != lastYearOf(guideline) || r.Guideline.DataDate != "2026-02" {
			t.Errorf("%s %q: %s/%s published %d data %s, want %s/%s %d 2026-02", drug, cond, r.Action, r.Strength,
				r.Guideline.Published, r.Guideline.DataDate, action, strength, lastYearOf(guideline))
		}
		n++
	}
	if n != 48 {
		t.Errorf("%d rows checked, want 48", n)
	}
}

func lastYearOf(s string) int {
	y := 0
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		if len(f) == 4 {
			y = int(f[0]-'0')*1000 + int(f[1]-'0')*100 + int(f[2]-'0')*10 + int(f[3]-'0')
		}
	}
	return y
}

// rowSample builds the calls a row's condition describes; genes the
// condition does not name are normal.
func rowSample(genes []string, cond string) pharmacogenomics.SampleCalls {
	calls := map[string]pharmacogenomics.GeneCall{genes[0]: {Phenotype: cond}}
	if cs, ok := updateRowCalls[cond]; ok {
		calls = maps.Clone(cs)
	}
	s := pharmacogenomics.SampleCalls{Sample: "row"}
	for _, g := range append(genes, "TPMT", "NUDT15") {
		if c, ok := calls[g]; ok {
			c.Gene, c.Called = g, true
			if c.Diplotypes == nil {
				c.Diplotypes = []string{"*1/*1"}
			}
			s.Genes = append(s.Genes, c)
			delete(calls, g)
		} else if (g == "TPMT" || g == "NUDT15") && len(genes) > 0 && (genes[0] == "TPMT" || genes[0] == "NUDT15") && !hasGene(s, g) {
			s.Genes = append(s.Genes, pharmacogenomics.GeneCall{Gene: g, Called: true, Diplotypes: []string{"*1/*1"}, Phenotype: "Normal Metabolizer"})
		}
	}
	return s
}

func hasGene(s pharmacogenomics.SampleCalls, g string) bool {
	for _, c := range s.Genes {
		if c.Gene == g {
			return true
		}
	}
	return false
}
