package rules

import (
	"context"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics"
)

func BenchmarkLoadEmbedded(b *testing.B) {
	for b.Loop() {
		if _, err := LoadEmbedded(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecommendAllDrugs(b *testing.B) {
	e := testEngine(b)
	as := 1.5
	s := pharmacogenomics.SampleCalls{Sample: "s", Genes: []pharmacogenomics.GeneCall{
		{Gene: "CYP2C19", Called: true, Diplotypes: []string{"*1/*2"}, Phenotype: "Intermediate Metabolizer"},
		{Gene: "CYP2C9", Called: true, Diplotypes: []string{"*1/*2"}, Phenotype: "Intermediate Metabolizer", ActivityScore: &as},
		{Gene: "TPMT", Called: true, Diplotypes: []string{"*1/*1"}, Phenotype: "Normal Metabolizer"},
		{Gene: "SLCO1B1", Called: true, Diplotypes: []string{"*1/*1"}, Phenotype: "Normal Function"},
	}}
	age := 50.0
	p := Patient{AgeYears: &age, Medications: []string{"omeprazole"}}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Recommend(context.Background(), s, p); err != nil {
			b.Fatal(err)
		}
	}
}
