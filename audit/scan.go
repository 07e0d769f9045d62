package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/tessera/api/layout"
)

// hashSize is the size of a tree hash (SHA-256).
const hashSize = sha256.Size

// treeScan is what reading every entry bundle of a tree found: the leaf
// hashes, the roots of the complete 256-leaf subtrees (the nodes of hash
// tile level 1) and the first level-0 hash tile that does not match.
type treeScan struct {
	leaves  []byte // leaf hashes, hashSize bytes each, in index order
	level1  []byte // subtree roots, hashSize bytes each
	tileErr error
}

// scanTree reads, parses and hashes every entry of a tree of size entries
// in ldir, one entry bundle at a time on each core, and checks each
// level-0 hash tile against the bundle's leaf hashes. A bundle that
// cannot be read or an entry that does not parse is an error at once;
// a tile that does not match is kept in tileErr (the caller reports a
// checkpoint that does not match first, as that names the entry).
func scanTree(ctx context.Context, ldir string, size uint64) (*treeScan, error) {
	const w = layout.EntryBundleWidth // also the hash tile width
	nb := (size + w - 1) / w
	sc := &treeScan{leaves: make([]byte, size*hashSize), level1: make([]byte, size/w*hashSize)}
	errs := make([]error, nb)
	tileErrs := make([]error, nb)
	var next atomic.Uint64
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range min(uint64(runtime.GOMAXPROCS(0)), max(nb, 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := bundleScanner{h: sha256.New()}
			for i := next.Add(1) - 1; i < nb && !failed.Load(); i = next.Add(1) - 1 {
				if errs[i] = ctx.Err(); errs[i] == nil {
					errs[i], tileErrs[i] = b.scan(ldir, i, size, sc)
				}
				if errs[i] != nil {
					failed.Store(true)
				}
			}
		}()
	}
	wg.Wait()
	for i := range nb {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if tileErrs[i] != nil && sc.tileErr == nil {
			sc.tileErr = tileErrs[i]
		}
	}
	return sc, nil
}

// bundleScanner is one worker's state, reused from bundle to bundle.
type bundleScanner struct {
	h       hash.Hash
	scratch []byte
}

// scan hashes the leaves of bundle i into sc.leaves, and the subtree root
// of a complete bundle into sc.level1, and checks the bundle's level-0
// hash tile (tileErr).
func (b *bundleScanner) scan(ldir string, i, size uint64, sc *treeScan) (err, tileErr error) {
	const w = layout.EntryBundleWidth
	leaves, err := readBundle(ldir, i, size)
	if err != nil {
		return err, nil
	}
	mine := sc.leaves[i*w*hashSize : (i*w+uint64(len(leaves)))*hashSize]
	for j, leaf := range leaves {
		// Each leaf is checked to be one JSON object, in one pass without
		// allocating; its content is covered by the leaf hash (ParseLeaf
		// decodes it when it is read).
		if len(leaf) == 0 || leaf[0] != '{' || !json.Valid(leaf) {
			return fmt.Errorf("%w (%w: entry %d is not a JSON object)", ErrTampered, ErrCorrupt, i*w+uint64(j)), nil
		}
		b.h.Reset()
		b.h.Write([]byte{0}) // RFC 6962 leaf prefix
		b.h.Write(leaf)
		b.h.Sum(mine[j*hashSize : j*hashSize])
	}
	p := layout.PartialTileSize(0, i, size)
	name := layout.TilePath(0, i, p)
	got, err := os.ReadFile(filepath.Join(ldir, name))
	if err != nil {
		tileErr = fmt.Errorf("%w: hash tile %s: %v", ErrTampered, name, err)
	} else if !bytes.Equal(got, mine) {
		tileErr = fmt.Errorf("%w: hash tile %s does not match the entries (changed or truncated)", ErrTampered, name)
	}
	if p == 0 {
		b.scratch = append(b.scratch[:0], mine...)
		subtreeRoot(b.h, b.scratch, sc.level1[i*hashSize:(i+1)*hashSize])
	}
	return nil, tileErr
}

// subtreeRoot writes into dst the root of the complete subtree whose leaf
// hashes are nodes (a power of two of them); nodes is overwritten.
func subtreeRoot(h hash.Hash, nodes, dst []byte) {
	for n := len(nodes) / hashSize; n > 1; n /= 2 {
		for k := range n / 2 {
			h.Reset()
			h.Write([]byte{1}) // RFC 6962 node prefix
			h.Write(nodes[2*k*hashSize : (2*k+2)*hashSize])
			h.Sum(nodes[k*hashSize : k*hashSize])
		}
	}
	copy(dst, nodes[:hashSize])
}

// roots returns the root of the tree at each checkpoint size and at size.
func (sc *treeScan) roots(size uint64, checks []Checkpoint) (map[uint64][]byte, error) {
	want := map[uint64]bool{size: true}
	for _, c := range checks {
		want[c.Size] = true
	}
	roots := map[uint64][]byte{}
	if want[0] {
		roots[0] = hasher.EmptyRoot()
	}
	rng := (&compact.RangeFactory{Hash: hasher.HashChildren}).NewEmptyRange(0)
	for i := uint64(0); i < size; i++ {
		if err := rng.Append(sc.leaves[i*hashSize:(i+1)*hashSize], nil); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		if want[i+1] {
			r, err := rng.GetRootHash(nil)
			if err != nil {
				return nil, fmt.Errorf("audit: %w", err)
			}
			roots[i+1] = r
		}
	}
	return roots, nil
}

// verifyTiles reports a level-0 hash tile that did not match, then checks
// the hash tiles of the higher levels (C2SP tlog-tiles) against the
// subtree roots, level by level.
func (sc *treeScan) verifyTiles(ctx context.Context, ldir string, size uint64) error {
	if sc.tileErr != nil {
		return sc.tileErr
	}
	const w = layout.TileWidth
	nodes := sc.level1
	for level := uint64(1); len(nodes) > 0; level++ {
		n := uint64(len(nodes) / hashSize)
		for t := uint64(0); t*w < n; t++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := layout.PartialTileSize(level, t, size)
			end := min(n, (t+1)*w)
			name := layout.TilePath(level, t, p)
			got, err := os.ReadFile(filepath.Join(ldir, name))
			if err != nil {
				return fmt.Errorf("%w: hash tile %s: %v", ErrTampered, name, err)
			}
			if !bytes.Equal(got, nodes[t*w*hashSize:end*hashSize]) {
				return fmt.Errorf("%w: hash tile %s does not match the entries (changed or truncated)", ErrTampered, name)
			}
		}
		next := make([]byte, n/w*hashSize)
		h := sha256.New()
		for t := range n / w {
			subtreeRoot(h, nodes[t*w*hashSize:(t+1)*w*hashSize], next[t*hashSize:(t+1)*hashSize])
		}
		nodes = next
	}
	return nil
}
