package main

import (
	"context"
	"os"
	"os/user"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
)

// logStewardship writes a steward access to the store's audit log before a
// command reads person-level (coded) data outside a consent decision.
func logStewardship(ctx context.Context, dir, actor, scope string) error {
	log, err := audit.Open(dir)
	if err != nil {
		return err
	}
	defer log.Close()
	return access.LogStewardship(ctx, log, actor, scope, time.Now())
}

// defaultActor is the operating-system user running the command, the
// default actor of steward and researcher commands.
func defaultActor() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return ""
}
