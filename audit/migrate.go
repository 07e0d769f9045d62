package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/tessera"
)

// legacyEntry is an entry of a round-1 log (audit/entries.jsonl), which
// held the personal code in clear.
type legacyEntry struct {
	Index   uint64    `json:"index"`
	Logged  time.Time `json:"logged"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Role    string    `json:"role"`
	Licence string    `json:"licence,omitempty"`
	Person  string    `json:"person"`
	Purpose string    `json:"purpose"`
	Reason  string    `json:"reason,omitempty"`
	Use     string    `json:"use,omitempty"`
	Allowed bool      `json:"allowed"`
	Rule    string    `json:"rule"`
	Flagged bool      `json:"flagged,omitempty"`
}

func legacyDir(dir string) string { return filepath.Join(dir, "audit") }

// readLegacy reads a round-1 log and checks it against its last
// checkpoint line ("size root-hex time"): a log that does not verify is
// not migrated.
func readLegacy(dir string) ([]legacyEntry, []byte, error) {
	b, err := os.ReadFile(filepath.Join(legacyDir(dir), "entries.jsonl"))
	if err != nil {
		return nil, nil, fmt.Errorf("audit: %w", err)
	}
	rng := (&compact.RangeFactory{Hash: hasher.HashChildren}).NewEmptyRange(0)
	var out []legacyEntry
	r := bufio.NewReader(bytes.NewReader(b))
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err == io.EOF && len(line) > 0 {
			break // a torn last line: never acknowledged
		}
		if len(line) > 0 {
			var e legacyEntry
			if jerr := json.Unmarshal(line, &e); jerr != nil || e.Index != uint64(n-1) {
				return nil, nil, fmt.Errorf("%w: round-1 entries.jsonl:%d: not entry %d", ErrCorrupt, n, n-1)
			}
			if err := rng.Append(hasher.HashLeaf(line[:len(line)-1]), nil); err != nil {
				return nil, nil, fmt.Errorf("audit: %w", err)
			}
			out = append(out, e)
		}
		if err == io.EOF {
			break
		}
	}
	root, err := checkLegacyRoot(dir, rng)
	return out, root, err
}

func checkLegacyRoot(dir string, rng *compact.Range) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(legacyDir(dir), "checkpoints.txt"))
	if errors.Is(err, os.ErrNotExist) && rng.End() == 0 {
		return hasher.EmptyRoot(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: round-1 log: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	f := strings.Fields(lines[len(lines)-1])
	if len(f) != 3 {
		return nil, fmt.Errorf("%w: round-1 checkpoints.txt: last line %q", ErrCorrupt, lines[len(lines)-1])
	}
	if f[0] != fmt.Sprint(rng.End()) {
		return nil, fmt.Errorf("%w: round-1 log holds %d entries, its last checkpoint %s; not migrating", ErrTampered, rng.End(), f[0])
	}
	root := hasher.EmptyRoot()
	if rng.End() > 0 {
		if root, err = rng.GetRootHash(nil); err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
	}
	if hex.EncodeToString(root) != f[1] {
		return nil, fmt.Errorf("%w: round-1 log root %x, its last checkpoint %s; not migrating", ErrTampered, root, f[1])
	}
	return root, nil
}

func hasLegacy(dir string) bool {
	_, err := os.Stat(filepath.Join(legacyDir(dir), "entries.jsonl"))
	return err == nil
}

// migrate copies a verified round-1 log into the tlog-tiles log in index
// order (personal codes replaced by commitments, other fields kept),
// appends a KindMigration entry holding the round-1 root, and removes the
// round-1 files, which hold personal codes in clear. The new log must be
// empty.
func migrate(ctx context.Context, dir string, keys *Keys, app *tessera.Appender, ldir string) error {
	old, root, err := readLegacy(dir)
	if err != nil {
		return err
	}
	if n, err := integratedSize(ldir); err != nil || n != 0 {
		return fmt.Errorf("audit: round-1 log beside a non-empty log (%d entries, %v); not migrating", n, err)
	}
	futures := make([]tessera.IndexFuture, len(old)+1)
	for i, o := range old {
		e := Entry{Logged: o.Logged, Time: o.Time, Actor: o.Actor, Role: o.Role, Licence: o.Licence,
			Subject: keys.Commit(o.Person), Purpose: o.Purpose, Reason: o.Reason, Use: o.Use,
			Allowed: o.Allowed, Rule: o.Rule, Flagged: o.Flagged}
		b, err := keys.leaf(&e)
		if err != nil {
			return err
		}
		futures[i] = app.Add(ctx, tessera.NewEntry(b))
	}
	// The new log commits to the round-1 root it replaces.
	m := Entry{Kind: KindMigration, Logged: time.Now().UTC(), Time: time.Now().UTC(), Actor: "varamu", Role: "system",
		Allowed: true, Rule: "round-1 log migrated", Record: &RecordRef{Type: "round-1 log", ID: fmt.Sprint(len(old)), SHA256: hex.EncodeToString(root)}}
	mb, err := m.Leaf()
	if err != nil {
		return err
	}
	futures[len(old)] = app.Add(ctx, tessera.NewEntry(mb))
	for i, f := range futures {
		idx, err := f()
		if err != nil {
			return fmt.Errorf("audit: migrating entry %d: %w", i, err)
		}
		if idx.Index != uint64(i) {
			return fmt.Errorf("audit: migrating entry %d: logged at %d", i, idx.Index)
		}
	}
	// The round-1 files hold personal codes in clear: they go once every
	// entry is durable in the new log.
	for _, f := range []string{"entries.jsonl", "checkpoints.txt"} {
		if err := os.Remove(filepath.Join(legacyDir(dir), f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("audit: %w", err)
		}
	}
	return nil
}
