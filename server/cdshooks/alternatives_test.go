package cdshooks

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/server"
)

func TestParseAlternativesErrors(t *testing.T) {
	const head = "# version\tv1\ndrug\talternative\tatc\trxnorm\n"
	cases := []struct{ name, body, want string }{
		{"no header", "# version\tv1\nclopidogrel\tprasugrel\tB01AC22\t613391\n", "t.tsv:2: want the header"},
		{"three fields", head + "clopidogrel\tprasugrel\tB01AC22\n", "t.tsv:3: 3 fields, want 4"},
		{"bad ATC", head + "clopidogrel\tprasugrel\tB01AC\t\n", `t.tsv:3: ATC code "B01AC" is not a 7-character substance code`},
		{"bad RxNorm", head + "clopidogrel\tprasugrel\tB01AC22\tRX1\n", `t.tsv:3: RxNorm code "RX1" is not an RxCUI`},
		{"self", head + "clopidogrel\tclopidogrel\tB01AC04\t\n", "t.tsv:3: want a drug and a different alternative"},
		{"no version", "drug\talternative\tatc\trxnorm\n", `no "# version" line`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseAlternatives(strings.NewReader(c.body), "t.tsv")
			if !errors.Is(err, ErrAlternatives) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestAlternativesTable checks the built-in table against the rules: each
// drug has rules, an alternative with rules has the rule file's ATC code,
// and each pair is named by at least one recommendation of the drug that
// asks for another drug (no dead rows).
func TestAlternativesTable(t *testing.T) {
	a, err := LoadAlternatives()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, alt := range a.All() {
		if eng.ATC(alt.Drug) == nil {
			t.Errorf("%s: no rules", alt.Drug)
		}
		if codes := eng.ATC(alt.Name); codes != nil && codes[0] != alt.ATC {
			t.Errorf("%s: ATC %s, the rule file says %s", alt.Name, alt.ATC, codes[0])
		}
		named := false
		for _, r := range eng.File().Rules {
			rec := server.StoredRec{Drug: alt.Drug, Action: r.Action, Text: r.Text}
			if len(r.Drugs) > 0 && r.Drugs[0] == alt.Drug && replaceable(r.Action) && len(a.For(rec, nil)) > 0 {
				for _, x := range a.For(rec, nil) {
					named = named || x == alt
				}
			}
		}
		if !named {
			t.Errorf("%s → %s: no recommendation asking for another drug names it", alt.Drug, alt.Name)
		}
	}
}

func TestAlternativesFor(t *testing.T) {
	a, err := LoadAlternatives()
	if err != nil {
		t.Fatal(err)
	}
	clop := server.StoredRec{Drug: "clopidogrel", Action: rules.ActionAvoid,
		Text: "Choose a drug CYP2C19 does not activate (ticagrelor, aspirin/dipyridamole, or prasugrel after PCI)."}
	clop2 := server.StoredRec{Drug: "clopidogrel", Action: rules.ActionAvoid,
		Text: "Give prasugrel or ticagrelor after PCI; prasugrel is contraindicated after stroke or TIA."}
	names := func(alts []Alternative) []string {
		var out []string
		for _, x := range alts {
			out = append(out, x.Name)
		}
		return out
	}
	cases := []struct {
		name string
		rec  server.StoredRec
		recs []server.StoredRec
		want []string
	}{
		{"all named, table order", clop, nil, []string{"prasugrel", "ticagrelor", "aspirin/dipyridamole"}},
		{"one the patient should avoid", clop, []server.StoredRec{{Drug: "prasugrel", Action: rules.ActionAvoid}}, []string{"ticagrelor", "aspirin/dipyridamole"}},
		{"one not judged for lack of a genotype", clop, []server.StoredRec{{Drug: "ticagrelor", Action: rules.ActionNoGenotype}}, []string{"prasugrel", "aspirin/dipyridamole"}},
		{"a drug to avoid is not an alternative", server.StoredRec{Drug: "tramadol", Action: rules.ActionAlternativePreferred,
			Text: "Choose another analgesic (not codeine; morphine is not affected)."}, nil, []string{"morphine"}},
		{"contraindicated is not an alternative", server.StoredRec{Drug: "clopidogrel", Action: rules.ActionAvoid,
			Text: "Consider another P2Y12 inhibitor if indicated (prasugrel is contraindicated after stroke or TIA)."}, nil, nil},
		{"allowed once, refused elsewhere", clop2, nil, []string{"prasugrel", "ticagrelor"}},
		{"unless contraindicated is still an alternative", server.StoredRec{Drug: "clopidogrel", Action: rules.ActionAvoid,
			Text: "Avoid it if possible and give prasugrel or ticagrelor at the usual dose unless contraindicated."}, nil, []string{"prasugrel", "ticagrelor"}},
		{"after not", server.StoredRec{Drug: "venlafaxine", Action: rules.ActionAvoid, Text: "Give not sertraline but duloxetine."}, nil, []string{"duloxetine"}},
		{"part of a word is not a name", server.StoredRec{Drug: "codeine", Action: rules.ActionAvoid, Text: "Use normorphine-free analgesia."}, nil, nil},
		{"no name: nothing invented", server.StoredRec{Drug: "simvastatin", Action: rules.ActionAvoid, Text: "Do not use simvastatin: choose a different statin."}, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if d := cmp.Diff(c.want, names(a.For(c.rec, c.recs))); d != "" {
				t.Error(d)
			}
		})
	}
}

func FuzzParseAlternatives(f *testing.F) {
	f.Add(alternativesTSV)
	f.Add("# version\tv\ndrug\talternative\tatc\trxnorm\na\tb\tB01AC22\t1\n")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAlternatives(strings.NewReader(s), "f.tsv")
		if err != nil {
			if !errors.Is(err, ErrAlternatives) {
				t.Fatalf("error %v does not wrap ErrAlternatives", err)
			}
			return
		}
		for _, alt := range a.All() {
			if !atcRe.MatchString(alt.ATC) || alt.Drug == alt.Name {
				t.Fatalf("accepted %+v", alt)
			}
		}
	})
}
