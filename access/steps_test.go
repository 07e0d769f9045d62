package access

import (
	"context"
	"testing"
)

// TestStepsStopAtFirstRefusal: each step is logged before the next is
// asked, and a refusal ends the steps (the later purpose is never asked).
func TestStepsStopAtFirstRefusal(t *testing.T) {
	d, log := fixture(t)
	at := tln(2024, 6, 1)
	ctx := context.Background()
	cases := []struct {
		name    string
		reqs    []Request
		refused int
		logged  uint64
	}{
		{"all allowed", []Request{{Actor: pat(adult), Person: adult, Purpose: Self, Time: at}, {Actor: job, Person: adult, Purpose: ReturnOfResults, Time: at}}, -1, 2},
		{"first refused", []Request{{Actor: stranger, Person: adult, Purpose: Treatment, Time: at}, {Actor: job, Person: adult, Purpose: ReturnOfResults, Time: at}}, 0, 1},
		{"second refused", []Request{{Actor: pat(closed), Person: closed, Purpose: Self, Time: at}, {Actor: job, Person: closed, Purpose: SecondaryFindings, Time: at}}, 1, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := log.Size(ctx)
			ds, refused, err := d.Steps(ctx, c.reqs...)
			if err != nil {
				t.Fatal(err)
			}
			after, _ := log.Size(ctx)
			if refused != c.refused || after-before != c.logged || uint64(len(ds)) != c.logged {
				t.Errorf("refused step %d (want %d), %d decisions, %d logged (want %d)", refused, c.refused, len(ds), after-before, c.logged)
			}
			if refused >= 0 && ds[refused].Allowed {
				t.Errorf("step %d reported refused but allowed", refused)
			}
		})
	}
}
