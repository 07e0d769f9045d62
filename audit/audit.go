// Package audit keeps varamu's access log: every access decision about
// person-level data, allowed or denied, in an append-only, tamper-evident log.
//
// The log is an RFC 6962 (Certificate Transparency) Merkle tree, computed with
// github.com/transparency-dev/merkle: each entry is one line of JSON in an
// append-only file, its leaf hash is SHA-256(0x00 || line), and after every
// append the new tree size and root hash are written as a checkpoint. Verify
// recomputes the tree from the entries and compares it with every checkpoint,
// so a changed, removed or re-ordered entry is detected; publishing (anchoring)
// a checkpoint outside the store, as the Estonian HIS does with KSI time
// stamps, also detects a rewrite of the whole log.
//
// # Layout
//
//	DIR/audit/entries.jsonl      one Entry per line, index order
//	DIR/audit/checkpoints.txt    "size root-hex time" per append, in order
//
// # Durability contract
//
// Append MUST NOT return before the entries and the checkpoint that covers
// them are written and fsynced: a caller that gets a nil error from Append
// may release data, and a caller that gets an error MUST NOT. Several
// processes may append to one log; appends are serialised with flock(2).
package audit

import (
	"bufio"
	"bytes"
	"context"
	"crypto"
	_ "crypto/sha256" // the RFC 6962 hasher uses SHA-256
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
)

// ErrTampered is returned (wrapped) by Verify when the entries do not match a
// checkpoint: an entry was changed, removed, inserted or re-ordered.
var ErrTampered = errors.New("audit: log does not match its checkpoints")

// ErrCorrupt is returned (wrapped) when a log file cannot be parsed.
var ErrCorrupt = errors.New("audit: corrupt log file")

// Entry is one access decision. The fields are plain strings so that the
// log does not depend on the packages that make decisions.
type Entry struct {
	// Index is the entry's position in the log (0-based), set by Append.
	Index uint64 `json:"index"`
	// Logged is when the entry was written, set by Append.
	Logged time.Time `json:"logged"`
	Time   time.Time `json:"time"` // the moment the access is about
	// Actor identifies who asked: a professional's id, a person's id, a
	// researcher's id or a batch job's name.
	Actor   string `json:"actor"`
	Role    string `json:"role"`
	Licence string `json:"licence,omitempty"` // professional licence number
	// Person is the person whose data the access is about.
	Person  string `json:"person"`
	Purpose string `json:"purpose"`
	Reason  string `json:"reason,omitempty"` // stated reason (emergency access)
	Use     string `json:"use,omitempty"`    // research use, as DUO codes
	Allowed bool   `json:"allowed"`
	// Rule says which rule decided, in words a person can read.
	Rule string `json:"rule"`
	// Flagged marks accesses the person must be told about (emergency
	// access to closed data).
	Flagged bool `json:"flagged,omitempty"`
}

// Checkpoint is the size and root hash of the log's Merkle tree.
type Checkpoint struct {
	Size uint64
	Root []byte
	Time time.Time
}

// String formats a checkpoint as written in checkpoints.txt.
func (c Checkpoint) String() string {
	return strconv.FormatUint(c.Size, 10) + " " + hex.EncodeToString(c.Root) + " " + c.Time.UTC().Format(time.RFC3339Nano)
}

// ParseCheckpoint parses the String form of a checkpoint.
func ParseCheckpoint(s string) (Checkpoint, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint %q: want \"size root time\"", ErrCorrupt, s)
	}
	size, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint %q: size: %v", ErrCorrupt, s, err)
	}
	root, err := hex.DecodeString(f[1])
	if err != nil || len(root) != crypto.SHA256.Size() {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint %q: want a 64-digit hex root", ErrCorrupt, s)
	}
	t, err := time.Parse(time.RFC3339Nano, f[2])
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint %q: time: %v", ErrCorrupt, s, err)
	}
	return Checkpoint{Size: size, Root: root, Time: t}, nil
}

var hasher = rfc6962.DefaultHasher

func newFactory() *compact.RangeFactory {
	return &compact.RangeFactory{Hash: hasher.HashChildren}
}

// Log is an open audit log. It is safe for concurrent use.
type Log struct {
	mu      sync.Mutex
	dir     string
	entries *os.File
	cps     *os.File
	rng     *compact.Range
	offset  int64 // bytes of entries.jsonl folded into rng
	closed  bool
	now     func() time.Time
}

// Open opens (creating if needed) the audit log of the store directory dir.
// It reads the existing entries to rebuild the tree; a torn last line left by
// a crash during an append (no checkpoint covers it) is cut off.
func Open(dir string) (*Log, error) {
	adir := filepath.Join(dir, "audit")
	if err := os.MkdirAll(adir, 0o755); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	ef, err := os.OpenFile(filepath.Join(adir, "entries.jsonl"), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	cf, err := os.OpenFile(filepath.Join(adir, "checkpoints.txt"), os.O_CREATE|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		ef.Close()
		return nil, fmt.Errorf("audit: %w", err)
	}
	l := &Log{dir: dir, entries: ef, cps: cf, rng: newFactory().NewEmptyRange(0), now: time.Now}
	if err := l.lock(); err != nil {
		l.Close()
		return nil, err
	}
	err = l.catchUp(true)
	l.unlock()
	if err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func (l *Log) lock() error {
	if err := syscall.Flock(int(l.entries.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("audit: lock: %w", err)
	}
	return nil
}

func (l *Log) unlock() { _ = syscall.Flock(int(l.entries.Fd()), syscall.LOCK_UN) }

// catchUp folds entries appended since l.offset (by this or another process)
// into the tree. With repair, a torn final line is cut off.
func (l *Log) catchUp(repair bool) error {
	st, err := l.entries.Stat()
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if st.Size() == l.offset {
		return nil
	}
	r := bufio.NewReaderSize(io.NewSectionReader(l.entries, l.offset, st.Size()-l.offset), 1<<16)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] != '\n' {
			// A torn write: the append that wrote it never returned.
			if !repair {
				return fmt.Errorf("%w: entries.jsonl: incomplete last line", ErrCorrupt)
			}
			if err := l.entries.Truncate(l.offset); err != nil {
				return fmt.Errorf("audit: cutting torn entry: %w", err)
			}
			return nil
		}
		if len(line) > 0 {
			if err := l.rng.Append(hasher.HashLeaf(line[:len(line)-1]), nil); err != nil {
				return fmt.Errorf("audit: %w", err)
			}
			l.offset += int64(len(line))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
}

// Append adds entries to the log, setting their Index, and returns once
// they and a new checkpoint are durable (see the package's durability
// contract). On error nothing the caller may rely on was logged.
func (l *Log) Append(ctx context.Context, entries ...*Entry) (Checkpoint, error) {
	if err := ctx.Err(); err != nil {
		return Checkpoint{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return Checkpoint{}, errors.New("audit: log is closed")
	}
	if err := l.lock(); err != nil {
		return Checkpoint{}, err
	}
	defer l.unlock()
	if err := l.catchUp(false); err != nil {
		return Checkpoint{}, err
	}
	now := l.now().UTC()
	var buf bytes.Buffer
	leaves := make([][]byte, 0, len(entries))
	for i, e := range entries {
		e.Index = l.rng.End() + uint64(i)
		e.Time = e.Time.UTC()
		e.Logged = now
		b, err := json.Marshal(e)
		if err != nil {
			return Checkpoint{}, fmt.Errorf("audit: %w", err)
		}
		leaves = append(leaves, hasher.HashLeaf(b))
		buf.Write(b)
		buf.WriteByte('\n')
	}
	if _, err := l.entries.Write(buf.Bytes()); err != nil {
		_ = l.entries.Truncate(l.offset)
		return Checkpoint{}, fmt.Errorf("audit: writing entries: %w", err)
	}
	if err := l.entries.Sync(); err != nil {
		return Checkpoint{}, fmt.Errorf("audit: fsync entries: %w", err)
	}
	for _, h := range leaves {
		if err := l.rng.Append(h, nil); err != nil {
			return Checkpoint{}, fmt.Errorf("audit: %w", err)
		}
	}
	l.offset += int64(buf.Len())
	cp, err := l.checkpoint()
	if err != nil {
		return Checkpoint{}, err
	}
	if _, err := l.cps.WriteString(cp.String() + "\n"); err != nil {
		return Checkpoint{}, fmt.Errorf("audit: writing checkpoint: %w", err)
	}
	if err := l.cps.Sync(); err != nil {
		return Checkpoint{}, fmt.Errorf("audit: fsync checkpoint: %w", err)
	}
	return cp, nil
}

func (l *Log) checkpoint() (Checkpoint, error) {
	root, err := rootOf(l.rng)
	if err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{Size: l.rng.End(), Root: root, Time: l.now().UTC()}, nil
}

func rootOf(r *compact.Range) ([]byte, error) {
	if r.End() == 0 {
		return hasher.EmptyRoot(), nil
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return root, nil
}

// Checkpoint returns the current size and root of the log as this process
// knows it.
func (l *Log) Checkpoint() (Checkpoint, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checkpoint()
}

// Close closes the log files.
func (l *Log) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	return errors.Join(l.entries.Close(), l.cps.Close())
}

// Entries iterates over the entries of the log in dir, in index order. An
// entry is valid until the next iteration step.
func Entries(dir string) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		f, err := os.Open(filepath.Join(dir, "audit", "entries.jsonl"))
		if errors.Is(err, os.ErrNotExist) {
			return
		}
		if err != nil {
			yield(nil, fmt.Errorf("audit: %w", err))
			return
		}
		defer f.Close()
		r := bufio.NewReaderSize(f, 1<<16)
		var e Entry
		for n := 1; ; n++ {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				if line[len(line)-1] != '\n' {
					yield(nil, fmt.Errorf("%w: entries.jsonl:%d: incomplete line", ErrCorrupt, n))
					return
				}
				e = Entry{}
				if jerr := json.Unmarshal(line, &e); jerr != nil {
					yield(nil, fmt.Errorf("%w: entries.jsonl:%d: %v", ErrCorrupt, n, jerr))
					return
				}
				if e.Index != uint64(n-1) {
					yield(nil, fmt.Errorf("%w: entries.jsonl:%d: entry has index %d, want %d", ErrTampered, n, e.Index, n-1))
					return
				}
				if !yield(&e, nil) {
					return
				}
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(nil, fmt.Errorf("audit: %w", err))
				return
			}
		}
	}
}

// ByPerson returns every logged access to person's data, oldest first: who
// looked (or tried to), when, why, and whether it was allowed.
func ByPerson(ctx context.Context, dir, person string) ([]Entry, error) {
	var out []Entry
	for e, err := range Entries(dir) {
		if err != nil {
			return nil, err
		}
		if e.Person == person {
			out = append(out, *e)
		}
		if e.Index%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// leafHashes reads the leaf hash of every entry line in dir's log,
// checking that each line is an Entry with the index of its position.
func leafHashes(dir string) ([][]byte, error) {
	f, err := os.Open(filepath.Join(dir, "audit", "entries.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<16)
	var out [][]byte
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			if line[len(line)-1] != '\n' {
				return nil, fmt.Errorf("%w: entries.jsonl:%d: incomplete line", ErrCorrupt, n)
			}
			var e Entry
			if err := json.Unmarshal(line, &e); err != nil {
				return nil, fmt.Errorf("%w: entries.jsonl:%d: %v", ErrCorrupt, n, err)
			}
			if e.Index != uint64(n-1) {
				return nil, fmt.Errorf("%w: entries.jsonl:%d: entry has index %d, want %d", ErrTampered, n, e.Index, n-1)
			}
			out = append(out, hasher.HashLeaf(line[:len(line)-1]))
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
	}
}

// Checkpoints reads every checkpoint recorded in dir's log, oldest first.
func Checkpoints(dir string) ([]Checkpoint, error) {
	b, err := os.ReadFile(filepath.Join(dir, "audit", "checkpoints.txt"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	var out []Checkpoint
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" {
			continue
		}
		cp, err := ParseCheckpoint(line)
		if err != nil {
			return nil, fmt.Errorf("checkpoints.txt:%d: %w", i+1, err)
		}
		out = append(out, cp)
	}
	return out, nil
}

// Verify recomputes the Merkle tree of the log in dir and checks it against
// every recorded checkpoint and, when trusted is not nil, against a
// checkpoint kept outside the store (an anchor). It returns the checkpoint
// of the entries as they are now. A mismatch wraps ErrTampered and names the
// first checkpoint (hence the range of entries) that no longer matches.
func Verify(ctx context.Context, dir string, trusted *Checkpoint) (Checkpoint, error) {
	leaves, err := leafHashes(dir)
	if err != nil {
		return Checkpoint{}, err
	}
	cps, err := Checkpoints(dir)
	if err != nil {
		return Checkpoint{}, err
	}
	if trusted != nil {
		cps = append(cps, *trusted)
	}
	// Check checkpoints in size order while growing one compact range.
	rng := newFactory().NewEmptyRange(0)
	var prev uint64
	for i, cp := range cps {
		if err := ctx.Err(); err != nil {
			return Checkpoint{}, err
		}
		if cp.Size > uint64(len(leaves)) {
			return Checkpoint{}, fmt.Errorf("%w: checkpoint %d covers %d entries, the log holds %d (entries removed)", ErrTampered, i+1, cp.Size, len(leaves))
		}
		if cp.Size < prev {
			// Checkpoints are written in growing order; an anchor may be older.
			r2 := newFactory().NewEmptyRange(0)
			for _, h := range leaves[:cp.Size] {
				if err := r2.Append(h, nil); err != nil {
					return Checkpoint{}, fmt.Errorf("audit: %w", err)
				}
			}
			if err := matchRoot(r2, cp, i, prev); err != nil {
				return Checkpoint{}, err
			}
			continue
		}
		for _, h := range leaves[rng.End():cp.Size] {
			if err := rng.Append(h, nil); err != nil {
				return Checkpoint{}, fmt.Errorf("audit: %w", err)
			}
		}
		if err := matchRoot(rng, cp, i, prev); err != nil {
			return Checkpoint{}, err
		}
		prev = cp.Size
	}
	for _, h := range leaves[rng.End():] {
		if err := rng.Append(h, nil); err != nil {
			return Checkpoint{}, fmt.Errorf("audit: %w", err)
		}
	}
	root, err := rootOf(rng)
	if err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{Size: rng.End(), Root: root}, nil
}

func matchRoot(r *compact.Range, cp Checkpoint, i int, prev uint64) error {
	root, err := rootOf(r)
	if err != nil {
		return err
	}
	if !bytes.Equal(root, cp.Root) {
		return fmt.Errorf("%w: checkpoint %d (size %d): root %x, entries give %x; an entry before index %d was changed or removed",
			ErrTampered, i+1, cp.Size, cp.Root, root, cp.Size)
	}
	return nil
}

// InclusionProof returns the RFC 6962 audit path proving that entry index
// is in the tree of the given size of dir's log; a person who holds a
// published checkpoint can check it with VerifyInclusion.
func InclusionProof(dir string, index, size uint64) ([][]byte, error) {
	leaves, err := leafHashes(dir)
	if err != nil {
		return nil, err
	}
	if size > uint64(len(leaves)) {
		return nil, fmt.Errorf("audit: tree size %d beyond log size %d", size, len(leaves))
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	hashes := make([][]byte, len(nodes.IDs))
	for i, id := range nodes.IDs {
		begin, end := id.Coverage()
		r := newFactory().NewEmptyRange(0)
		for _, h := range leaves[begin:end] {
			if err := r.Append(h, nil); err != nil {
				return nil, fmt.Errorf("audit: %w", err)
			}
		}
		if hashes[i], err = rootOf(r); err != nil {
			return nil, err
		}
	}
	p, err := nodes.Rehash(hashes, hasher.HashChildren)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return p, nil
}

// VerifyInclusion checks that e (as logged, with its Index) is in the tree
// described by cp, using an inclusion proof.
func VerifyInclusion(e Entry, cp Checkpoint, p [][]byte) error {
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if err := proof.VerifyInclusion(hasher, e.Index, cp.Size, hasher.HashLeaf(b), p, cp.Root); err != nil {
		return fmt.Errorf("%w: %v", ErrTampered, err)
	}
	return nil
}

// ByPerson returns every logged access to person's data in this log; see
// the package function ByPerson.
func (l *Log) ByPerson(ctx context.Context, person string) ([]Entry, error) {
	return ByPerson(ctx, l.dir, person)
}

// Dir returns the store directory the log belongs to.
func (l *Log) Dir() string { return l.dir }
