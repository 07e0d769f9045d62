package main

import (
	"context"
	"time"
)

// clockKey carries the decision clock in a command's context.
type clockKey struct{}

// withClock returns ctx whose commands take the time of their decisions
// from now. Only the README test binary sets one (it runs the README on a
// pinned day, see readme_test.go); the real command never does, so its
// decisions are at the wall clock.
func withClock(ctx context.Context, now func() time.Time) context.Context {
	return context.WithValue(ctx, clockKey{}, now)
}

// clockOf returns the decision clock of ctx: time.Now unless the README
// test pinned the day.
func clockOf(ctx context.Context) func() time.Time {
	if now, ok := ctx.Value(clockKey{}).(func() time.Time); ok && now != nil {
		return now
	}
	return time.Now
}
