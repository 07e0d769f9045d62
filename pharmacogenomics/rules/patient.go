package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Patient holds the clinical facts rules may read. A nil pointer or empty
// string means "unknown" and is passed to conditions as null or "unknown";
// it is never replaced by a default.
type Patient struct {
	AgeYears *float64 `json:"ageYears,omitempty"`
	WeightKg *float64 `json:"weightKg,omitempty"`
	HeightCm *float64 `json:"heightCm,omitempty"`
	// Sex is "female", "male" or "" (unknown). When empty, the sample's sex
	// from the calls (if any) is used.
	Sex string `json:"sex,omitempty"`
	// Medications are the patient's current co-medications by generic name
	// (case-insensitive).
	Medications []string `json:"medications,omitempty"`
	// Ancestry is the IWPC race category: "white", "asian", "black",
	// "mixed" or "" (not recorded).
	Ancestry string `json:"ancestry,omitempty"`
}

// Validate checks that the facts are plausible and the categories known.
func (p Patient) Validate() error {
	check := func(name string, v *float64, lo, hi float64) error {
		if v != nil && (*v < lo || *v > hi || *v != *v) {
			return fmt.Errorf("rules: %s %g outside %g-%g", name, *v, lo, hi)
		}
		return nil
	}
	if err := check("age (years)", p.AgeYears, 0, 130); err != nil {
		return err
	}
	if err := check("weight (kg)", p.WeightKg, 0.3, 400); err != nil {
		return err
	}
	if err := check("height (cm)", p.HeightCm, 20, 260); err != nil {
		return err
	}
	switch p.Sex {
	case "", "female", "male":
	default:
		return fmt.Errorf("rules: sex %q, want female, male or empty", p.Sex)
	}
	switch p.Ancestry {
	case "", "white", "asian", "black", "mixed":
	default:
		return fmt.Errorf("rules: ancestry %q, want white, asian, black, mixed or empty", p.Ancestry)
	}
	return nil
}

// medications returns the normalised medication names, without exclude.
// A prescription text such as "Amiodarone hydrochloride 200 MG Oral Tablet"
// yields both the whole lower-cased text and its first word
// ("amiodarone"), so that generic names match however the record words
// them.
func (p Patient) medications(exclude string) []string {
	out := []string{}
	for _, m := range p.Medications {
		m = normDrug(m)
		if m == "" {
			continue
		}
		first, _, _ := strings.Cut(m, " ")
		if m == exclude || first == exclude {
			continue
		}
		for _, n := range []string{m, first} {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		}
	}
	return out
}

func fmtNum(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return s
}
