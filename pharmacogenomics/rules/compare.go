package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Change is one difference between two evaluations of the same patient and
// drug, for example before and after the embedded guideline data changed.
type Change struct {
	Sample string `json:"sample"`
	Drug   string `json:"drug"`
	// Key identifies the recommendation across data versions: guideline
	// body and id, and population.
	Key string `json:"key"`
	// Old is nil for a recommendation that is new; New is nil for one that
	// no longer applies.
	Old *Recommendation `json:"old,omitempty"`
	New *Recommendation `json:"new,omitempty"`
	// What says in plain words what changed ("action reduce-dose → avoid").
	What []string `json:"what"`
}

func recKey(r *Recommendation) string {
	k := r.Action
	if r.Guideline != nil {
		k = r.Guideline.Body + " " + r.Guideline.ID
	}
	if r.Population != "" {
		k += " [" + r.Population + "]"
	}
	return k
}

func phenotypesOf(r *Recommendation) string {
	var out []string
	for _, g := range r.Genes {
		s := g.Gene + " " + g.Phenotype
		if g.ActivityScore != nil {
			s += fmt.Sprintf(" (AS %g)", *g.ActivityScore)
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

// Compare lists what changed between the recommendations before and after
// (for example two data versions) for the
// same samples: recommendations that appeared or disappeared, and changes
// of action, strength, wording, phenotypes used or dose; a change of
// caveats alone is reported as "caveats changed". A different data version
// alone is not a change.
// The result is ordered as the recommendations occur in after, then
// before.
func Compare(before, after []Recommendation) []Change {
	type id struct{ sample, drug, key string }
	index := func(recs []Recommendation) (map[id]*Recommendation, []id) {
		m := map[id]*Recommendation{}
		var order []id
		for i := range recs {
			r := &recs[i]
			k := id{r.Sample, r.Drug, recKey(r)}
			if _, dup := m[k]; !dup {
				order = append(order, k)
			}
			m[k] = r
		}
		return m, order
	}
	om, oorder := index(before)
	nm, norder := index(after)
	var out []Change
	for _, k := range norder {
		n := nm[k]
		o, ok := om[k]
		if !ok {
			out = append(out, Change{Sample: k.sample, Drug: k.drug, Key: k.key, New: n,
				What: []string{"new recommendation: " + n.Action}})
			continue
		}
		var what []string
		if o.Action != n.Action {
			what = append(what, fmt.Sprintf("action %s → %s", o.Action, n.Action))
		}
		if o.Strength != n.Strength {
			what = append(what, fmt.Sprintf("strength %s → %s", o.Strength, n.Strength))
		}
		if po, pn := phenotypesOf(o), phenotypesOf(n); po != pn {
			what = append(what, fmt.Sprintf("phenotypes %s → %s", po, pn))
		}
		if o.Text != n.Text {
			what = append(what, "wording changed")
		}
		switch {
		case (o.Dose == nil) != (n.Dose == nil):
			what = append(what, "dose given/withdrawn")
		case o.Dose != nil && fmt.Sprintf("%.1f", o.Dose.WeeklyMg) != fmt.Sprintf("%.1f", n.Dose.WeeklyMg):
			what = append(what, fmt.Sprintf("weekly dose %.1f → %.1f mg", o.Dose.WeeklyMg, n.Dose.WeeklyMg))
		}
		if len(what) == 0 && !slices.Equal(o.Caveats, n.Caveats) {
			what = append(what, "caveats changed")
		}
		if len(what) > 0 {
			out = append(out, Change{Sample: k.sample, Drug: k.drug, Key: k.key, Old: o, New: n, What: what})
		}
	}
	for _, k := range oorder {
		if _, ok := nm[k]; !ok {
			o := om[k]
			out = append(out, Change{Sample: k.sample, Drug: k.drug, Key: k.key, Old: o,
				What: []string{"recommendation no longer applies: was " + o.Action}})
		}
	}
	return out
}
