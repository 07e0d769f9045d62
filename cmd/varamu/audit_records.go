package main

import (
	"context"
	"errors"

	"github.com/varamu/varamu/audit"
)

// recordLogger logs each ingested clinical record version in the store's
// audit log, batch by batch, before the ingest commits.
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

// close closes the log, returning ingestErr first. The committed
// generation is logged by the store's commit itself.
func (r *recordLogger) close(ingestErr error) error {
	return errors.Join(ingestErr, r.log.Close())
}
