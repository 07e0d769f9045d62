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

// groupCommit feeds tessera's appender so that entries arriving while a
// batch is being written go together in the next batch (group commit).
//
// Tessera's own queue cuts a batch every BatchMaxAge whether or not the
// previous batch is still being written; under a steady stream each small
// batch then pays the full fsync cost of a batch (bundle, hash tiles, tree
// state: 3 to 5 files, each written with O_SYNC and its directory
// fsynced). Here an entry goes to tessera at once while tessera is
// gathering a batch (the first BatchMaxAge after the batch's first entry);
// after that, entries wait until the batch is durable and are handed over
// together, so batches grow with the load and the fsyncs per entry fall,
// while a lone entry waits no longer than with tessera alone.
type groupCommit struct {
	app     *tessera.Appender
	maxAge  time.Duration
	maxSize int

	mu      sync.Mutex
	pending []*queued
	closed  bool
	kick    chan struct{} // an entry arrived, or the batcher closes
	stopped chan struct{}
}

func newGroupCommit(app *tessera.Appender, maxAge time.Duration, maxSize int) *groupCommit {
	g := &groupCommit{app: app, maxAge: maxAge, maxSize: maxSize,
		kick: make(chan struct{}, 1), stopped: make(chan struct{})}
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

// run hands batches to tessera until closed and drained.
func (g *groupCommit) run() {
	defer close(g.stopped)
	for {
		<-g.kick
		first := g.take(g.maxSize)
		if len(first) == 0 {
			if g.isClosed() {
				return
			}
			continue
		}
		g.wait(g.gather(first))
		signal(g.kick) // entries that arrived while the batch was written
	}
}

func (g *groupCommit) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

// handed is an entry given to tessera, with its future.
type handed struct {
	q *queued
	f tessera.IndexFuture
}

// gather hands first to tessera, then every entry that arrives while
// tessera gathers the batch (maxAge, or until maxSize entries), and
// returns them all.
func (g *groupCommit) gather(first []*queued) []handed {
	out := make([]handed, 0, len(first))
	give := func(qs []*queued) {
		for _, q := range qs {
			out = append(out, handed{q, g.app.Add(context.Background(), q.entry)})
		}
	}
	give(first)
	window := time.NewTimer(g.maxAge)
	defer window.Stop()
	for len(out) < g.maxSize {
		select {
		case <-window.C:
			return out
		case <-g.kick:
			give(g.take(g.maxSize - len(out)))
			if g.isClosed() {
				return out
			}
		}
	}
	return out
}

// take removes up to n entries from the queue.
func (g *groupCommit) take(n int) []*queued {
	g.mu.Lock()
	defer g.mu.Unlock()
	n = min(len(g.pending), n)
	batch := g.pending[:n:n]
	g.pending = g.pending[n:]
	return batch
}

// wait blocks until every handed entry is durable or failed.
func (g *groupCommit) wait(hs []handed) {
	for _, h := range hs {
		idx, err := h.f()
		h.q.index, h.q.err = idx.Index, err
		close(h.q.done)
	}
}
