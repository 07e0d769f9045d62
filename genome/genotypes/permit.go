package genotypes

import (
	"errors"
	"fmt"
)

// Permit is what the readers of person-level genotypes (Lookup, Region,
// WriteVCF, RegionRecords, Scan) require: proof that package access decided
// and logged an access covering the samples asked for. access.Permit is the
// implementation, made only from an allowed, logged decision (its zero
// value covers nothing); callers MUST NOT implement Permit themselves. The
// interface keeps this package below access in the layers
// (ARCHITECTURE.md).
type Permit interface {
	// Actor is who the access is for.
	Actor() string
	// Check returns nil when the permit covers every sample named (all
	// samples of the store when none is named).
	Check(samples ...string) error
}

// ErrNoPermit is returned by a reader called without a Permit.
var ErrNoPermit = errors.New("genotypes: no access permit (decide and log the access with package access first)")

func checkPermit(g Permit, samples ...string) error {
	if g == nil {
		return ErrNoPermit
	}
	if err := g.Check(samples...); err != nil {
		return fmt.Errorf("genotypes: %w", err)
	}
	return nil
}
