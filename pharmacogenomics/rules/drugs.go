package rules

import (
	"slices"
	"sort"
	"strings"
)

// ATC returns the drug's ATC codes (WHO ATC classification; the first is
// the systemic one), or nil when the drug has no rules or no code. The drug
// may be a generic name in any letter case or a prescription text whose
// first word is the generic name.
func (e *Engine) ATC(drug string) []string {
	d := e.canonicalDrug(drug)
	for _, dc := range e.file.Drugs {
		if dc.Drug == d {
			return slices.Clone(dc.ATC)
		}
	}
	return nil
}

// DrugForATC returns the drug with rules whose ATC codes include code
// (letter case ignored), and whether there is one. Clinician interfaces use
// it to recognise draft orders coded by ATC.
func (e *Engine) DrugForATC(code string) (string, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	for _, dc := range e.file.Drugs {
		if slices.Contains(dc.ATC, code) {
			return dc.Drug, true
		}
	}
	return "", false
}

// GuidelineAge is one guideline the rules cite, with its age.
type GuidelineAge struct {
	Guideline Guideline `json:"guideline"`
	// Age is year minus the guideline's publication year; -1 when the
	// year is not known.
	Age   int      `json:"age"`
	Genes []string `json:"genes"`
	Drugs []string `json:"drugs"`
}

// GuidelineAges lists every guideline at least one rule cites, with its
// age in year, the genes and drugs it covers; oldest first, then by id.
func (e *Engine) GuidelineAges(year int) []GuidelineAge {
	byID := map[string]*GuidelineAge{}
	for _, r := range e.file.Rules {
		ga, ok := byID[r.Guideline]
		if !ok {
			g := e.guidelines[r.Guideline]
			ga = &GuidelineAge{Guideline: g, Age: -1}
			if g.Published > 0 {
				ga.Age = year - g.Published
			}
			byID[r.Guideline] = ga
		}
		for _, g := range r.Genes {
			if !slices.Contains(ga.Genes, g) {
				ga.Genes = append(ga.Genes, g)
			}
		}
		for _, d := range r.Drugs {
			if !slices.Contains(ga.Drugs, d) {
				ga.Drugs = append(ga.Drugs, d)
			}
		}
	}
	out := make([]GuidelineAge, 0, len(byID))
	for _, ga := range byID {
		sort.Strings(ga.Genes)
		sort.Strings(ga.Drugs)
		out = append(out, *ga)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Age != out[j].Age {
			return out[i].Age > out[j].Age
		}
		return out[i].Guideline.ID < out[j].Guideline.ID
	})
	return out
}

// DataDate is the date of the newest guideline data in the rule file.
func (e *Engine) DataDate() string { return e.file.DataDate }
