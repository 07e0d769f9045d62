package prescribe

import (
	"errors"
	"fmt"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// Facts are the clinical facts a clinician states for one patient whose
// gene calls come from a calls file (`varamu pgx recommend --calls`). A
// fact not given is unknown (nil or ""), and recommendations that need it
// say so.
type Facts struct {
	// Sex is "female" or "male" ("f" and "m" are accepted).
	Sex string
	// Ancestry is the IWPC race category: white, asian, black or mixed.
	Ancestry                     string
	AgeYears, WeightKg, HeightCm *float64
	// Medications are current co-medications; an item may be a
	// comma-separated list.
	Medications []string
}

// ErrFacts is wrapped by every error about stated facts.
var ErrFacts = errors.New("prescribe: facts")

// Patient returns the facts as the rules read them: sex and ancestry in
// lower case (f/m spelled out), medications split on commas.
func (f Facts) Patient() rules.Patient {
	p := rules.Patient{Sex: strings.ToLower(strings.TrimSpace(f.Sex)), Ancestry: strings.ToLower(strings.TrimSpace(f.Ancestry)),
		AgeYears: f.AgeYears, WeightKg: f.WeightKg, HeightCm: f.HeightCm}
	switch p.Sex {
	case "f":
		p.Sex = "female"
	case "m":
		p.Sex = "male"
	}
	for _, m := range f.Medications {
		for _, x := range strings.Split(m, ",") {
			if x = strings.TrimSpace(x); x != "" {
				p.Medications = append(p.Medications, x)
			}
		}
	}
	return p
}

// any reports whether a fact is stated.
func (f Facts) any() bool {
	p := f.Patient()
	return p.AgeYears != nil || p.WeightKg != nil || p.HeightCm != nil || p.Sex != "" || p.Ancestry != "" || len(p.Medications) > 0
}

// ForCalls selects the samples of cs to recommend for (sample, or every
// sample when ""), records the stated sex on their calls (a call set that
// records the other sex is refused rather than silently overridden) and
// gives each the patient the facts describe. Facts belong to one patient:
// with facts, more than one selected sample is an error. path names the
// calls file in errors.
func ForCalls(cs *pharmacogenomics.CallSet, path, sample string, f Facts) ([]string, map[string]rules.Patient, error) {
	var selected []pharmacogenomics.SampleCalls
	for _, s := range cs.Samples {
		if sample == "" || s.Sample == sample {
			selected = append(selected, s)
		}
	}
	switch {
	case len(selected) == 0 && sample != "":
		return nil, nil, fmt.Errorf("%w: %s: no sample %q", ErrFacts, path, sample)
	case len(selected) == 0:
		return nil, nil, fmt.Errorf("%w: %s: no samples", ErrFacts, path)
	case len(selected) > 1 && f.any():
		return nil, nil, fmt.Errorf("%w: %s has %d samples: clinical facts belong to one patient, give a sample", ErrFacts, path, len(selected))
	}
	p := f.Patient()
	if err := applySex(path, selected, p.Sex); err != nil {
		return nil, nil, err
	}
	cs.Samples = selected
	patients := map[string]rules.Patient{}
	var names []string
	for _, s := range selected {
		patients[s.Sample] = p
		names = append(names, s.Sample)
	}
	return names, patients, nil
}

// applySex records sex on the samples' calls, so that the calls, the rules
// and the report all use it.
func applySex(path string, samples []pharmacogenomics.SampleCalls, sex string) error {
	if sex == "" {
		return nil
	}
	for i := range samples {
		switch samples[i].Sex {
		case "", "unknown", sex:
			samples[i].Sex = sex
		default:
			return fmt.Errorf("%w: %s: sample %s is recorded as %s, the stated sex is %s: call the genotypes again with the right sex",
				ErrFacts, path, samples[i].Sample, samples[i].Sex, sex)
		}
	}
	return nil
}
