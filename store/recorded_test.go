package store

import (
	"context"
	"testing"
	"time"
)

// TestRecorded: a file's record time is the commit time of the transaction
// that wrote it; a path the log does not name is never "recorded by" any
// date (unknown is never old enough).
func TestRecorded(t *testing.T) {
	s, err := Open(t.TempDir(), Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Add(-time.Second)
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p := writeFile(t, tx, "a.txt", "a")
	tx.Add("t", p, "", 1)
	if err := tx.Commit("test", nil); err != nil {
		t.Fatal(err)
	}
	m := s.Manifest()
	f := m.Tables["t"][0]
	at, ok := m.Recorded(f)
	if !ok || at.Before(before) || at.After(time.Now()) || !at.Equal(m.Committed) {
		t.Fatalf("recorded %v %v, committed %v", at, ok, m.Committed)
	}
	if !m.RecordedBy(f, time.Now()) || m.RecordedBy(f, before) {
		t.Error("RecordedBy")
	}
	for _, path := range []string{"data/unknown/a.txt", "elsewhere/a.txt", "data/x"} {
		if _, ok := m.Recorded(File{Path: path}); ok || m.RecordedBy(File{Path: path}, time.Now()) {
			t.Errorf("%s counted as recorded", path)
		}
	}
}
