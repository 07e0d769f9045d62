package rules

import (
	"bufio"
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/varamu/varamu/internal/testref"
	"github.com/varamu/varamu/pharmacogenomics"
)

// TestCPICSummaryRows turns every simple row of the CPIC summary table
// (../shared/reference/guidelines/cpic-recommendations.tsv) into a patient
// and checks that a CPIC recommendation with the row's action comes out.
func TestCPICSummaryRows(t *testing.T) {
	f, err := os.Open(testref.Path(t, "guidelines/cpic-recommendations.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := testEngine(t)
	superseded := map[string]bool{}
	for _, r := range e.File().Retired {
		superseded[r.Drug] = true
	}
	asRange := regexp.MustCompile(`^(.*) \(AS ([^)]*)\)$`)
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
		drug, genes, cond, action := c[0], strings.Split(c[1], ";"), c[2], c[3]
		body, _, _ := strings.Cut(c[5], " ")
		pheno := map[string]string{}
		score := map[string]float64{}
		switch {
		case cond == "any" || strings.Contains(cond, ",") || drug == "warfarin":
			continue // no single phenotype to build
		case body == "CPIC" && superseded[drug] && strings.Contains(c[5], "thiopurines 2018"):
			continue // superseded by the 2025 update: TestUpdateRows checks it
		case strings.HasPrefix(cond, "both "):
			for _, g := range genes {
				pheno[g] = strings.TrimPrefix(cond, "both ")
			}
		case strings.HasPrefix(cond, "either "):
			pheno[genes[0]] = strings.TrimPrefix(cond, "either ")
			for _, g := range genes[1:] {
				pheno[g] = "Normal Metabolizer"
			}
		case strings.HasPrefix(cond, "AS "):
			v, _ := strconv.ParseFloat(strings.Fields(strings.TrimPrefix(cond, "AS "))[0], 64)
			score[genes[0]] = v
			pheno[genes[0]] = map[bool]string{true: "Intermediate Metabolizer", false: "Poor Metabolizer"}[v >= 1]
		case asRange.MatchString(cond):
			m := asRange.FindStringSubmatch(cond)
			pheno[genes[0]] = m[1]
			r := strings.TrimPrefix(m[2], "> ")
			lo, _ := strconv.ParseFloat(strings.Split(r, "-")[0], 64)
			if strings.HasPrefix(m[2], "> ") {
				lo += 0.75
			}
			score[genes[0]] = lo
		case strings.HasSuffix(cond, " or Poor Metabolizer"):
			pheno[genes[0]] = "Poor Metabolizer"
			score[genes[0]] = 0
		default:
			for _, g := range genes {
				pheno[g] = cond
				break
			}
		}
		// CYP2D6 guidelines are keyed by activity score: give the band's.
		if p, ok := pheno["CYP2D6"]; ok {
			if _, ok := score["CYP2D6"]; !ok {
				score["CYP2D6"] = map[string]float64{"Ultrarapid Metabolizer": 3, "Normal Metabolizer": 2,
					"Intermediate Metabolizer": 0.5, "Poor Metabolizer": 0}[p]
			}
		}
		s := pharmacogenomics.SampleCalls{Sample: "row"}
		for g, p := range pheno {
			gc := pharmacogenomics.GeneCall{Gene: g, Called: true, Diplotypes: []string{"*1/*1"}, Phenotype: p}
			if v, ok := score[g]; ok {
				gc.ActivityScore = &v
			}
			s.Genes = append(s.Genes, gc)
		}
		for _, g := range genes {
			if _, ok := pheno[g]; !ok {
				filler := "Normal Function"
				if g == "RYR1" || g == "CACNA1S" {
					filler = "Uncertain Susceptibility"
				}
				s.Genes = append(s.Genes, pharmacogenomics.GeneCall{Gene: g, Called: true, Diplotypes: []string{"*1/*1"}, Phenotype: filler})
			}
		}
		age := 50.0
		recs, err := e.Recommend(context.Background(), s, Patient{AgeYears: &age}, drug)
		if err != nil {
			t.Errorf("%s %s: %v", drug, cond, err)
			continue
		}
		found := false
		var got []string
		for _, r := range recs {
			if r.Guideline != nil && r.Guideline.Body == body {
				got = append(got, r.Action)
				if r.Action == action {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%s %s %q: %s actions %v, want %s", drug, c[1], cond, body, got, action)
		}
		n++
	}
	if n < 50 {
		t.Errorf("only %d rows checked", n)
	}
	t.Logf("%d summary rows checked", n)
}
