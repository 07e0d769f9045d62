package main

import (
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	out, _, err := run(t, "demo", "--out", t.TempDir(), "--samples", "60", "--variants", "3000")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ingested batch1.vcf.gz as batch b0001", "ingested batch2.vcf.gz as batch b0002", "lookup of EB2_S000008", "chr22", "(3 rows)"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
