// Package store manages a varamu store directory: the manifest that lists
// every committed data file, and the transactions that add files to it.
//
// # Layout
//
//	DIR/manifest.json        the current manifest (replaced atomically)
//	DIR/history/NNNNNNNN.json every committed manifest, by generation
//	DIR/data/TXN/...          data files written by transaction TXN
//	DIR/LOCK                  held (flock) by the one writer at a time
//
// # Durability contract
//
// A transaction writes new files only; existing data files are never
// rewritten. Commit MUST fsync every new file and its directory before the
// manifest that names them is switched in with rename(2), so a crash (kill -9,
// power loss) at any moment leaves either the old manifest or the new one,
// never a mix.
//
// Commit MUST log the new generation (the SHA-256 of its manifest) in the
// store's audit log, durably, before the manifest is written to history/
// or switched in, so no generation is ever committed that the log does not
// hold. A crash after logging and before the rename leaves a generation
// that is logged but not committed; the next writer (Begin) removes its
// history file, and its own commit of that generation number is logged
// again (see package audit: the last entry before a later generation's is
// the committed one). Files of a transaction that did not commit are not named by
// any manifest; the next writer removes them. Readers read the manifest once
// (a snapshot) and see exactly the files it names, with their SHA-256
// checksums recorded so that Verify can prove them intact.
package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// FormatVersion is the manifest format this package writes and reads.
const FormatVersion = 1

// ErrNotStore is returned by Open when the directory holds no manifest.
var ErrNotStore = errors.New("store: not a varamu store (no manifest.json)")

// ErrLocked is returned by Begin when another writer holds the store.
var ErrLocked = errors.New("store: another writer holds the store lock")

// File is one committed data file.
type File struct {
	Path   string `json:"path"` // relative to the store directory, slash-separated
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Rows   int64  `json:"rows,omitempty"`
	// Part names the unit the file belongs to (a genome batch id, an ingest
	// run): files of one part are written together.
	Part string `json:"part,omitempty"`
}

// Manifest lists what a store holds at one generation.
type Manifest struct {
	Format     int       `json:"format"`
	Generation int64     `json:"generation"`
	Committed  time.Time `json:"committed"`
	// Tables maps a table name ("variants", "calls", "persons", ...) to
	// its files; a query sees the union of a table's files.
	Tables map[string][]File `json:"tables"`
	// Sections holds each domain package's own metadata (genome batches,
	// clinical identifier maps), keyed by package.
	Sections map[string]json.RawMessage `json:"sections,omitempty"`
	// Log records one line per committed transaction, newest last.
	Log []LogEntry `json:"log"`
}

// LogEntry describes one committed transaction.
type LogEntry struct {
	Generation int64     `json:"generation"`
	Time       time.Time `json:"time"`
	Action     string    `json:"action"`
	Txn        string    `json:"txn"`
}

// Section decodes the section named key into v; it reports false when the
// section is absent.
func (m *Manifest) Section(key string, v any) (bool, error) {
	raw, ok := m.Sections[key]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("store: manifest section %q: %w", key, err)
	}
	return true, nil
}

// SetSection encodes v as the section named key.
func (m *Manifest) SetSection(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: manifest section %q: %w", key, err)
	}
	if m.Sections == nil {
		m.Sections = map[string]json.RawMessage{}
	}
	m.Sections[key] = raw
	return nil
}

func (m *Manifest) clone() *Manifest {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // a Manifest always marshals
	}
	var c Manifest
	if err := json.Unmarshal(b, &c); err != nil {
		panic(err)
	}
	if c.Tables == nil {
		c.Tables = map[string][]File{}
	}
	return &c
}

// Store is an open store directory. Its manifest is the snapshot read by
// Open (or the last Refresh); a Store is safe for concurrent readers.
type Store struct {
	dir      string
	manifest *Manifest
}

// Config tune Open.
type Config struct {
	// Create makes an empty store when dir holds none. The zero value
	// opens existing stores only.
	Create bool
}

// Open opens the store in dir.
func Open(dir string, opt Config) (*Store, error) {
	s := &Store{dir: dir}
	m, err := readManifest(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, fs.ErrNotExist) {
		if err := refuseUnmanifested(dir); err != nil {
			return nil, err
		}
		if !opt.Create {
			return nil, fmt.Errorf("%s: %w", dir, ErrNotStore)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		m = &Manifest{Format: FormatVersion, Tables: map[string][]File{}}
	} else if err != nil {
		return nil, err
	}
	s.manifest = m
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	return s, nil
}

func readManifest(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: corrupt manifest: %w", path, err)
	}
	if m.Format != FormatVersion {
		return nil, fmt.Errorf("%s: manifest format %d, this varamu reads format %d", path, m.Format, FormatVersion)
	}
	if m.Tables == nil {
		m.Tables = map[string][]File{}
	}
	return &m, nil
}

// Dir returns the store directory.
func (s *Store) Dir() string { return s.dir }

// Manifest returns the snapshot this Store reads. Callers MUST NOT modify it.
func (s *Store) Manifest() *Manifest { return s.manifest }

// Refresh re-reads the manifest, with the checks of Open. A manifest that
// disappeared since Open is an error once the store has committed (and
// the directory is refused as Open refuses it).
func (s *Store) Refresh() error {
	m, err := readManifest(filepath.Join(s.dir, "manifest.json"))
	if errors.Is(err, fs.ErrNotExist) {
		if rerr := refuseUnmanifested(s.dir); rerr != nil {
			return rerr
		}
		if s.manifest.Generation > 0 {
			return fmt.Errorf("%s: %w", s.dir, ErrNoManifest)
		}
		return nil
	}
	if err != nil {
		return err
	}
	next := &Store{dir: s.dir, manifest: m}
	if err := next.checkOpen(); err != nil {
		return err
	}
	s.manifest = m
	return nil
}

// Path returns the absolute path of a committed file.
func (s *Store) Path(f File) string { return filepath.Join(s.dir, filepath.FromSlash(f.Path)) }

// Files returns the absolute paths of a table's files.
func (s *Store) Files(table string) []string {
	var out []string
	for _, f := range s.manifest.Tables[table] {
		out = append(out, s.Path(f))
	}
	return out
}

// Verify recomputes the checksum of every file the manifest names and
// returns an error naming the first file that is missing, changed or
// unsafe (VerifyDir reports them all).
func (s *Store) Verify() error {
	r, err := s.check(context.Background())
	if err != nil {
		return err
	}
	if len(r.Problems) > 0 {
		p := r.Problems[0]
		return fmt.Errorf("store: table %s: %w", p.Table, p.Err)
	}
	return nil
}

// Txn is a write transaction: files created through it become visible only
// when Commit switches in the new manifest.
type Txn struct {
	ctx   context.Context
	s     *Store
	id    string
	lock  *os.File
	base  *Manifest
	added map[string][]File
	done  bool
	// crashAt, set only by this package's tests, is called at the named
	// moments of Commit (see crashPoint).
	crashAt func(point string)
}

// Begin starts a write transaction. It takes the store's writer lock
// (returning ErrLocked if another process holds it), reads the latest
// manifest, and removes data left by transactions that never committed.
func (s *Store) Begin(ctx context.Context) (*Txn, error) {
	if err := os.MkdirAll(filepath.Join(s.dir, "data"), 0o755); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(s.dir, "LOCK"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("%s: %w", s.dir, ErrLocked)
	}
	if err := s.Refresh(); err != nil {
		lock.Close()
		return nil, err
	}
	if err := removeInterrupted(s.dir, s.manifest.Generation); err != nil {
		lock.Close()
		return nil, err
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	t := &Txn{
		ctx:   context.WithoutCancel(ctx),
		s:     s,
		id:    fmt.Sprintf("%08d-%s", s.manifest.Generation+1, hex.EncodeToString(rnd[:])),
		lock:  lock,
		base:  s.manifest.clone(),
		added: map[string][]File{},
	}
	if err := t.removeOrphans(); err != nil {
		t.Rollback()
		return nil, err
	}
	return t, ctx.Err()
}

// removeOrphans deletes data directories that no manifest names: the
// leftovers of transactions that were interrupted before they committed.
func (t *Txn) removeOrphans() error {
	used := map[string]bool{}
	for _, files := range t.base.Tables {
		for _, f := range files {
			parts := strings.Split(f.Path, "/")
			if len(parts) > 1 && parts[0] == "data" {
				used[parts[1]] = true
			}
		}
	}
	entries, err := os.ReadDir(filepath.Join(t.s.dir, "data"))
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	for _, e := range entries {
		if !used[e.Name()] {
			if err := os.RemoveAll(filepath.Join(t.s.dir, "data", e.Name())); err != nil {
				return fmt.Errorf("store: removing uncommitted data: %w", err)
			}
		}
	}
	return nil
}

// ID returns the transaction id, which names its data directory.
func (t *Txn) ID() string { return t.id }

// Base returns the manifest the transaction started from. Callers MUST NOT
// modify it; edit the manifest in Commit's callback.
func (t *Txn) Base() *Manifest { return t.base }

// Create creates a new data file of the transaction at the relative path
// rel (e.g. "genome/batch-3/calls.parquet") and returns it with its
// store-relative path, to be passed to Add once written and closed.
func (t *Txn) Create(rel string) (*os.File, string, error) {
	if t.done {
		return nil, "", errors.New("store: transaction already ended")
	}
	if filepath.IsAbs(rel) || strings.Contains(rel, "..") {
		return nil, "", fmt.Errorf("store: bad file name %q", rel)
	}
	relPath := "data/" + t.id + "/" + filepath.ToSlash(rel)
	abs := filepath.Join(t.s.dir, filepath.FromSlash(relPath))
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		return nil, "", fmt.Errorf("store: %w", err)
	}
	f, err := os.OpenFile(abs, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, "", fmt.Errorf("store: %w", err)
	}
	return f, relPath, nil
}

// Add records a written file (by the store-relative path Create returned)
// as part of table. The file MUST be closed; Commit checksums it.
func (t *Txn) Add(table, relPath, part string, rows int64) {
	t.added[table] = append(t.added[table], File{Path: relPath, Rows: rows, Part: part})
}

// Commit makes the transaction's files durable and switches in a manifest
// that names them, after edit (which may be nil) has adjusted it. edit sees
// the base manifest with the added files already appended to their tables.
func (t *Txn) Commit(action string, edit func(m *Manifest) error) error {
	if t.done {
		return errors.New("store: transaction already ended")
	}
	defer t.Rollback()
	m := t.base.clone()
	dirs := map[string]bool{}
	for table, files := range t.added {
		for _, f := range files {
			abs := filepath.Join(t.s.dir, filepath.FromSlash(f.Path))
			if err := syncFile(abs); err != nil {
				return err
			}
			sum, size, err := checksum(abs)
			if err != nil {
				return err
			}
			f.SHA256, f.Size = sum, size
			m.Tables[table] = append(m.Tables[table], f)
			for d := filepath.Dir(abs); strings.HasPrefix(d, t.s.dir) && d != t.s.dir; d = filepath.Dir(d) {
				dirs[d] = true
			}
		}
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	if err := syncDir(filepath.Join(t.s.dir, "data")); err != nil {
		return err
	}
	if edit != nil {
		if err := edit(m); err != nil {
			return err
		}
	}
	m.Format = FormatVersion
	m.Generation = t.base.Generation + 1
	m.Committed = time.Now().UTC()
	m.Log = append(m.Log, LogEntry{Generation: m.Generation, Time: m.Committed, Action: action, Txn: t.id})
	b, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := t.logCommit(m.Generation, b); err != nil {
		return err
	}
	t.crashPoint("logged")
	if err := writeHistory(t.s.dir, m.Generation, b); err != nil {
		return err
	}
	t.crashPoint("history written")
	tmp := filepath.Join(t.s.dir, "manifest.json.tmp")
	if err := writeSynced(tmp, b); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(t.s.dir, "manifest.json")); err != nil {
		return fmt.Errorf("store: switching manifest: %w", err)
	}
	// From here the new manifest is in place: its files must never be
	// removed by Rollback, whatever happens next.
	t.added = nil
	t.s.manifest = m
	return syncDir(t.s.dir)
}

// Rollback ends the transaction without committing: its files are removed
// and the writer lock released. It is a no-op after Commit.
func (t *Txn) Rollback() error {
	if t.done {
		return nil
	}
	t.done = true
	var err error
	if t.added != nil {
		err = os.RemoveAll(filepath.Join(t.s.dir, "data", t.id))
	}
	if t.base.Generation == 0 {
		// Nothing was ever committed: leave no half-made store behind (the
		// directory itself only if it is then empty).
		if _, serr := os.Stat(filepath.Join(t.s.dir, "manifest.json")); os.IsNotExist(serr) {
			os.Remove(filepath.Join(t.s.dir, "data"))
			os.Remove(filepath.Join(t.s.dir, "LOCK"))
			os.Remove(t.s.dir)
		}
	}
	t.lock.Close()
	return err
}

// TableNames returns the names of the tables that have files, sorted.
func (m *Manifest) TableNames() []string {
	var names []string
	for n, f := range m.Tables {
		if len(f) > 0 {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

func checksum(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, fmt.Errorf("store: %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("store: fsync %s: %w", path, err)
	}
	return nil
}

func syncDir(path string) error { return syncFile(path) }

func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("store: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("store: fsync %s: %w", path, err)
	}
	return f.Close()
}
