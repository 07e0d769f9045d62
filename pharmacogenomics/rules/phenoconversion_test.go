package rules

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/pharmacogenomics"
)

func TestPhenoconversion(t *testing.T) {
	e := testEngine(t)
	score := func(v float64) *float64 { return &v }
	tests := []struct {
		name      string
		call      pharmacogenomics.GeneCall
		meds      []string
		drug      string
		wantPheno string
		wantScore *float64
		converted bool
		note      string // expected in the conversion text or the inhibitor note
	}{
		{"strong CYP2D6 inhibitor: NM to PM", pharmacogenomics.GeneCall{Gene: "CYP2D6", Called: true, Phenotype: "Normal Metabolizer", ActivityScore: score(2)},
			[]string{"paroxetine"}, "codeine", "Poor Metabolizer", score(0), true, "paroxetine (strong CYP2D6 inhibitor)"},
		{"moderate CYP2D6 inhibitor halves the score", pharmacogenomics.GeneCall{Gene: "CYP2D6", Called: true, Phenotype: "Normal Metabolizer", ActivityScore: score(2)},
			[]string{"duloxetine"}, "codeine", "Intermediate Metabolizer", score(1), true, "duloxetine (moderate CYP2D6 inhibitor)"},
		{"moderate on UM stays UM", pharmacogenomics.GeneCall{Gene: "CYP2D6", Called: true, Phenotype: "Ultrarapid Metabolizer", ActivityScore: score(6)},
			[]string{"mirabegron"}, "codeine", "Ultrarapid Metabolizer", score(3), true, "activity score 6"},
		{"strong wins over moderate", pharmacogenomics.GeneCall{Gene: "CYP2D6", Called: true, Phenotype: "Normal Metabolizer", ActivityScore: score(1.5)},
			[]string{"duloxetine", "bupropion"}, "codeine", "Poor Metabolizer", score(0), true, "bupropion (strong"},
		{"CYP2C19 strong inhibitor without score", pharmacogenomics.GeneCall{Gene: "CYP2C19", Called: true, Phenotype: "Rapid Metabolizer"},
			[]string{"Fluvoxamine 50 MG Oral Tablet"}, "clopidogrel", "Poor Metabolizer", nil, true, "fluvoxamine (strong CYP2C19 inhibitor)"},
		{"CYP2C19 poor stays poor, no conversion", pharmacogenomics.GeneCall{Gene: "CYP2C19", Called: true, Phenotype: "Poor Metabolizer"},
			[]string{"fluconazole"}, "clopidogrel", "Poor Metabolizer", nil, false, ""},
		{"moderate inhibitor, phenotype only: noted, not converted", pharmacogenomics.GeneCall{Gene: "CYP2D6", Called: true, Phenotype: "Normal Metabolizer", Source: "outside"},
			[]string{"cinacalcet"}, "codeine", "Normal Metabolizer", nil, false, "without an activity score the phenotype was not converted"},
		{"the drug itself is not its own inhibitor", pharmacogenomics.GeneCall{Gene: "CYP2D6", Called: true, Phenotype: "Normal Metabolizer", ActivityScore: score(2)},
			[]string{"paroxetine"}, "paroxetine", "Normal Metabolizer", score(2), false, ""},
		{"uncalled gene is never converted", pharmacogenomics.GeneCall{Gene: "CYP2D6", Called: false},
			[]string{"paroxetine"}, "codeine", "No Result", nil, false, ""},
		{"unrelated medication", pharmacogenomics.GeneCall{Gene: "CYP2D6", Called: true, Phenotype: "Normal Metabolizer", ActivityScore: score(2)},
			[]string{"ibuprofen"}, "codeine", "Normal Metabolizer", score(2), false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pharmacogenomics.SampleCalls{Sample: "s", Genes: []pharmacogenomics.GeneCall{tt.call}}
			st := e.buildView(&s, Patient{Medications: tt.meds}, tt.drug).genes[tt.call.Gene]
			if st.pheno != tt.wantPheno {
				t.Errorf("phenotype %q, want %q", st.pheno, tt.wantPheno)
			}
			if d := cmp.Diff(tt.wantScore, st.score); d != "" {
				t.Errorf("score (-want +got):\n%s", d)
			}
			if (st.conversion != "") != tt.converted {
				t.Errorf("conversion %q, want converted=%v", st.conversion, tt.converted)
			}
			if tt.note != "" && !strings.Contains(st.conversion+st.inhibNote, tt.note) {
				t.Errorf("conversion %q / note %q lacks %q", st.conversion, st.inhibNote, tt.note)
			}
		})
	}
}
