package phenotype_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

// TestCYP2D6CopyNumbers: copy numbers give CPIC's scores; an open score
// "≥x" is its lower bound only when x is already ultrarapid.
func TestCYP2D6CopyNumbers(t *testing.T) {
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	g := db.Gene("CYP2D6")
	tests := []struct {
		a, b, phenotype, score, note string
	}{
		{"*1", "*1x≥3", "Ultrarapid Metabolizer", "4", "its lower bound"},
		{"*1x2", "*1", "Ultrarapid Metabolizer", "3", ""},
		{"*4", "*4x2", "Poor Metabolizer", "0", ""},
		{"*1", "*4x2", "Intermediate Metabolizer", "1", ""},
		{"*41", "*41x3", "Intermediate Metabolizer", "1", ""},
		{"*10", "*10x≥3", "Indeterminate", "", "no upper bound"},
	}
	for _, tt := range tests {
		r := phenotype.Translate(g, []phenotype.Diplotype{{{tt.a}, {tt.b}}})
		score := ""
		if r.Activity != nil {
			score = strconv.FormatFloat(*r.Activity, 'f', -1, 64)
		}
		if r.Phenotype != tt.phenotype || score != tt.score {
			t.Errorf("%s/%s: %s %q, want %s %q (%q)", tt.a, tt.b, r.Phenotype, score, tt.phenotype, tt.score, r.Notes)
		}
		if tt.note != "" && !strings.Contains(strings.Join(r.Notes, "; "), tt.note) {
			t.Errorf("%s/%s: notes %q lack %q", tt.a, tt.b, r.Notes, tt.note)
		}
	}
}

func TestScoresOf(t *testing.T) {
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		gene, phenotype string
		want            []float64
	}{
		{"CYP2D6", "poor metabolizer", []float64{0}},
		{"CYP2D6", "Intermediate Metabolizer", []float64{0.25, 0.5, 0.75, 1}},
		{"CYP2D6", "Normal Metabolizer", []float64{1.25, 1.5, 1.75, 2, 2.25}},
		{"CYP2C9", "Intermediate Metabolizer", []float64{1, 1.5}},
		{"CYP2C19", "Poor Metabolizer", nil},
	} {
		if diff := cmp.Diff(tt.want, phenotype.ScoresOf(db.Gene(tt.gene), tt.phenotype)); diff != "" {
			t.Errorf("%s %s (-want +got):\n%s", tt.gene, tt.phenotype, diff)
		}
	}
	um := phenotype.ScoresOf(db.Gene("CYP2D6"), "Ultrarapid Metabolizer")
	if len(um) == 0 || um[0] != 2.5 {
		t.Errorf("ultrarapid scores %v, want from 2.5", um)
	}
}
