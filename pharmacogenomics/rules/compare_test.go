package rules

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/pharmacogenomics"
)

func TestCompare(t *testing.T) {
	e := testEngine(t)
	call := func(ph string) pharmacogenomics.SampleCalls {
		return pharmacogenomics.SampleCalls{Sample: "s", Genes: []pharmacogenomics.GeneCall{
			{Gene: "CYP2C19", Called: true, Diplotypes: []string{"*1/*2"}, Phenotype: ph}}}
	}
	age := 60.0
	old, err := e.Recommend(context.Background(), call("Normal Metabolizer"), Patient{AgeYears: &age}, "clopidogrel")
	if err != nil {
		t.Fatal(err)
	}
	if got := Compare(old, old); len(got) != 0 {
		t.Errorf("Compare(x, x) = %v, want nothing", got)
	}
	next, err := e.Recommend(context.Background(), call("Poor Metabolizer"), Patient{AgeYears: &age}, "clopidogrel")
	if err != nil {
		t.Fatal(err)
	}
	changes := Compare(old, next)
	var got []string
	for _, c := range changes {
		got = append(got, c.Key+": "+c.What[0])
	}
	want := []string{
		"CPIC PA166104948 [cardiovascular indication: acute coronary syndrome or percutaneous coronary intervention]: action standard → avoid",
		"CPIC PA166104948 [neurovascular indication (such as stroke or TIA)]: action standard → avoid",
		"CPIC PA166104948 [cardiovascular indication other than ACS or PCI]: action standard → avoid",
		"DPWG PA166104956: action no-recommendation → avoid",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	gone := Compare(old, nil)
	if len(gone) != len(old) || gone[0].New != nil {
		t.Errorf("Compare(old, nil) = %d changes, want %d removals", len(gone), len(old))
	}
}
