package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/sys/unix"
)

// Config configure Open. The zero value is the default for every field.
type Config struct {
	// KeyDir holds the log key and person secret; "" means KeyDirFor(dir),
	// where keys are made on first use.
	KeyDir string
	// BatchMaxAge is how long tessera gathers journaled entries before it
	// integrates them into the tree; 0 means 10 ms. It does not delay an
	// acknowledgement: an entry is acknowledged once it is in the journal
	// (see Append).
	BatchMaxAge time.Duration
	// BatchMaxSize is the most entries written to the journal in one group
	// and integrated into the tree in one batch; 0 means 8192.
	BatchMaxSize uint
	// IntegrateInterval is the least time between two integrations of
	// journaled entries into the tree in the background; 0 means 200 ms.
	// Flush, proofs and Close integrate at once.
	IntegrateInterval time.Duration
	// CheckpointInterval is how often a new signed checkpoint is published
	// while entries arrive; 0 means 100 ms (tessera's minimum).
	CheckpointInterval time.Duration
	// JournalSync, if not nil, is called with the duration of each
	// fdatasync that makes a group of entries durable (for metrics). It
	// runs while appends wait, so it must be quick. The first Open of a
	// log in a process sets it for all of that process's Logs of it.
	JournalSync func(time.Duration)

	// direct, set only by this package's benchmarks, hands each entry to
	// tessera's queue at once instead of through the journal (the A of an
	// A/B comparison).
	direct bool
	// noIntegrate, set only by this package's tests, leaves journaled
	// entries out of the tree, as a process killed after acknowledging
	// them would.
	noIntegrate bool
	// noBackground, set only by this package's tests, integrates only on
	// demand (Flush, Size, proofs, VerifyLog, Close), never in the
	// background.
	noBackground bool
}

func (o Config) withDefaults(dir string) Config {
	if o.KeyDir == "" {
		o.KeyDir = KeyDirFor(dir)
	}
	if o.BatchMaxAge == 0 {
		o.BatchMaxAge = 10 * time.Millisecond
	}
	if o.BatchMaxSize == 0 {
		o.BatchMaxSize = 8192
	}
	if o.IntegrateInterval == 0 {
		o.IntegrateInterval = 200 * time.Millisecond
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = 100 * time.Millisecond
	}
	return o
}

// logDir is where the tlog-tiles tree of the store in dir lives.
func logDir(dir string) string { return filepath.Join(dir, "audit", "log") }

// shared is one tessera appender per log directory and process: tessera's
// POSIX storage serialises processes with fcntl locks, which do not
// exclude two writers in one process, so every Log of one process shares
// the appender.
type shared struct {
	refs     int
	keys     *Keys
	app      *tessera.Appender
	shutdown func(context.Context) error
	reader   tessera.LogReader
	cancel   context.CancelFunc
	// journal is the log's write-ahead journal; group writes the entries
	// of every Log of the process to it, and integ integrates them into
	// the tree (all nil: each entry goes to tessera's queue directly).
	journal *journal
	group   *groupCommit
	integ   *integrator
	// noIntegrate is Config.noIntegrate.
	noIntegrate bool
	// witnessMu serialises the process's cosignature requests.
	witnessMu sync.Mutex
}

// appenders holds the process's open appenders by log directory. It is
// the package's only state, required by the fcntl locking described on
// shared.
var appenders = struct {
	sync.Mutex
	m map[string]*shared
}{m: map[string]*shared{}}

// Log is an open audit log. It is safe for concurrent use, and several
// processes may append to one log at the same time.
type Log struct {
	dir    string
	ldir   string
	sh     *shared
	mu     sync.Mutex
	closed bool
	now    func() time.Time
}

// Open opens (creating if needed) the audit log of the store directory
// dir with the default Config. The store's keys are made on first use in
// KeyDirFor(dir).
func Open(dir string) (*Log, error) { return OpenWith(dir, Config{}) }

// OpenWith opens the audit log of the store directory dir. A round-1 log
// (entries.jsonl) is migrated first (see Migrate). Within one process the
// first Open of a log fixes its Config until every Log of it is closed.
func OpenWith(dir string, opt Config) (*Log, error) {
	opt = opt.withDefaults(dir)
	ldir, err := filepath.Abs(logDir(dir))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	appenders.Lock()
	defer appenders.Unlock()
	sh, ok := appenders.m[ldir]
	migrated := false
	if !ok {
		if sh, migrated, err = openShared(dir, ldir, opt); err != nil {
			return nil, err
		}
		appenders.m[ldir] = sh
	}
	sh.refs++
	l := &Log{dir: dir, ldir: ldir, sh: sh, now: time.Now}
	if migrated {
		// A round-1 store's generations were committed before commits
		// were logged: they are logged once, as part of the migration.
		if _, err := l.LogGenerations(context.Background()); err != nil {
			delete(appenders.m, ldir)
			sh.stop()
			sh.cancel()
			return nil, err
		}
	}
	return l, nil
}

// openShared starts the appender of the log in ldir, migrating a round-1
// log first (migrated is then true).
func openShared(dir, ldir string, opt Config) (sh *shared, migrated bool, err error) {
	keys, err := loadOrCreateKeys(opt.KeyDir, dir)
	if err != nil {
		return nil, false, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	drv, err := posix.New(ctx, posix.Config{Path: ldir})
	if err != nil {
		cancel()
		return nil, false, fmt.Errorf("audit: %w", err)
	}
	topt := tessera.NewAppendOptions().
		WithCheckpointSigner(keys.Signer).
		WithBatching(opt.BatchMaxSize, opt.BatchMaxAge).
		WithCheckpointInterval(opt.CheckpointInterval).
		WithPushback(1 << 20).
		WithShutdownTimeout(30 * time.Second)
	app, shutdown, reader, err := tessera.NewAppender(ctx, drv, topt)
	if err != nil {
		cancel()
		return nil, false, fmt.Errorf("audit: %w", err)
	}
	sh = &shared{keys: keys, app: app, shutdown: shutdown, reader: reader, cancel: cancel}
	if migrated, err = sh.startJournal(ctx, dir, ldir, opt); err != nil {
		cancel()
		return nil, false, err
	}
	return sh, migrated, nil
}

// startJournal opens the journal, migrates a round-1 log, replays the
// journal's entries that the tree does not hold yet (left by a killed
// process) and starts the group commit and the integrator.
func (sh *shared) startJournal(ctx context.Context, dir, ldir string, opt Config) (migrated bool, err error) {
	sh.noIntegrate = opt.noIntegrate
	if !opt.direct {
		if sh.journal, err = openJournal(dir, ldir, opt.JournalSync); err != nil {
			return false, err
		}
		sh.integ = newIntegrator(sh.journal, sh.app, int(opt.BatchMaxSize), opt.IntegrateInterval)
	}
	if migrated = hasLegacy(dir); migrated {
		err = sh.exclusive(func() error { return migrate(ctx, dir, sh.keys, sh.app, ldir) })
	}
	if err == nil && sh.integ != nil && !opt.noIntegrate {
		err = sh.integ.integrate(ctx)
	}
	if err != nil {
		if sh.journal != nil {
			sh.journal.close()
		}
		return false, err
	}
	if sh.journal != nil {
		written := func() {}
		var behind func(uint64) bool
		if !opt.noIntegrate && !opt.noBackground {
			sh.integ.start()
			written = func() { signal(sh.integ.kick) }
			behind = sh.integ.behind
		}
		sh.group = newGroupCommit(sh.journal, int(opt.BatchMaxSize), written, behind)
	}
	return migrated, nil
}

// exclusive runs fn holding the integration lock, so that no process
// integrates journaled entries meanwhile (fn adds to the tree itself).
func (sh *shared) exclusive(fn func() error) error {
	if sh.integ == nil {
		return fn()
	}
	sh.integ.mu.Lock()
	defer sh.integ.mu.Unlock()
	if err := flock(sh.journal.lock, unix.LOCK_EX); err != nil {
		return err
	}
	defer flock(sh.journal.lock, unix.LOCK_UN)
	return fn()
}

// stop stops the group commit (after the queued entries are durable)
// and the background integration, and integrates what is journaled.
func (sh *shared) stop() error {
	if sh.group == nil {
		return nil
	}
	sh.group.close()
	sh.integ.close()
	var err error
	if !sh.noIntegrate {
		err = sh.integ.integrate(context.Background())
	}
	sh.integ.finish()
	return errors.Join(err, sh.journal.close())
}

// flush integrates every entry journaled so far into the tree.
func (sh *shared) flush(ctx context.Context) error {
	if sh.integ == nil || sh.noIntegrate {
		return nil
	}
	return sh.integ.integrate(ctx)
}

// Append adds entries to the log and returns the size of a tree that
// holds them, setting each entry's Index and Logged time and replacing
// its Person by the commitment Subject.
//
// Durability contract: Append MUST NOT return a nil error before every
// entry is written, fsynced and integrated into the tree (tessera's POSIX
// storage writes each file with O_SYNC and renames it into place). A
// caller that gets a nil error may release data; a caller that gets an
// error MUST NOT. A signed checkpoint covering the entries is published
// within Config.CheckpointInterval, and before Close returns.
func (l *Log) Append(ctx context.Context, entries ...*Entry) (uint64, error) {
	pending := make([]Pending, len(entries))
	for i, e := range entries {
		var err error
		if pending[i], err = l.Submit(ctx, e); err != nil {
			return 0, err
		}
	}
	var size uint64
	for _, p := range pending {
		idx, err := p.Wait()
		if err != nil {
			return 0, err
		}
		size = max(size, idx+1)
	}
	return size, nil
}

// Pending is an entry queued by Submit, durable only once Wait returns a
// nil error.
type Pending struct {
	e *Entry
	q *queued
	f tessera.IndexFuture // when the log hands entries to tessera directly
}

// Wait blocks until the entry is durable (see Append's contract) and
// returns its index, which it also sets in the entry: the index the
// journal gave it, which is its place in the tree unless tessera stored
// two batches of one integration in swapped order (then it moved within
// that integration's range; it is in the tree once either way).
func (p Pending) Wait() (uint64, error) {
	var idx uint64
	var err error
	if p.q != nil {
		<-p.q.done
		idx, err = p.q.index, p.q.err
	} else {
		var i tessera.Index
		i, err = p.f()
		idx = i.Index
	}
	if err != nil {
		return 0, fmt.Errorf("audit: append: %w", err)
	}
	p.e.Index = idx
	return idx, nil
}

// Submit queues one entry for the log and returns at once, so that a
// writer may keep many entries outstanding (tessera writes them in
// batches, each fsynced once). It sets the entry's Logged time and
// Subject as Append does.
//
// Durability contract: the caller MUST NOT act on the entry (release the
// data it is about) before its Pending.Wait returns a nil error. Entries
// submitted in order by one goroutine are logged in that order.
func (l *Log) Submit(ctx context.Context, e *Entry) (Pending, error) {
	if err := ctx.Err(); err != nil {
		return Pending{}, err
	}
	l.mu.Lock()
	closed := l.closed
	l.mu.Unlock()
	if closed {
		return Pending{}, errClosed
	}
	e.Time = e.Time.UTC()
	e.Logged = l.now().UTC()
	if e.Person != "" {
		e.Subject = l.sh.keys.Commit(e.Person)
	}
	b, err := l.sh.keys.leaf(e)
	if err != nil {
		return Pending{}, err
	}
	if l.sh.group == nil {
		return Pending{e: e, f: l.sh.app.Add(ctx, tessera.NewEntry(b))}, nil
	}
	q, err := l.sh.group.add(b)
	if err != nil {
		return Pending{}, err
	}
	return Pending{e: e, q: q}, nil
}

// leaf returns e's leaf with personal codes sealed: a personal actor
// (ActorSealed) and a Rule or Reason naming a personal code (TextSealed).
// e keeps its clear fields; its sealed fields are set as logged.
func (k *Keys) leaf(e *Entry) ([]byte, error) {
	le := *e
	if personalActor(e) {
		sealed, err := k.seal(e.Actor)
		if err != nil {
			return nil, err
		}
		le.Actor, e.ActorSealed, le.ActorSealed = "", sealed, sealed
	}
	if hasPersonalCode(e.Rule) || hasPersonalCode(e.Reason) {
		t, err := json.Marshal([2]string{e.Rule, e.Reason})
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		sealed, err := k.seal(string(t))
		if err != nil {
			return nil, err
		}
		le.Rule, le.Reason, e.TextSealed, le.TextSealed = "", "", sealed, sealed
	}
	return le.Leaf()
}

// hasPersonalCode reports whether s holds a run of exactly 11 digits (an
// isikukood, or anything that may be one).
func hasPersonalCode(s string) bool {
	run := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		if run == 11 {
			return true
		}
		run = 0
	}
	return false
}

// personalActor reports whether e's actor is a person identified by a
// personal code (a person reading their own data, a representative, or
// any 11-digit code): such an actor is logged sealed (ActorSealed).
func personalActor(e *Entry) bool {
	if e.Role == "patient" || e.Role == "representative" {
		return true
	}
	if len(e.Actor) != 11 {
		return false
	}
	for _, c := range e.Actor {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Close waits until a signed checkpoint covers every entry this process
// appended, then closes the log.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	appenders.Lock()
	defer appenders.Unlock()
	l.sh.refs--
	if l.sh.refs > 0 {
		return nil
	}
	delete(appenders.m, l.ldir)
	err := l.sh.stop()
	err = errors.Join(err, l.sh.shutdown(context.Background()))
	if err == nil {
		err = l.waitPublished()
	}
	l.sh.cancel()
	if err != nil {
		return fmt.Errorf("audit: publishing the last checkpoint: %w", err)
	}
	return nil
}

// waitPublished waits until the published checkpoint covers every
// integrated entry, also those appended by processes killed before their
// checkpoint was published.
func (l *Log) waitPublished() error {
	n, err := l.sh.reader.IntegratedSize(context.Background())
	if err != nil {
		return err
	}
	return l.waitCheckpoint(context.Background(), n)
}

// Keys returns the log's keys.
func (l *Log) Keys() *Keys { return l.sh.keys }

// Commit returns the commitment that stands for person in this log.
func (l *Log) Commit(person string) string { return l.sh.keys.Commit(person) }

// Size integrates every journaled entry and returns the number of entries
// in the tree (not necessarily covered by a published checkpoint yet).
func (l *Log) Size(ctx context.Context) (uint64, error) {
	if err := l.sh.flush(ctx); err != nil {
		return 0, err
	}
	return l.sh.reader.IntegratedSize(ctx)
}

// Flush integrates every entry acknowledged so far into the tree and
// waits until a published checkpoint covers it, so that proofs and
// checkpoints cover it.
func (l *Log) Flush(ctx context.Context) error {
	n, err := l.Size(ctx)
	if err != nil {
		return err
	}
	return l.waitCheckpoint(ctx, n)
}

// ByPerson returns every logged access to person's data, oldest first,
// with Person set: who looked (or tried to), when, why, and whether it was
// allowed.
func (l *Log) ByPerson(ctx context.Context, person string) ([]Entry, error) {
	return bySubject(ctx, l.dir, person, l.sh.keys)
}

// Resolve opens e's sealed actor, if any, with the log's secret (see
// Entry.ActorSealed).
func (l *Log) Resolve(e *Entry) error { return l.sh.keys.Resolve(e) }

// Dir returns the store directory the log belongs to.
func (l *Log) Dir() string { return l.dir }
