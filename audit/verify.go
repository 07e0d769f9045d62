package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

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

// VerifyConfig say what Verify trusts. The zero value reads the log key
// and the witnesses from the store's key directory (KeyDirFor).
type VerifyConfig struct {
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
	// Trusted are the checkpoints of VerifyConfig.Trusted, as parsed.
	Trusted []Checkpoint
	// Journaled is the number of acknowledged entries still in the
	// journal, not yet in the tree (left by a process that was killed or
	// is still appending; the next Open integrates them). They are
	// checked by their checksums only.
	Journaled uint64
}

func (o VerifyConfig) resolve(dir string) (VerifyConfig, error) {
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
func VerifyLog(ctx context.Context, dir string, opt VerifyConfig) (*Report, error) {
	opt, err := opt.resolve(dir)
	if err != nil {
		return nil, err
	}
	if err := flushOpen(ctx, dir); err != nil {
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
	sc, err := scanTree(ctx, ldir, rep.Entries)
	if err != nil {
		return nil, err
	}
	roots, err := sc.roots(rep.Entries, checks)
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
	if err := sc.verifyTiles(ctx, ldir, rep.Entries); err != nil {
		return nil, err
	}
	if rep.Journaled, err = journaledAfter(dir, rep.Entries); err != nil {
		return nil, err
	}
	return rep, nil
}

// checkpointsToCheck verifies the signatures of the latest checkpoint, the
// witnessed one and the trusted ones, records them in rep and returns them.
func checkpointsToCheck(dir string, opt VerifyConfig, rep *Report) ([]Checkpoint, error) {
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
func witnessedToCheck(dir string, opt VerifyConfig) (*Checkpoint, error) {
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

// Verify checks the log of the store in dir with the keys of its key
// directory (see VerifyLog) and, when trusted is not nil, that the log
// extends that checkpoint. It returns the size and root of the tree.
func Verify(ctx context.Context, dir string, trusted *Checkpoint) (Checkpoint, error) {
	var opt VerifyConfig
	if trusted != nil {
		opt.Trusted = [][]byte{trusted.Signed}
	}
	rep, err := VerifyLog(ctx, dir, opt)
	if err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{Origin: rep.Checkpoint.Origin, Size: rep.Entries, Root: rep.Root}, nil
}

// journaledAfter returns how many journal records follow a tree of size
// entries (they must go on at size).
func journaledAfter(dir string, size uint64) (uint64, error) {
	recs, err := journaled(dir)
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, r := range recs {
		if r.index < size {
			continue
		}
		if r.index != size+n {
			return 0, fmt.Errorf("%w: the tree holds %d entries, the journal goes on at %d", ErrJournal, size, r.index)
		}
		n++
	}
	return n, nil
}
