package main

import (
	"strings"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

func TestPgxGenes(t *testing.T) {
	out, err := runPgx(t, "pgx", "genes")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "# data version "+alleles.DataVersion) {
		t.Errorf("no data version in:\n%s", out)
	}
	for _, want := range []string{"CYP2C19  chr10", "G6PD", "CYP2D6", "outside call"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
