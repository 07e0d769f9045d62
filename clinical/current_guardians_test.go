package clinical

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestGuardiansByPerson: the one-pass index equals Guardians person by
// person (ended relations, non-guardian roles and duplicates left out).
func TestGuardiansByPerson(t *testing.T) {
	c := &Current{Relations: []Relation{
		{Person: "c1", Related: "p2", Relationship: "MTH"},
		{Person: "c1", Related: "p1", Relationship: "FTH"},
		{Person: "c1", Related: "p1", Relationship: "GUARD"},
		{Person: "c1", Related: "x", Relationship: "FRND"},
		{Person: "c2", Related: "p3", Relationship: "MTH", End: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)},
		{Person: "c3", Related: "", Relationship: "MTH"},
		{Person: "c4", Related: "p4", Relationship: "STPFTH"},
	}}
	idx := c.GuardiansByPerson()
	for _, p := range []string{"c1", "c2", "c3", "c4", "nobody"} {
		if d := cmp.Diff(c.Guardians(p), idx[p]); d != "" {
			t.Errorf("%s: %s", p, d)
		}
	}
}
