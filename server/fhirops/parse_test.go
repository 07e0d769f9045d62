package fhirops

import (
	"fmt"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics"
)

func TestParseRange(t *testing.T) {
	cases := []struct {
		in   string
		want span
		ok   bool
	}{
		{"NC_000010.11:94761899-94761901", span{"NC_000010.11", "chr10", 94761899, 94761901}, true},
		{" NC_012920.1:1554-1556 ", span{"NC_012920.1", "chrM", 1554, 1556}, true},
		{"NC_000010.10:1-2", span{}, false}, // GRCh37 accession
		{"chr10:1-2", span{}, false},
		{"NC_000010.11:5-5", span{}, false},
		{"NC_000010.11:-1-5", span{}, false},
		{"NC_000010.11:1-9999999", span{}, false},
		{"NC_000010.11:1", span{}, false},
	}
	for _, c := range cases {
		got, err := parseRange(c.in)
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("parseRange(%q) = %+v, %v", c.in, got, err)
		}
	}
}

// FuzzParseRange: no panic; an accepted range round-trips and is a
// non-empty interval of at most 5 Mb on a known sequence.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"NC_000010.11:94761899-94761901", "NC_000023.11:0-1", "x:1-2", "NC_000010.11:9-1", ":-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := parseRange(s)
		if err != nil {
			return
		}
		if sp.chrom == "" || sp.end <= sp.start || sp.start < 0 || sp.end-sp.start > 5_000_000 {
			t.Fatalf("accepted %q as %+v", s, sp)
		}
		again, err := parseRange(fmt.Sprintf("%s:%d-%d", sp.refSeq, sp.start, sp.end))
		if err != nil || again != sp {
			t.Fatalf("round trip of %q: %+v %v", s, again, err)
		}
	})
}

func FuzzParseSPDI(f *testing.F) {
	for _, s := range []string{"NC_000010.11:94761899:C:T", "NC_000010.11:1:AT:A", "NC_000010.11:x:C:T", ":::"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseSPDI(s)
		if err != nil {
			return
		}
		if v.chrom == "" || v.ref == "" || v.alt == "" || v.end != v.start+int64(len(v.ref)) {
			t.Fatalf("accepted %q as %+v", s, v)
		}
	})
}

func TestMatches(t *testing.T) {
	c := pharmacogenomics.GeneCall{Gene: "CYP2C19", Called: true, Diplotypes: []string{"*2/*17"}}
	for item, want := range map[string]bool{
		"CYP2C19*2": true, "CYP2C19*17": true, "CYP2C19*3": false, "CYP2C19 *17/*2": true, "CYP2C19*2/*2": false,
		"http://www.pharmvar.org|CYP2C19*2": true, "CYP2D6*2": false,
	} {
		if got := matches(c, item); got != want {
			t.Errorf("matches(%q) = %v, want %v", item, got, want)
		}
	}
	if matches(pharmacogenomics.GeneCall{Gene: "CYP2C19", Diplotypes: []string{"*1/*2"}}, "CYP2C19*2") {
		t.Error("an uncalled gene matched")
	}
}
