package main

import (
	"context"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/store"
)

// personSession is the set-up of the commands a person (or their
// representative) runs about their own data (consent show, audit who): the
// operating-system user as the actor, in the patient role, and the store's
// access decider. Close it to publish the checkpoint of what it logged.
type personSession struct {
	actor access.Actor
	st    *store.Store
	dec   *access.Decider
	log   *audit.Log
}

func openPersonSession(ctx context.Context, who whoami, dir string) (*personSession, error) {
	actor, err := who()
	if err != nil {
		return nil, err
	}
	st, dec, log, err := openAccess(ctx, dir)
	if err != nil {
		return nil, err
	}
	return &personSession{actor: access.Actor{ID: actor, Role: access.Patient}, st: st, dec: dec, log: log}, nil
}

func (p *personSession) Close() error { return p.log.Close() }

// openAccess opens the store in dir and its access decider; close the log.
func openAccess(ctx context.Context, dir string) (*store.Store, *access.Decider, *audit.Log, error) {
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return nil, nil, nil, err
	}
	dec, log, err := access.OpenStore(ctx, st, access.Clock(clockOf(ctx)))
	return st, dec, log, err
}
