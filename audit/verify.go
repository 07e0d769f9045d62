package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/api/layout"
)

// ErrTampered is returned (wrapped) by Verify when the log does not match
// a checkpoint: an entry was changed, removed, inserted or re-ordered, a
// tile was changed or truncated, or the log was rolled back or rewritten.
var ErrTampered = errors.New("audit: log does not match its checkpoints")

// ErrCorrupt is returned (wrapped) when a log file cannot be parsed.
var ErrCorrupt = errors.New("audit: corrupt log file")

var hasher = rfc6962.DefaultHasher

// VerifyOptions say what Verify trusts. The zero value reads the log key
// and the witnesses from the store's key directory (KeyDirFor).
type VerifyOptions struct {
	// LogKey is the log's note verifier key; "" reads KEYDIR/log.pub.
	LogKey string
	// WitnessKeys are cosignature verifier keys; nil reads the witnesses
	// file of the key directory.
	WitnessKeys []string
	// RequireWitness fails verification when no checkpoint cosigned by a
	// witness is kept with the log; it is implied when WitnessKeys (given
	// or configured) is not empty.
	RequireWitness bool
	// Trusted are signed checkpoints published elsewhere; the log must
	// extend each of them.
	Trusted [][]byte
}

// Report is what Verify found.
type Report struct {
	// Entries is the number of entries in the tree, all of them checked.
	Entries uint64
	// Root is the root hash of all Entries.
	Root []byte
	// Checkpoint is the latest published checkpoint, signature checked.
	Checkpoint Checkpoint
	// Witnessed is the latest witness-cosigned checkpoint, if any.
	Witnessed *Checkpoint
	// Trusted are the checkpoints of VerifyOptions.Trusted, as parsed.
	Trusted []Checkpoint
}

func (o VerifyOptions) resolve(dir string) (VerifyOptions, error) {
	kd := KeyDirFor(dir)
	if o.LogKey == "" {
		b, err := os.ReadFile(filepath.Join(kd, logPubFile))
		if err != nil {
			return o, fmt.Errorf("audit: no log key given and %w", err)
		}
		o.LogKey = strings.TrimSpace(string(b))
	}
	if o.WitnessKeys == nil {
		ws, err := readWitnesses(filepath.Join(kd, witnessesFile))
		if err != nil {
			return o, err
		}
		for _, w := range ws {
			o.WitnessKeys = append(o.WitnessKeys, w.Key)
		}
	}
	return o, nil
}

// VerifyLog checks the log of the store in dir: every entry bundle and
// hash tile against the tree recomputed from the entries, the latest
// checkpoint's log signature and root, the latest witnessed checkpoint's
// cosignatures and that the log extends it, and that the log extends every
// trusted checkpoint. Any mismatch wraps ErrTampered or ErrSignature and
// names what does not match.
func VerifyLog(ctx context.Context, dir string, opt VerifyOptions) (*Report, error) {
	opt, err := opt.resolve(dir)
	if err != nil {
		return nil, err
	}
	ldir := logDir(dir)
	rep := &Report{}
	checks, err := checkpointsToCheck(dir, opt, rep)
	if err != nil {
		return nil, err
	}
	if rep.Entries, err = integratedSize(ldir); err != nil {
		return nil, err
	}
	hashes, roots, err := recompute(ctx, ldir, rep.Entries, checks)
	if err != nil {
		return nil, err
	}
	for _, c := range checks {
		if c.Size > rep.Entries {
			return nil, fmt.Errorf("%w: checkpoint of size %d, the log holds %d entries (rolled back or entries removed)", ErrTampered, c.Size, rep.Entries)
		}
		if !bytes.Equal(roots[c.Size], c.Root) {
			return nil, fmt.Errorf("%w: checkpoint of size %d has root %x, the entries give %x: an entry before index %d was changed, removed or reordered, or the log was rewritten",
				ErrTampered, c.Size, c.Root, roots[c.Size], c.Size)
		}
	}
	rep.Root = roots[rep.Entries]
	if err := verifyTiles(ctx, ldir, hashes); err != nil {
		return nil, err
	}
	return rep, nil
}

// checkpointsToCheck verifies the signatures of the latest checkpoint, the
// witnessed one and the trusted ones, records them in rep and returns them.
func checkpointsToCheck(dir string, opt VerifyOptions, rep *Report) ([]Checkpoint, error) {
	b, err := os.ReadFile(filepath.Join(logDir(dir), layout.CheckpointPath))
	if err != nil {
		return nil, fmt.Errorf("%w: no checkpoint: %v", ErrTampered, err)
	}
	if rep.Checkpoint, err = VerifyCheckpoint(b, opt.LogKey, opt.WitnessKeys...); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	checks := []Checkpoint{rep.Checkpoint}
	if rep.Witnessed, err = witnessedToCheck(dir, opt); err != nil {
		return nil, err
	}
	if rep.Witnessed != nil {
		checks = append(checks, *rep.Witnessed)
	}
	for i, t := range opt.Trusted {
		tc, err := VerifyCheckpoint(t, opt.LogKey, opt.WitnessKeys...)
		if err != nil {
			return nil, fmt.Errorf("trusted checkpoint %d: %w", i+1, err)
		}
		rep.Trusted = append(rep.Trusted, tc)
		checks = append(checks, tc)
	}
	return checks, nil
}

// witnessedToCheck returns the witnessed checkpoint kept with the log,
// signatures checked, or nil when there is none and none is required.
func witnessedToCheck(dir string, opt VerifyOptions) (*Checkpoint, error) {
	w, ok, err := ReadWitnessed(dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		if opt.RequireWitness || len(opt.WitnessKeys) > 0 {
			return nil, fmt.Errorf("%w: witnesses are configured but no witnessed checkpoint is kept with the log (removed, or run varamu audit checkpoint)", ErrSignature)
		}
		return nil, nil
	}
	wc, err := VerifyCheckpoint(w.Signed, opt.LogKey, opt.WitnessKeys...)
	if err != nil {
		return nil, fmt.Errorf("witnessed checkpoint: %w", err)
	}
	if len(wc.Witnesses) == 0 && len(opt.WitnessKeys) > 0 {
		return nil, fmt.Errorf("%w: the witnessed checkpoint carries no cosignature from a known witness", ErrSignature)
	}
	return &wc, nil
}

// recompute reads every leaf, returning the leaf hashes and the root of
// the tree at each checkpoint size and at size.
func recompute(ctx context.Context, ldir string, size uint64, checks []Checkpoint) ([][]byte, map[uint64][]byte, error) {
	want := map[uint64]bool{size: true}
	for _, c := range checks {
		want[c.Size] = true
	}
	roots := map[uint64][]byte{}
	rng := (&compact.RangeFactory{Hash: hasher.HashChildren}).NewEmptyRange(0)
	record := func() error {
		if !want[rng.End()] {
			return nil
		}
		if rng.End() == 0 {
			roots[0] = hasher.EmptyRoot()
			return nil
		}
		r, err := rng.GetRootHash(nil)
		roots[rng.End()] = r
		return err
	}
	if err := record(); err != nil {
		return nil, nil, err
	}
	hashes := make([][]byte, 0, size)
	var i uint64
	for leaf, err := range leaves(ctx, ldir, size) {
		if err != nil {
			return nil, nil, err
		}
		if _, err := ParseLeaf(leaf, i); err != nil {
			return nil, nil, fmt.Errorf("%w (%v)", ErrTampered, err)
		}
		h := hasher.HashLeaf(leaf)
		hashes = append(hashes, h)
		if err := rng.Append(h, nil); err != nil {
			return nil, nil, fmt.Errorf("audit: %w", err)
		}
		if err := record(); err != nil {
			return nil, nil, fmt.Errorf("audit: %w", err)
		}
		i++
	}
	return hashes, roots, nil
}

// verifyTiles checks every hash tile of the tree (C2SP tlog-tiles) against
// the hashes recomputed from the entries, level by level.
func verifyTiles(ctx context.Context, ldir string, nodes [][]byte) error {
	size := uint64(len(nodes))
	for level := uint64(0); len(nodes) > 0; level++ {
		for t := uint64(0); t*layout.TileWidth < uint64(len(nodes)); t++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			p := layout.PartialTileSize(level, t, size)
			end := min(uint64(len(nodes)), (t+1)*layout.TileWidth)
			path := filepath.Join(ldir, layout.TilePath(level, t, p))
			got, err := os.ReadFile(path)
			if err != nil {
				return fmt.Errorf("%w: hash tile %s: %v", ErrTampered, layout.TilePath(level, t, p), err)
			}
			if !bytes.Equal(got, bytes.Join(nodes[t*layout.TileWidth:end], nil)) {
				return fmt.Errorf("%w: hash tile %s does not match the entries (changed or truncated)", ErrTampered, layout.TilePath(level, t, p))
			}
		}
		nodes = subtreeRoots(nodes)
	}
	return nil
}

// subtreeRoots returns the roots of each complete run of TileWidth nodes:
// the nodes of the next tile level.
func subtreeRoots(nodes [][]byte) [][]byte {
	out := make([][]byte, 0, len(nodes)/layout.TileWidth)
	for s := 0; s+layout.TileWidth <= len(nodes); s += layout.TileWidth {
		row := append([][]byte(nil), nodes[s:s+layout.TileWidth]...)
		for len(row) > 1 {
			for i := 0; i < len(row)/2; i++ {
				row[i] = hasher.HashChildren(row[2*i], row[2*i+1])
			}
			row = row[:len(row)/2]
		}
		out = append(out, row[0])
	}
	return out
}

// Verify checks the log of the store in dir with the keys of its key
// directory (see VerifyLog) and, when trusted is not nil, that the log
// extends that checkpoint. It returns the size and root of the tree.
func Verify(ctx context.Context, dir string, trusted *Checkpoint) (Checkpoint, error) {
	var opt VerifyOptions
	if trusted != nil {
		opt.Trusted = [][]byte{trusted.Signed}
	}
	rep, err := VerifyLog(ctx, dir, opt)
	if err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{Origin: rep.Checkpoint.Origin, Size: rep.Entries, Root: rep.Root}, nil
}
