package main

import (
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	out, _, err := run(t, "demo", "--out", t.TempDir(), "--people", "300", "--background", "200")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"synthetic biobank", "varamu ingest vcf: 300 samples", "varamu ingest fhir: 300 persons, 300 biobank samples linked",
		"lookup of sample", "varamu annotate: 300 samples", "CYP2C19  ", "varamu alerts:",
		"researcher session: researcher test-operator, use HMB", "phenotype frequencies among consenting participants",
		"varamu risk score (synthetic demonstration score", "percentile of the biobank", "varamu risk plot: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
