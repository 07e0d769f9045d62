package prescribe

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

func TestFactsPatient(t *testing.T) {
	age := 72.0
	got := Facts{Sex: " F", Ancestry: "White", AgeYears: &age, Medications: []string{"amiodarone, paroxetine", " ", "omeprazole"}}.Patient()
	want := rules.Patient{Sex: "female", Ancestry: "white", AgeYears: &age, Medications: []string{"amiodarone", "paroxetine", "omeprazole"}}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}

func TestForCalls(t *testing.T) {
	calls := func() *pharmacogenomics.CallSet {
		return &pharmacogenomics.CallSet{Samples: []pharmacogenomics.SampleCalls{{Sample: "P1", Sex: "male"}, {Sample: "P2"}}}
	}
	cases := []struct {
		name, sample string
		facts        Facts
		names        []string
		err          string
	}{
		{"every sample without facts", "", Facts{}, []string{"P1", "P2"}, ""},
		{"one sample with facts", "P2", Facts{Sex: "f"}, []string{"P2"}, ""},
		{"facts need one sample", "", Facts{Sex: "m"}, nil, "calls.json has 2 samples: clinical facts belong to one patient"},
		{"no such sample", "P9", Facts{}, nil, `calls.json: no sample "P9"`},
		{"sex contradicts the calls", "P1", Facts{Sex: "female"}, nil, "sample P1 is recorded as male, the stated sex is female"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs := calls()
			names, patients, err := ForCalls(cs, "calls.json", c.sample, c.facts)
			if c.err != "" {
				if !errors.Is(err, ErrFacts) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(c.names, names); d != "" {
				t.Error(d)
			}
			if len(patients) != len(names) || len(cs.Samples) != len(names) {
				t.Errorf("%d patients, %d samples for %v", len(patients), len(cs.Samples), names)
			}
			if c.facts.Sex != "" && cs.Samples[0].Sex != c.facts.Patient().Sex {
				t.Errorf("sex not recorded on the calls: %q", cs.Samples[0].Sex)
			}
		})
	}
}
