package rules

import (
	"context"
	"strings"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics"
)

var phenotypeValues = []string{
	"Normal Metabolizer", "Intermediate Metabolizer", "Poor Metabolizer", "Ultrarapid Metabolizer", "Rapid Metabolizer",
	"Likely Intermediate Metabolizer", "Possible Intermediate Metabolizer", "Indeterminate", "Normal Function",
	"Decreased Function", "Poor Function", "Increased Function", "Deficient", "Variable", "Normal",
	"Malignant Hyperthermia Susceptibility", "Uncertain Susceptibility", "-1639 AA", "-1639 AG", "*57:01 positive",
}

var scoreValues = []float64{0, 0.25, 0.5, 1, 1.5, 2, 2.5, 3}

// sampleFrom builds a call for every gene the engine knows from data: each
// byte picks a gene's phenotype, score and whether it is called. Every
// called gene is ambiguous, uncertain, has a missing position and a note.
func sampleFrom(e *Engine, data []byte) pharmacogenomics.SampleCalls {
	s := pharmacogenomics.SampleCalls{Sample: "prop"}
	for i, g := range e.Genes() {
		var b byte
		if len(data) > 0 {
			b = data[i%len(data)] + byte(i/len(data))
		}
		c := pharmacogenomics.GeneCall{Gene: g, Called: b%7 != 0,
			MissingPositions: []string{"miss-" + g}, Notes: []string{"note-" + g}, Uncertain: true,
			Diplotypes: []string{"*1/*2", "*1/*3"}}
		if c.Called {
			c.Phenotype = phenotypeValues[int(b)%len(phenotypeValues)]
			if b%3 == 0 {
				v := scoreValues[int(b/3)%len(scoreValues)]
				c.ActivityScore = &v
			}
		} else {
			c.Diplotypes = []string{}
		}
		s.Genes = append(s.Genes, c)
	}
	return s
}

// checkCarried asserts the rule: a recommendation is never made
// from an uncertain call without saying so.
func checkCarried(t *testing.T, recs []Recommendation) {
	t.Helper()
	for _, r := range recs {
		if r.DataVersion == "" || r.Text == "" || r.Action == "" {
			t.Errorf("%s %s: empty data version, text or action: %+v", r.Drug, r.RuleID, r)
		}
		all := strings.Join(r.Caveats, "\n")
		for _, g := range r.Genes {
			want := []string{"not called"}
			if g.Called {
				want = []string{"miss-" + g.Gene, "note-" + g.Gene, g.Gene + " call is ambiguous", g.Gene + " call is uncertain"}
			}
			for _, w := range want {
				if !strings.Contains(all, w) {
					t.Errorf("%s %s: gene %s used, but caveats lack %q:\n%s", r.Drug, r.RuleID, g.Gene, w, all)
				}
			}
		}
	}
}

func TestUncertaintyCarriedForEveryDrug(t *testing.T) {
	e := testEngine(t)
	age := 40.0
	for k := 0; k < 12; k++ {
		data := []byte{byte(k * 37), byte(k*11 + 5), byte(k * 3)}
		recs, err := e.Recommend(context.Background(), sampleFrom(e, data), Patient{AgeYears: &age})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) < len(e.Drugs()) {
			t.Fatalf("%d recommendations for %d drugs", len(recs), len(e.Drugs()))
		}
		checkCarried(t, recs)
	}
}

// FuzzRecommend: any combination of calls, facts and medications gives
// recommendations for every drug without error, and carries every
// uncertainty.
func FuzzRecommend(f *testing.F) {
	f.Add([]byte{1, 2, 3}, 50.0, 170.0, 70.0, "paroxetine,amiodarone")
	f.Add([]byte{0}, -1.0, -1.0, -1.0, "")
	f.Add([]byte{200, 17, 99, 4, 8}, 90.0, 150.0, 45.0, "fluconazole,duloxetine,rifampin")
	e, err := LoadEmbedded()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, age, height, weight float64, meds string) {
		p := Patient{Medications: strings.Split(meds, ",")}
		if age >= 0 && age <= 120 {
			p.AgeYears = &age
		}
		if height >= 50 && height <= 230 {
			p.HeightCm = &height
		}
		if weight >= 2 && weight <= 300 {
			p.WeightKg = &weight
		}
		recs, err := e.Recommend(context.Background(), sampleFrom(e, data), p)
		if err != nil {
			t.Fatal(err)
		}
		checkCarried(t, recs)
	})
}
