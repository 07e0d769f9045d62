package alerts

import (
	"context"
	"fmt"
	"iter"

	"github.com/varamu/varamu/pharmacogenomics"
)

// MemSource is a Source held in memory (tests, the demo, small stores).
type MemSource struct {
	Rx     []Prescription
	People map[string]Person
	// CallsByPerson holds each genotyped person's calls.
	CallsByPerson map[string]pharmacogenomics.SampleCalls
	DataVersion   string
}

// Prescriptions implements Source.
func (m *MemSource) Prescriptions(ctx context.Context) iter.Seq2[Prescription, error] {
	return func(yield func(Prescription, error) bool) {
		for _, p := range m.Rx {
			if err := ctx.Err(); err != nil {
				yield(Prescription{}, err)
				return
			}
			if !yield(p, nil) {
				return
			}
		}
	}
}

// Load implements Source; the data is already in memory.
func (m *MemSource) Load(context.Context, []string) error { return nil }

// Person implements Source.
func (m *MemSource) Person(_ context.Context, id string) (Person, error) {
	p, ok := m.People[id]
	if !ok {
		return Person{}, fmt.Errorf("alerts: unknown person %s", id)
	}
	return p, nil
}

// Calls implements Source.
func (m *MemSource) Calls(_ context.Context, person string) (pharmacogenomics.SampleCalls, string, bool, error) {
	c, ok := m.CallsByPerson[person]
	return c, m.DataVersion, ok, nil
}
