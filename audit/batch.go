package audit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/transparency-dev/tessera"
	"golang.org/x/sys/unix"
)

// errClosed is returned for an entry submitted after the log's last Close.
var errClosed = errors.New("audit: log is closed")

// queued is one submitted entry waiting to be durable.
type queued struct {
	leaf  []byte
	done  chan struct{}
	index uint64
	err   error
}

// groupCommit writes the entries of every Log of the process to the
// journal: all entries that arrived while the previous group was being
// written and flushed go together in the next group, for one fdatasync
// (group commit); the group's entries are durable, and acknowledged, when
// it returns. Integration into the tree follows (integrator).
type groupCommit struct {
	j       *journal
	maxSize int
	written func() // called after each group
	// behind reports whether the tree lags the journal by more than
	// maxBacklog entries (nil: never); the next group then waits.
	behind func(next uint64) bool
	next   uint64 // index after the last group written

	mu      sync.Mutex
	pending []*queued
	closed  bool
	kick    chan struct{} // an entry arrived, or the writer closes
	stopped chan struct{}
}

func newGroupCommit(j *journal, maxSize int, written func(), behind func(uint64) bool) *groupCommit {
	g := &groupCommit{j: j, maxSize: maxSize, written: written, behind: behind,
		kick: make(chan struct{}, 1), stopped: make(chan struct{})}
	go g.run()
	return g
}

// add queues leaf; its done channel closes once leaf is durable or failed.
func (g *groupCommit) add(leaf []byte) (*queued, error) {
	q := &queued{leaf: leaf, done: make(chan struct{})}
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

// gatherWait bounds how long a group waits for the writers of the last
// group to come back (see run).
const gatherWait = time.Millisecond

// run writes groups until closed and drained.
func (g *groupCommit) run() {
	defer close(g.stopped)
	var leaves [][]byte
	last := 0
	for {
		<-g.kick
		for {
			// Writers that each wait for their entry submit the next one
			// a moment after their group is acknowledged: gathering them
			// (up to the last group's size, gatherWait at most) keeps the
			// groups large instead of alternating small and large.
			g.gather(last)
			g.keepUp()
			group, closed := g.take()
			last = len(group)
			if len(group) == 0 {
				if closed {
					return
				}
				break
			}
			leaves = leaves[:0]
			for _, q := range group {
				leaves = append(leaves, q.leaf)
			}
			first, err := g.j.append(leaves)
			if err == nil {
				g.next = first + uint64(len(leaves))
			}
			for i, q := range group {
				q.index, q.err = first+uint64(i), err
				close(q.done)
			}
			g.written()
		}
	}
}

// maxBacklog is how far the tree may lag the journal before writers wait
// for integration (bounding the journal and the replay after a kill).
const maxBacklog = 1 << 17

// keepUp waits while the tree lags the journal by more than maxBacklog
// entries: acknowledgements never run away from integration for long.
func (g *groupCommit) keepUp() {
	for g.behind != nil && g.behind(g.next) {
		g.written() // wakes the integrator
		time.Sleep(5 * time.Millisecond)
	}
}

// gather waits until n entries are queued, the log closes or gatherWait
// has passed.
func (g *groupCommit) gather(n int) {
	var deadline <-chan time.Time
	for {
		g.mu.Lock()
		enough := len(g.pending) >= n || g.closed
		g.mu.Unlock()
		if enough {
			return
		}
		if deadline == nil {
			t := time.NewTimer(gatherWait)
			defer t.Stop()
			deadline = t.C
		}
		select {
		case <-g.kick:
		case <-deadline:
			return
		}
	}
}

// take removes up to maxSize entries from the queue.
func (g *groupCommit) take() ([]*queued, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := min(len(g.pending), g.maxSize)
	batch := g.pending[:n:n]
	g.pending = g.pending[n:]
	return batch, g.closed
}

// integrator adds the journal's records to the tessera tree: after each
// group the process writes, every pollInterval (records a killed process
// left behind), and on demand (integrate).
type integrator struct {
	j        *journal
	app      *tessera.Appender
	batch    int
	interval time.Duration // least time between background integrations
	size     atomic.Uint64 // the tree's size after the last integration
	lagging  atomic.Bool   // writers wait for the tree: integrate at once

	mu      sync.Mutex // one integration at a time in this process
	kick    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	started bool
	done    bool // the journal is closed: nothing more to integrate here
	last    mark // how far this process's last whole integration got
	// beforeReset, set only by this package's tests, runs before an
	// integration checks whether it may empty the journal.
	beforeReset func()
}

// pollInterval is how often the integrator looks for records that
// another (perhaps killed) process journaled.
const pollInterval = time.Second

func newIntegrator(j *journal, app *tessera.Appender, batch int, interval time.Duration) *integrator {
	return &integrator{j: j, app: app, batch: batch, interval: interval, kick: make(chan struct{}, 1),
		stop: make(chan struct{}), stopped: make(chan struct{})}
}

func (in *integrator) start() {
	in.started = true
	go in.run()
}

func (in *integrator) run() {
	defer close(in.stopped)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last time.Time
	for {
		select {
		case <-in.stop:
			return
		case <-in.kick:
		case <-tick.C:
		}
		// Entries that arrive meanwhile go in the same tessera batch: a
		// batch rewrites the tree's partial bundle and tiles, each file
		// flushed, so small frequent batches would cost the disk several
		// flushes per group and slow the journal's own flush.
		if wait := in.interval - time.Since(last); wait > 0 && !in.lagging.Load() {
			select {
			case <-in.stop:
				return
			case <-time.After(wait):
			}
		}
		last = time.Now()
		// A failure is retried on the next group or poll, and returned
		// by the next flush or Close, which integrate themselves.
		in.integrate(context.Background())
	}
}

// behind reports whether the tree lags the journal, whose next index is
// next, by more than maxBacklog entries.
func (in *integrator) behind(next uint64) bool {
	lag := next > in.size.Load()+maxBacklog
	in.lagging.Store(lag)
	return lag
}

// close stops the background integration (integrate still works).
// finish marks the integrator done, so that a late flush does not touch
// the closed journal.
func (in *integrator) finish() {
	in.mu.Lock()
	in.done = true
	in.mu.Unlock()
}

func (in *integrator) close() {
	if in.started {
		in.started = false
		close(in.stop)
		<-in.stopped
	}
}

// integrate adds every record journaled before the call that the tree
// does not hold yet, in journal order, and returns once they are
// integrated (each exactly once: the tree's size says which are in).
func (in *integrator) integrate(ctx context.Context) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.done {
		return nil
	}
	if err := flock(in.j.lock, unix.LOCK_EX); err != nil {
		return err
	}
	defer flock(in.j.lock, unix.LOCK_UN)
	epoch, seed, end, err := in.j.snapshot()
	if err != nil {
		return err
	}
	size, err := integratedSize(in.j.ldir)
	if err != nil || end <= journalHeader {
		in.size.Store(size)
		return err
	}
	var recs []record
	if past := in.last; past.epoch == epoch && past.end > journalHeader && past.end <= end && past.size <= size {
		recs, err = in.j.pendingSince(past, seed, end, size)
	} else {
		recs, err = in.j.pending(end, size)
	}
	if err != nil {
		return err
	}
	for len(recs) > 0 {
		n := min(len(recs), in.batch)
		if err := in.add(ctx, recs[:n]); err != nil {
			return err
		}
		recs = recs[n:]
	}
	if size, err = integratedSize(in.j.ldir); err != nil {
		return err
	}
	in.size.Store(size)
	in.last = mark{epoch: epoch, end: end, size: size}
	if in.beforeReset != nil {
		in.beforeReset()
	}
	return in.j.resetIfIntegrated(size)
}

// add hands recs to tessera and waits until they are integrated. An
// entry normally lands at its journal index; when tessera cuts the
// hand-over into two batches it may store them in either order, so the
// tree's order within one integration is not relied on (see pending).
func (in *integrator) add(ctx context.Context, recs []record) error {
	fs := make([]tessera.IndexFuture, len(recs))
	for i, r := range recs {
		fs[i] = in.app.Add(ctx, tessera.NewEntry(r.leaf))
	}
	for i, f := range fs {
		if _, err := f(); err != nil {
			return fmt.Errorf("audit: integrating journal record %d: %w", recs[i].index, err)
		}
	}
	return nil
}
