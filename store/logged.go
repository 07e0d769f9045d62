package store

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/varamu/varamu/audit"
)

// logCommit appends generation gen, whose manifest file will hold
// manifest, to the store's audit log and returns once the entry is
// durable: no manifest is written before its generation is logged.
func (t *Txn) logCommit(gen int64, manifest []byte) error {
	l, err := audit.Open(t.s.dir)
	if err != nil {
		return fmt.Errorf("store: generation %d not committed: %w", gen, err)
	}
	err = l.LogGeneration(t.ctx, gen, manifest)
	if err = errors.Join(err, l.Close()); err != nil {
		return fmt.Errorf("store: generation %d not committed: %w", gen, err)
	}
	return nil
}

// historyPath is where the manifest of generation gen is kept.
func historyPath(dir string, gen int64) string {
	return filepath.Join(dir, "history", fmt.Sprintf("%08d.json", gen))
}

// writeHistory keeps manifest as generation gen's history file, synced.
func writeHistory(dir string, gen int64, manifest []byte) error {
	hist := filepath.Join(dir, "history")
	if err := os.MkdirAll(hist, 0o755); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err := writeSynced(historyPath(dir, gen), manifest); err != nil {
		return err
	}
	return syncDir(hist)
}

// removeInterrupted removes the history file of a commit that was
// interrupted after it was logged and before its manifest was switched in
// (the generation after current): that generation was never committed,
// and the next commit writes its own. The caller holds the writer lock.
func removeInterrupted(dir string, current int64) error {
	err := os.Remove(historyPath(dir, current+1))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store: removing the history of an interrupted commit: %w", err)
	}
	return syncDir(filepath.Join(dir, "history"))
}

// crashPoint calls the test hook crashAt, if set, at a moment of Commit
// where a crash must leave the store and its log consistent.
func (t *Txn) crashPoint(point string) {
	if t.crashAt != nil {
		t.crashAt(point)
	}
}
