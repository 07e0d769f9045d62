package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"os"
	"path/filepath"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
)

// integratedSize returns how many entries the tree in ldir holds: the size
// tessera's POSIX storage records after each fsynced integration (every
// acknowledged entry), or 0 for a log never written.
func integratedSize(ldir string) (uint64, error) {
	b, err := os.ReadFile(filepath.Join(ldir, ".state", "treeState"))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("audit: %w", err)
	}
	var st struct {
		Size uint64 `json:"size"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return 0, fmt.Errorf("%w: tree state: %v", ErrCorrupt, err)
	}
	return st.Size, nil
}

// readBundle returns the leaves of entry bundle i of a tree of size size.
func readBundle(ldir string, i, size uint64) ([][]byte, error) {
	p := layout.PartialTileSize(0, i, size)
	want := uint64(p)
	if p == 0 {
		want = layout.EntryBundleWidth
	}
	path := filepath.Join(ldir, layout.EntriesPath(i, p))
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && p != 0 {
		// The partial bundle may have been replaced by a larger one since.
		b, err = os.ReadFile(filepath.Join(ldir, layout.EntriesPath(i, 0)))
	}
	if err != nil {
		return nil, fmt.Errorf("%w: entry bundle %d: %v", ErrTampered, i, err)
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(b); err != nil {
		return nil, fmt.Errorf("%w: entry bundle %s: %v", ErrTampered, path, err)
	}
	if uint64(len(eb.Entries)) < want {
		return nil, fmt.Errorf("%w: entry bundle %s holds %d entries, want %d (entries removed)", ErrTampered, path, len(eb.Entries), want)
	}
	return eb.Entries[:want], nil
}

// leaves iterates over the raw leaves of the first size entries of the
// tree in ldir, in index order. A leaf is valid until the next step.
func leaves(ctx context.Context, ldir string, size uint64) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		for i := uint64(0); i*layout.EntryBundleWidth < size; i++ {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			b, err := readBundle(ldir, i, size)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, leaf := range b {
				if !yield(leaf, nil) {
					return
				}
			}
		}
	}
}

// Entries iterates over the entries of the log of the store in dir, in
// index order: every acknowledged entry, also those a published checkpoint
// does not cover yet and those still in the journal, not yet integrated
// into the tree. Person is empty (see ByPerson). An entry is valid until
// the next iteration step.
func Entries(dir string) iter.Seq2[*Entry, error] {
	return EntriesContext(context.Background(), dir)
}

// EntriesContext is Entries with a context for cancellation.
func EntriesContext(ctx context.Context, dir string) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		ldir := logDir(dir)
		// The journal is read before the tree's size: a record
		// integrated in between is then in the tree.
		recs, err := journaled(dir)
		if err != nil {
			yield(nil, err)
			return
		}
		size, err := integratedSize(ldir)
		if err != nil {
			yield(nil, err)
			return
		}
		var i uint64
		for leaf, err := range leaves(ctx, ldir, size) {
			if err != nil {
				yield(nil, err)
				return
			}
			e, err := ParseLeaf(leaf, i)
			if !yield(e, err) || err != nil {
				return
			}
			i++
		}
		for _, r := range recs {
			if r.index < size {
				continue
			}
			if r.index != i {
				yield(nil, fmt.Errorf("%w: the tree holds %d entries, the journal goes on at %d", ErrJournal, size, r.index))
				return
			}
			e, err := ParseLeaf(r.leaf, i)
			if !yield(e, err) || err != nil {
				return
			}
			i++
		}
	}
}

// flushOpen integrates the journaled entries of the log of the store in
// dir if this process has the log open (another process's entries are
// integrated by it, or by the next Open).
func flushOpen(ctx context.Context, dir string) error {
	ldir, err := filepath.Abs(logDir(dir))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	appenders.Lock()
	sh := appenders.m[ldir]
	appenders.Unlock()
	if sh == nil {
		return nil
	}
	return sh.flush(ctx)
}

// ByPerson returns every logged access to person's data in the log of the
// store in dir, resolving the person's commitment and sealed actors with
// the store's person secret (KeyDirFor(dir)). Entries have Person set.
func ByPerson(ctx context.Context, dir, person string) ([]Entry, error) {
	keys, err := LoadKeys(KeyDirFor(dir))
	if err != nil {
		return nil, err
	}
	return bySubject(ctx, dir, person, keys)
}

func bySubject(ctx context.Context, dir, person string, keys *Keys) ([]Entry, error) {
	subject := keys.Commit(person)
	var out []Entry
	for e, err := range EntriesContext(ctx, dir) {
		if err != nil {
			return nil, err
		}
		if e.Kind == KindAccess && e.Subject == subject {
			e.Person = person
			if err := keys.Resolve(e); err != nil {
				return nil, err
			}
			out = append(out, *e)
		}
	}
	return out, nil
}
