package phenotype_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

func dip(names ...string) phenotype.Diplotype {
	var d phenotype.Diplotype
	for _, n := range names {
		d = append(d, strings.Split(n, " & "))
	}
	return d
}

func TestTranslate(t *testing.T) {
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		gene      string
		dips      []phenotype.Diplotype
		phenotype string
		activity  string // "" when none
		note      string
	}{
		{"CYP2C19", []phenotype.Diplotype{dip("*1", "*2")}, "Intermediate Metabolizer", "", ""},
		{"CYP2C19", []phenotype.Diplotype{dip("*2", "*1")}, "Intermediate Metabolizer", "", ""},
		{"CYP2C19", []phenotype.Diplotype{dip("*17", "*17")}, "Ultrarapid Metabolizer", "", ""},
		{"CYP2C9", []phenotype.Diplotype{dip("*3", "*3")}, "Poor Metabolizer", "0", ""},
		{"CYP2C9", []phenotype.Diplotype{dip("*1", "*2")}, "Intermediate Metabolizer", "1.5", ""},
		{"TPMT", []phenotype.Diplotype{dip("*1", "*3A")}, "Intermediate Metabolizer", "", ""},
		{"SLCO1B1", []phenotype.Diplotype{dip("*5", "*5")}, "Poor Function", "", ""},
		// Tied diplotypes with the same phenotype keep it; different ones do not.
		{"CYP2C19", []phenotype.Diplotype{dip("*1", "*2"), dip("*1", "*3")}, "Intermediate Metabolizer", "", ""},
		{"CYP2C19", []phenotype.Diplotype{dip("*1", "*2"), dip("*1", "*1")}, "Indeterminate", "", "the tied diplotypes have different phenotypes"},
		// DPYD: table, then lowest value per chromosome.
		{"DPYD", []phenotype.Diplotype{dip("Reference", "c.1905+1G>A (*2A)")}, "Intermediate Metabolizer", "1", ""},
		{"DPYD", []phenotype.Diplotype{dip("Reference", "c.85T>C (*9A) & c.1905+1G>A (*2A)")}, "Intermediate Metabolizer", "1", ""},
		{"DPYD", []phenotype.Diplotype{dip("c.1905+1G>A (*2A) & c.85T>C (*9A)", "c.2846A>T")}, "Poor Metabolizer", "0.5", ""},
		// A score from the table ("1.0") and one computed (1) are the
		// same score: the tie keeps its phenotype (once read as two).
		{"DPYD", []phenotype.Diplotype{dip("c.1774C>T", "c.2657G>A (*9B)"), dip("Reference", "c.1774C>T & c.2657G>A (*9B)")}, "Intermediate Metabolizer", "1", ""},
		// G6PD by class, male and female.
		{"G6PD", []phenotype.Diplotype{dip("A- 202A_376G")}, "Deficient", "", ""},
		{"G6PD", []phenotype.Diplotype{dip("B (reference)", "A- 202A_376G")}, "Variable", "", ""},
		{"G6PD", []phenotype.Diplotype{dip("B (reference)")}, "Normal", "", ""},
		// RYR1 / CACNA1S: never normal.
		{"RYR1", []phenotype.Diplotype{dip("Reference", "Reference")}, "Uncertain Susceptibility", "", ""},
		{"RYR1", []phenotype.Diplotype{dip("Reference", "c.103T>C & c.130C>T")}, "Malignant Hyperthermia Susceptibility", "", ""},
		{"CACNA1S", []phenotype.Diplotype{dip("Reference", "c.520C>T")}, "Malignant Hyperthermia Susceptibility", "", ""},
		{"RYR1", []phenotype.Diplotype{dip("Reference", "c.99999A>G")}, "Uncertain Susceptibility", "", "function unknown"},
		// CYP2D6 outside calls: table, else computed and banded.
		{"CYP2D6", []phenotype.Diplotype{dip("*1", "*4")}, "Intermediate Metabolizer", "1", ""},
		{"CYP2D6", []phenotype.Diplotype{dip("*1", "*41")}, "Normal Metabolizer", "1.25", ""},
		{"CYP2D6", []phenotype.Diplotype{dip("*1x2", "*4")}, "Normal Metabolizer", "2", ""},
		{"CYP2D6", []phenotype.Diplotype{dip("*2x4", "*1")}, "Ultrarapid Metabolizer", "5", "computed from allele values"},
		{"CYP2D6", []phenotype.Diplotype{dip("*999", "*1")}, "Indeterminate", "", "no activity value"},
		// A gene without a diplotype table.
		{"CYP4F2", []phenotype.Diplotype{dip("*1", "*3")}, "", "", "no diplotype-to-phenotype table"},
		// An allele the table does not know.
		{"CYP2C19", []phenotype.Diplotype{dip("*1", "*999")}, "Indeterminate", "", "has no entry for *1/*999"},
	}
	for _, tc := range tests {
		g := db.Gene(tc.gene)
		var names []string
		for _, d := range tc.dips {
			names = append(names, d.Name(g))
		}
		r := phenotype.Translate(g, tc.dips)
		act := ""
		if r.Activity != nil {
			act = strconv.FormatFloat(*r.Activity, 'f', -1, 64)
		}
		if r.Phenotype != tc.phenotype || act != tc.activity {
			t.Errorf("%s %v: %q AS %q, want %q AS %q (notes %q)", tc.gene, names, r.Phenotype, act, tc.phenotype, tc.activity, r.Notes)
		}
		if tc.note != "" && !strings.Contains(strings.Join(r.Notes, "\n"), tc.note) {
			t.Errorf("%s %v: notes %q lack %q", tc.gene, names, r.Notes, tc.note)
		}
	}
}

func TestBands(t *testing.T) {
	for _, tc := range []struct {
		as     float64
		cyp2d6 string
		dpyd   string
	}{
		{0, "Poor Metabolizer", "Poor Metabolizer"},
		{0.25, "Intermediate Metabolizer", "Poor Metabolizer"},
		{0.5, "Intermediate Metabolizer", "Poor Metabolizer"},
		{1, "Intermediate Metabolizer", "Intermediate Metabolizer"},
		{1.25, "Normal Metabolizer", "Intermediate Metabolizer"},
		{1.5, "Normal Metabolizer", "Intermediate Metabolizer"},
		{2, "Normal Metabolizer", "Normal Metabolizer"},
		{2.25, "Normal Metabolizer", "Normal Metabolizer"},
		{2.5, "Ultrarapid Metabolizer", "Normal Metabolizer"},
	} {
		if got := phenotype.CYP2D6Band(tc.as); got != tc.cyp2d6 {
			t.Errorf("CYP2D6Band(%v) = %q, want %q", tc.as, got, tc.cyp2d6)
		}
		if got := phenotype.DPYDBand(tc.as); got != tc.dpyd {
			t.Errorf("DPYDBand(%v) = %q, want %q", tc.as, got, tc.dpyd)
		}
	}
}

func TestLowestTwo(t *testing.T) {
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	g := db.Gene("DPYD")
	for _, tc := range []struct {
		found []string
		a, b  string
	}{
		{nil, "Reference", "Reference"},
		{[]string{"c.85T>C (*9A)"}, "c.85T>C (*9A)", "Reference"},
		{[]string{"c.85T>C (*9A)", "c.2846A>T", "c.1905+1G>A (*2A)"}, "c.1905+1G>A (*2A)", "c.2846A>T"},
		{[]string{"c.1905+1G>A (*2A)", "c.1905+1G>A (*2A)"}, "c.1905+1G>A (*2A)", "c.1905+1G>A (*2A)"},
		// A tie (0.5) goes by name whatever the order found (PharmCAT).
		{[]string{"c.2846A>T", "c.1314T>G", "c.1024G>A"}, "c.1024G>A", "c.1314T>G"},
		// An allele of unknown value comes first: it must not be hidden.
		{[]string{"c.1905+1G>A (*2A)", "c.9999Z>Q"}, "c.9999Z>Q", "c.1905+1G>A (*2A)"},
	} {
		a, b := phenotype.LowestTwo(g, tc.found)
		if a != tc.a || b != tc.b {
			t.Errorf("LowestTwo(%q) = %q, %q; want %q, %q", tc.found, a, b, tc.a, tc.b)
		}
	}
}

func TestLowestOf(t *testing.T) {
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	g := db.Gene("DPYD")
	// PharmCAT's DpydTest.psTest3Sets: four readings; two score 0, the
	// tie goes to the first by allele names.
	dips := []phenotype.Diplotype{
		{{"Reference"}, {"c.85T>C (*9A)", "c.632A>G", "c.1679T>G (*13)", "c.2846A>T"}},
		{{"c.1679T>G (*13)"}, {"c.85T>C (*9A)", "c.632A>G", "c.2846A>T"}},
		{{"c.2846A>T"}, {"c.85T>C (*9A)", "c.632A>G", "c.1679T>G (*13)"}},
		{{"c.85T>C (*9A)", "c.632A>G"}, {"c.1679T>G (*13)", "c.2846A>T"}},
	}
	i, l := phenotype.LowestOf(g, dips)
	if i != 1 || l.Name(g) != "c.632A>G/c.1679T>G (*13)" {
		t.Errorf("LowestOf = %d, %s; want 1, c.632A>G/c.1679T>G (*13)", i, l.Name(g))
	}
	if i, _ := phenotype.LowestOf(g, nil); i != -1 {
		t.Errorf("LowestOf(nil) = %d, want -1", i)
	}
	if got := phenotype.ListVariants([]string{"c.2933A>G", "c.498G>A", "c.2933A>G", "c.2846A>T"}); got != "c.498G>A, c.2846A>T, c.2933A>G (homozygous)" {
		t.Errorf("ListVariants = %q", got)
	}
}
