package main

import (
	"context"
	"errors"

	"github.com/varamu/varamu/audit"
)

// recordLogger logs each ingested clinical record version in the store's
// audit log, batch by batch, before the ingest commits; close logs the
// committed generation.
type recordLogger struct {
	ctx context.Context
	log *audit.Log
}

func newRecordLogger(ctx context.Context, dir string) (*recordLogger, error) {
	l, err := audit.Open(dir)
	if err != nil {
		return nil, err
	}
	return &recordLogger{ctx: ctx, log: l}, nil
}

func (r *recordLogger) add(raws [][]byte) error {
	return r.log.LogRecords(context.WithoutCancel(r.ctx), raws)
}

// close logs the generations committed (when ingestErr is nil) and closes
// the log, returning ingestErr first.
func (r *recordLogger) close(ingestErr error) error {
	var err error
	if ingestErr == nil {
		_, err = r.log.LogGenerations(r.ctx)
	}
	return errors.Join(ingestErr, err, r.log.Close())
}

// logGenerations logs every committed store generation the audit log does
// not hold yet.
func logGenerations(ctx context.Context, dir string) error {
	l, err := audit.Open(dir)
	if err != nil {
		return err
	}
	_, err = l.LogGenerations(ctx)
	return errors.Join(err, l.Close())
}
