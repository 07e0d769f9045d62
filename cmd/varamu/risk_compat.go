package main

import (
	"context"

	"github.com/varamu/varamu/access"
	vstore "github.com/varamu/varamu/store"
)

// The risk commands (engineer h7) still take --actor and log steward jobs
// through these two helpers; they should move to the whoami identity of
// the other commands (the operating-system user, no --actor flag).

// defaultActor is the operating-system user, or "" when it cannot be told.
func defaultActor() string {
	u, err := osUser()
	if err != nil {
		return ""
	}
	return u
}

// logStewardship logs a steward job over every participant (LogSteward
// with no sample list: one entry for all participants) before it reads
// person-level data.
func logStewardship(ctx context.Context, dir, actor, scope string) error {
	st, err := vstore.Open(dir, vstore.Options{})
	if err != nil {
		return err
	}
	_, err = access.OpenSteward(ctx, st, access.StewardAccess{Actor: actor, Scope: scope})
	return err
}
