package calling

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOutsideCalls(t *testing.T) {
	got, err := ParseOutsideCalls(strings.NewReader("# CYP2D6 from a copy-number assay\n\ncyp2d6\t*1/*4\nHLA-B\t*57:01 positive\t\t\nCYP2C19\t\tPoor Metabolizer\n"), "o.tsv")
	if err != nil {
		t.Fatal(err)
	}
	want := []OutsideCall{
		{Gene: "CYP2D6", Diplotype: "*1/*4", Line: 3},
		{Gene: "HLA-B", Diplotype: "*57:01 positive", Line: 4},
		{Gene: "CYP2C19", Phenotype: "Poor Metabolizer", Line: 5},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	got, err = ParseOutsideCalls(strings.NewReader("sample\tgene\tdiplotype\tactivity score\nP1\tCYP2D6\t*1x2/*4\t2.0\nP2\tCYP2D6\t*4/*4\t\n"), "o.tsv")
	if err != nil {
		t.Fatal(err)
	}
	want = []OutsideCall{
		{Sample: "P1", Gene: "CYP2D6", Diplotype: "*1x2/*4", Activity: "2.0", Line: 2},
		{Sample: "P2", Gene: "CYP2D6", Diplotype: "*4/*4", Line: 3},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("with header (-want +got):\n%s", diff)
	}
}

// TestParseOutsideCallsErrors pins the error messages (file, line, column,
// what was expected) in a golden file.
func TestParseOutsideCallsErrors(t *testing.T) {
	cases := []struct{ name, in string }{
		{"too many columns", "CYP2D6\t*1/*4\tNM\t2\textra\n"},
		{"empty gene", "\t*1/*4\n"},
		{"nothing called", "CYP2D6\n"},
		{"two slashes", "CYP2D6\t*1/*4/*5\n"},
		{"empty allele", "CYP2D6\t*1/\n"},
		{"bad activity", "CYP2D6\t*1/*4\t\tabc\n"},
		{"duplicate", "CYP2D6\t*1/*4\nCYP2D6\t*1/*1\n"},
		{"unknown column", "sample\tgene\tgenotype\n"},
		{"header without sample value", "sample\tgene\tdiplotype\n\tCYP2D6\t*1/*4\n"},
	}
	var b strings.Builder
	for _, tc := range cases {
		_, err := ParseOutsideCalls(strings.NewReader(tc.in), "outside.tsv")
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: err = %v, want a *ParseError wrapping ErrSyntax", tc.name, err)
			continue
		}
		b.WriteString(tc.name + ": " + err.Error() + "\n")
	}
	c := testCaller(t, Config{})
	calls, err := ParseOutsideCalls(strings.NewReader("CYP2D6\t*1/*4\nCYP9Z9\t*1/*1\n"), "outside.tsv")
	if err != nil {
		t.Fatal(err)
	}
	err = c.CheckOutside(calls, "outside.tsv")
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, ErrUnknownGene) || pe.Line != 2 {
		t.Errorf("unknown gene: err = %v, want a *ParseError at line 2 wrapping ErrUnknownGene", err)
	}
	if _, err := New(testDB(t), Config{Genes: []string{"CYP9Z9"}}); !errors.Is(err, ErrUnknownGene) {
		t.Errorf("Config.Genes CYP9Z9: err = %v, want ErrUnknownGene", err)
	}
	b.WriteString("unknown gene: " + err.Error() + "\n")
	golden(t, "outside-errors.golden", b.String())
}

func FuzzParseOutsideCalls(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/fuzz/outside/*.tsv")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("CYP2D6\t*1/*4\n")
	f.Add("sample\tgene\tdiplotype\tphenotype\tactivity\nS\tCYP2D6\t*1/*4\tIM\t1.0\n")
	c := testCaller(f, Config{})
	f.Fuzz(func(t *testing.T, in string) {
		calls, err := ParseOutsideCalls(strings.NewReader(in), "f.tsv")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		if c.CheckOutside(calls, "f.tsv") != nil {
			return
		}
		for _, oc := range calls {
			// Every accepted call must translate without panicking.
			g := c.db.Gene(oc.Gene)
			call := c.outsideCall(g, oc)
			notCalled := len(call.Notes) > 0 && strings.Contains(call.Notes[len(call.Notes)-1], g.Name+" not called:")
			if call.Called == notCalled || call.Source != "outside" {
				t.Fatalf("outside call %+v gave %+v: want called, or not called with the reason", oc, call)
			}
		}
	})
}

func TestParseHLAAllele(t *testing.T) {
	tests := []struct{ in, protein, err string }{
		{"HLA-B*57:01", "*57:01", ""},
		{"hla-b*57:01", "*57:01", ""},
		{"B*57:01", "*57:01", ""},
		{"*57:01", "*57:01", ""},
		{"57:01", "*57:01", ""},
		{"*57:01:01", "*57:01", ""},
		{"*57:01:01:02", "*57:01", ""},
		{"*57:01:01G", "*57:01", ""},
		{"*57:01P", "*57:01", ""},
		{"*57:01:01:02L", "*57:01", ""},
		{"*57:01:01:02N", "*57:01N", ""},
		{"*15:02", "*15:02", ""},
		{"*57", "", "two to four fields"},
		{"B57", "", "two to four fields"},
		{"*57:01:01:01:01", "", "two to four fields"},
		{"C*07:01", "", "names locus C"},
		{"*57:01G", "", "a G group has three fields"},
		{"*57:01:01P", "", "a P group has two fields"},
		{"*5x:01", "", "is not a two- to four-digit number"},
		{"*5701:01", "", "is not a two- to four-digit number"},
		{"", "", "two to four fields"},
	}
	for _, tt := range tests {
		a, err := parseHLAAllele("HLA-B", tt.in)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, errHLAName)):
			t.Errorf("%q: err = %v, want one saying %q", tt.in, err, tt.err)
		case tt.err == "" && a.protein != tt.protein:
			t.Errorf("%q: protein %q, want %q", tt.in, a.protein, tt.protein)
		}
	}
}

func TestCYP2D6Notation(t *testing.T) {
	for in, want := range map[string]string{
		"*1x2": "*1x2", "*1X2": "*1x2", "*1x>=3": "*1x≥3", "*1x≥3": "*1x≥3", "*2xn": "*2xN", "*2XN": "*2xN",
		"*1x>2": "*1x≥3", "*4": "*4", "*36+*10": "*36+*10",
	} {
		if got := cyp2d6Notation(in); got != want {
			t.Errorf("cyp2d6Notation(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseHLAAllele: no panic; an accepted name has a two-field protein
// name, and reading it again gives the same protein.
func FuzzParseHLAAllele(f *testing.F) {
	for _, s := range []string{"HLA-B*57:01", "57:01", "*57:01:01G", "*57:01P", "*57:01:01:02N", "B*57:01 positive", "C*07:01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a, err := parseHLAAllele("HLA-B", in)
		if err != nil {
			return
		}
		f := strings.Split(strings.TrimSuffix(strings.TrimPrefix(a.protein, "*"), "N"), ":")
		if len(f) != 2 {
			t.Fatalf("%q: protein %q", in, a.protein)
		}
		b, err := parseHLAAllele("HLA-B", a.protein)
		if err != nil && a.suffix != 'N' {
			t.Fatalf("%q: protein %q does not read again: %v", in, a.protein, err)
		}
		if err == nil && a.suffix != 'N' && b.protein != a.protein {
			t.Fatalf("%q: %q then %q", in, a.protein, b.protein)
		}
		if _, _, err := parseHLAStatements("HLA-B", in+" positive"); err != nil {
			t.Fatalf("%q positive: %v", in, err)
		}
	})
}
