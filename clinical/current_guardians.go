package clinical

import "slices"

// GuardiansByPerson returns, for every person with one, what Guardians
// returns, in one pass over the relations: a directory of 200,000 people
// built person by person with Guardians scanned every relation for each
// (quadratic; the server's generation load and dev-ca took many minutes).
func (c *Current) GuardiansByPerson() map[string][]string {
	out := map[string][]string{}
	for _, r := range c.Relations {
		if r.Related == "" || !r.End.IsZero() || !slices.Contains(GuardianRoles, r.Relationship) {
			continue
		}
		if !slices.Contains(out[r.Person], r.Related) {
			out[r.Person] = append(out[r.Person], r.Related)
		}
	}
	for _, g := range out {
		slices.Sort(g)
	}
	return out
}
