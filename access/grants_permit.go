package access

import "fmt"

// GrantsPermit returns one Permit covering the samples of every grant
// (samples maps a person to their sample codes), for the actor and
// purpose the grants were decided for: the permit a research view hands
// the genome readers to count an allele over its consented participants.
// Every grant MUST be an allowed decision made and logged by a Decider
// (Decider.Grants); one that is not fails the whole permit with
// ErrNotPermitted. The permit is about no single person (CheckPerson
// refuses it).
func GrantsPermit(actor Actor, purpose Purpose, grants []Grant, samples map[string][]string) (Permit, error) {
	if err := CheckIdentifier("actor", actor.ID); err != nil {
		return Permit{}, err
	}
	g := Permit{actor: actor.ID, purpose: purpose, samples: map[string]bool{}}
	for _, gr := range grants {
		if !gr.Decision.logged || !gr.Decision.Allowed {
			return Permit{}, fmt.Errorf("%w: the decision about one person was not an allowed, logged one", ErrNotPermitted)
		}
		for _, s := range samples[gr.Person] {
			g.samples[s] = true
		}
	}
	return g, nil
}
