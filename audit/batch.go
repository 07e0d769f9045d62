package audit

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/transparency-dev/tessera"
)

// errClosed is returned for an entry submitted after the log's last Close.
var errClosed = errors.New("audit: log is closed")

// queued is one submitted entry waiting to be durable.
type queued struct {
	entry *tessera.Entry
	done  chan struct{}
	index uint64
	err   error
}

// groupCommit feeds tessera's appender one batch at a time: entries
// submitted while a batch is being written and fsynced wait and go
// together in the next one (group commit).
//
// Tessera's own queue cuts a batch every BatchMaxAge whether or not the
// previous batch is still being written; under a steady stream each
// small batch then pays the full fsync cost of a batch (bundle, hash
// tiles, tree state: 3 to 5 files, each written with O_SYNC and its
// directory fsynced). Here a batch is handed to tessera only when the
// previous one is durable, so batches grow with the load and the fsyncs
// per entry fall.
type groupCommit struct {
	app     *tessera.Appender
	maxAge  time.Duration
	maxSize int

	mu      sync.Mutex
	pending []*queued
	closed  bool
	kick    chan struct{} // an entry arrived, or the batcher closes
	full    chan struct{} // pending reached maxSize
	stopped chan struct{}
}

func newGroupCommit(app *tessera.Appender, maxAge time.Duration, maxSize int) *groupCommit {
	g := &groupCommit{app: app, maxAge: maxAge, maxSize: maxSize,
		kick: make(chan struct{}, 1), full: make(chan struct{}, 1), stopped: make(chan struct{})}
	go g.run()
	return g
}

// add queues e; its done channel closes once e is durable or failed.
func (g *groupCommit) add(e *tessera.Entry) (*queued, error) {
	q := &queued{entry: e, done: make(chan struct{})}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, errClosed
	}
	g.pending = append(g.pending, q)
	signal(g.kick)
	if len(g.pending) >= g.maxSize {
		signal(g.full)
	}
	return q, nil
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// close stops taking entries and returns once every queued entry is
// durable or failed.
func (g *groupCommit) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
	signal(g.kick)
	<-g.stopped
}

// run hands batches to tessera until closed and drained: it waits for a
// first entry, gathers for maxAge (less when maxSize entries are
// waiting), hands them over and waits until they are durable; what
// arrives meanwhile is the next batch.
func (g *groupCommit) run() {
	defer close(g.stopped)
	for {
		<-g.kick
		g.mu.Lock()
		n, closed := len(g.pending), g.closed
		g.mu.Unlock()
		if n == 0 {
			if closed {
				return
			}
			continue
		}
		if !closed {
			g.gather()
		}
		g.commit(g.take())
		signal(g.kick) // entries that arrived during the commit
	}
}

// gather waits maxAge for more entries, or until maxSize are waiting.
func (g *groupCommit) gather() {
	t := time.NewTimer(g.maxAge)
	defer t.Stop()
	select {
	case <-t.C:
	case <-g.full:
	}
}

// take removes up to maxSize entries from the queue.
func (g *groupCommit) take() []*queued {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := min(len(g.pending), g.maxSize)
	batch := g.pending[:n:n]
	g.pending = g.pending[n:]
	if len(g.pending) < g.maxSize {
		select { // a stale full signal would cut the next batch short
		case <-g.full:
		default:
		}
	}
	return batch
}

// commit hands batch to tessera and waits until every entry is durable.
func (g *groupCommit) commit(batch []*queued) {
	futures := make([]tessera.IndexFuture, len(batch))
	for i, q := range batch {
		futures[i] = g.app.Add(context.Background(), q.entry)
	}
	for i, q := range batch {
		idx, err := futures[i]()
		q.index, q.err = idx.Index, err
		close(q.done)
	}
}
