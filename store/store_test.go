package store

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func writeFile(t *testing.T, tx *Txn, rel, body string) string {
	t.Helper()
	f, p, err := tx.Create(rel)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(body); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCommitRollbackOrphans(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(dir, Config{}); !errors.Is(err, ErrNotStore) {
		t.Fatalf("Open of empty dir: got %v, want ErrNotStore", err)
	}
	s, err := Open(dir, Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(ctx); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Begin: got %v, want ErrLocked", err)
	}
	p := writeFile(t, tx, "a/x.parquet", "hello")
	tx.Add("things", p, "b1", 1)
	if err := tx.Commit("add x", func(m *Manifest) error { return m.SetSection("demo", map[string]int{"n": 1}) }); err != nil {
		t.Fatal(err)
	}
	if got := len(s.Manifest().Tables["things"]); got != 1 {
		t.Fatalf("after commit: %d files, want 1", got)
	}

	// A rolled-back transaction leaves nothing behind.
	tx, err = s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p2 := writeFile(t, tx, "y.parquet", "bye")
	tx.Add("things", p2, "b2", 1)
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, p2)); !os.IsNotExist(err) {
		t.Fatalf("rolled-back file still exists: %v", err)
	}

	// Data of a transaction killed before commit (simulated: files written,
	// lock released without rollback) is removed by the next writer.
	orphan := filepath.Join(dir, "data", "99999999-dead", "z.parquet")
	os.MkdirAll(filepath.Dir(orphan), 0o755)
	os.WriteFile(orphan, []byte("z"), 0o644)
	tx, err = s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if _, err := os.Stat(orphan); !os.IsNotExist(err) {
		t.Fatalf("orphan survived: %v", err)
	}

	s2, err := Open(dir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := s2.Manifest()
	if m.Generation != 1 || len(m.Log) != 1 || m.Log[0].Action != "add x" {
		t.Fatalf("manifest: generation %d log %+v", m.Generation, m.Log)
	}
	var sec map[string]int
	if ok, err := m.Section("demo", &sec); !ok || err != nil || sec["n"] != 1 {
		t.Fatalf("section: %v %v %v", ok, err, sec)
	}
	if err := s2.Verify(); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(s2.Path(m.Tables["things"][0]), []byte("HELLO"), 0o644)
	if err := s2.Verify(); err == nil {
		t.Fatal("Verify did not notice a changed file")
	}
	if _, err := os.Stat(filepath.Join(dir, "history", "00000001.json")); err != nil {
		t.Fatalf("history: %v", err)
	}
}

func TestCreateRejectsEscapingNames(t *testing.T) {
	s, _ := Open(t.TempDir(), Config{Create: true})
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, bad := range []string{"../x", "/etc/passwd", "a/../../b"} {
		if _, _, err := tx.Create(bad); err == nil {
			t.Errorf("Create(%q) succeeded", bad)
		}
	}
}

func TestRollbackOfFirstTransactionLeavesNoStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	s, err := Open(dir, Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, tx, "x.parquet", "x")
	tx.Rollback()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(dir)
		t.Errorf("store directory left behind: %v %v", err, entries)
	}
}
