package rules_test

import (
	"context"
	"fmt"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

func ExampleEngine_Recommend() {
	eng, err := rules.LoadEmbedded()
	if err != nil {
		fmt.Println(err)
		return
	}
	calls := pharmacogenomics.SampleCalls{Sample: "EE0001", Genes: []pharmacogenomics.GeneCall{
		{Gene: "CYP2C19", Called: true, Diplotypes: []string{"*2/*2"}, Phenotype: "Poor Metabolizer", Source: "vcf"},
	}}
	age := 40.0
	recs, err := eng.Recommend(context.Background(), calls, rules.Patient{AgeYears: &age}, "voriconazole")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range recs {
		fmt.Printf("%s %s (%s) [%s]: %s\n", r.Guideline.Body, r.Action, r.Strength, r.Population, r.Text)
	}
	// Output:
	// CPIC alternative-preferred (moderate) [adults (18 years and over)]: Choose an antifungal that does not depend on CYP2C19; if voriconazole is needed, use a lower dose and guide it by drug levels.
	// DPWG reduce-dose (n/a) []: Give voriconazole at half the usual dose and check drug levels.
}
