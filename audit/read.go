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
// does not cover yet. Person is empty (see ByPerson). An entry is valid
// until the next iteration step.
func Entries(dir string) iter.Seq2[*Entry, error] {
	return EntriesContext(context.Background(), dir)
}

// EntriesContext is Entries with a context for cancellation.
func EntriesContext(ctx context.Context, dir string) iter.Seq2[*Entry, error] {
	return func(yield func(*Entry, error) bool) {
		ldir := logDir(dir)
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
	}
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
