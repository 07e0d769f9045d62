package store

import (
	"strings"
	"time"
)

// Recorded returns when file f entered the store: the commit time of the
// transaction that wrote it (the data/TXN/ prefix of its path, looked up
// in the manifest's log). It reports false when the log does not name the
// transaction; callers asking about the past MUST then treat the file as
// recorded after any date (unknown is never "old enough").
func (m *Manifest) Recorded(f File) (time.Time, bool) {
	rest, ok := strings.CutPrefix(f.Path, "data/")
	if !ok {
		return time.Time{}, false
	}
	txn, _, ok := strings.Cut(rest, "/")
	if !ok {
		return time.Time{}, false
	}
	for _, e := range m.Log {
		if e.Txn == txn {
			return e.Time, true
		}
	}
	return time.Time{}, false
}

// RecordedBy reports whether f entered the store at or before t.
func (m *Manifest) RecordedBy(f File, t time.Time) bool {
	at, ok := m.Recorded(f)
	return ok && !at.After(t)
}
