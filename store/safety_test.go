package store

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newStore commits one guarded table (consents) and one plain table
// (calls) and returns the store directory.
func newStore(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "s")
	s, err := Open(dir, Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tx.Add("consents", writeFile(t, tx, "c/consents.parquet", "withdrawn 2020"), "i1", 1)
	tx.Add("calls", writeFile(t, tx, "g/calls.parquet", "0/1"), "b1", 1)
	if err := tx.Commit("ingest", nil); err != nil {
		t.Fatal(err)
	}
	return dir
}

func editManifest(t *testing.T, dir string, edit func(m *Manifest)) {
	t.Helper()
	m, err := readManifest(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMissingManifestRefused pins issue 8 item 5: a store whose
// manifest.json was lost is not taken for a new store (whose first
// transaction would delete every data file), and the error says how to
// recover from history/.
func TestMissingManifestRefused(t *testing.T) {
	dir := newStore(t)
	if err := os.Remove(filepath.Join(dir, "manifest.json")); err != nil {
		t.Fatal(err)
	}
	for _, create := range []bool{false, true} {
		_, err := Open(dir, Config{Create: create})
		if !errors.Is(err, ErrNoManifest) {
			t.Fatalf("Open(Create=%v) without manifest: got %v, want ErrNoManifest", create, err)
		}
		if !strings.Contains(err.Error(), filepath.Join(dir, "history", "00000001.json")) {
			t.Errorf("error does not name the generation to recover: %v", err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "data"))
	if len(ents) != 1 {
		t.Fatalf("data directories after refused open: %d, want 1 (nothing deleted)", len(ents))
	}
	// Following the message restores the store.
	b, _ := os.ReadFile(filepath.Join(dir, "history", "00000001.json"))
	os.WriteFile(filepath.Join(dir, "manifest.json"), b, 0o644)
	if _, err := Open(dir, Config{}); err != nil {
		t.Fatalf("after recovery: %v", err)
	}

	// Without history either, data of later transactions still refuses.
	os.Remove(filepath.Join(dir, "manifest.json"))
	os.RemoveAll(filepath.Join(dir, "history"))
	os.Rename(filepath.Join(dir, "data", ents[0].Name()), filepath.Join(dir, "data", "00000007-abcd"))
	if _, err := Open(dir, Config{Create: true}); !errors.Is(err, ErrNoManifest) {
		t.Fatalf("data without manifest or history: got %v, want ErrNoManifest", err)
	}
}

// TestRefreshAfterManifestLost: a writer that opened the store before the
// manifest disappeared does not commit over it.
func TestRefreshAfterManifestLost(t *testing.T) {
	dir := newStore(t)
	s, err := Open(dir, Config{})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "manifest.json"))
	if _, err := s.Begin(context.Background()); !errors.Is(err, ErrNoManifest) {
		t.Fatalf("Begin after manifest lost: got %v, want ErrNoManifest", err)
	}
}

// TestManifestAttacks pins issue 8 item 6: paths outside the store,
// symbolic links and a replaced guarded table are refused at Open; a
// changed plain data file is found by VerifyDir.
func TestManifestAttacks(t *testing.T) {
	cases := []struct {
		name   string
		attack func(t *testing.T, dir string)
		want   error
	}{
		{"path escapes the store", func(t *testing.T, dir string) {
			elsewhere := filepath.Join(filepath.Dir(dir), "elsewhere")
			os.MkdirAll(elsewhere, 0o755)
			os.WriteFile(filepath.Join(elsewhere, "consents.parquet"), []byte("no withdrawals"), 0o644)
			editManifest(t, dir, func(m *Manifest) { m.Tables["consents"][0].Path = "../elsewhere/consents.parquet" })
		}, ErrUnsafePath},
		{"absolute path", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m *Manifest) { m.Tables["calls"][0].Path = "/etc/passwd" })
		}, ErrUnsafePath},
		{"dot-dot inside data", func(t *testing.T, dir string) {
			editManifest(t, dir, func(m *Manifest) { m.Tables["calls"][0].Path = "data/../manifest.json" })
		}, ErrUnsafePath},
		{"symlinked file", func(t *testing.T, dir string) {
			m, _ := readManifest(filepath.Join(dir, "manifest.json"))
			p := filepath.Join(dir, m.Tables["calls"][0].Path)
			other := filepath.Join(t.TempDir(), "x")
			os.WriteFile(other, []byte("0/1"), 0o644)
			os.Remove(p)
			os.Symlink(other, p)
		}, ErrUnsafePath},
		{"symlinked directory", func(t *testing.T, dir string) {
			m, _ := readManifest(filepath.Join(dir, "manifest.json"))
			d := filepath.Join(dir, filepath.Dir(filepath.Dir(m.Tables["calls"][0].Path)))
			moved := filepath.Join(t.TempDir(), "moved")
			os.Rename(d, moved)
			os.Symlink(moved, d)
		}, ErrUnsafePath},
		{"replaced consent table", func(t *testing.T, dir string) {
			m, _ := readManifest(filepath.Join(dir, "manifest.json"))
			os.WriteFile(filepath.Join(dir, m.Tables["consents"][0].Path), []byte("no withdrawals"), 0o644)
		}, ErrChanged},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := newStore(t)
			c.attack(t, dir)
			if _, err := Open(dir, Config{}); !errors.Is(err, c.want) {
				t.Fatalf("Open: got %v, want %v", err, c.want)
			}
			r, err := VerifyDir(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK() || !errors.Is(r.Problems[0].Err, c.want) {
				t.Fatalf("VerifyDir: %+v, want a %v problem", r.Problems, c.want)
			}
		})
	}
}

// TestVerifyDirReportsEveryProblem: a changed plain file does not stop
// Open (it is not guarded, and is checked when verifying), and VerifyDir
// lists every problem.
func TestVerifyDirReportsEveryProblem(t *testing.T) {
	dir := newStore(t)
	r, err := VerifyDir(context.Background(), dir)
	if err != nil || !r.OK() || r.Files != 2 || r.Generation != 1 {
		t.Fatalf("intact store: %+v, %v", r, err)
	}
	m, _ := readManifest(filepath.Join(dir, "manifest.json"))
	os.WriteFile(filepath.Join(dir, m.Tables["calls"][0].Path), []byte("1/1"), 0o644)
	if _, err := Open(dir, Config{}); err != nil {
		t.Fatalf("Open with a changed unguarded file: %v", err)
	}
	os.Remove(filepath.Join(dir, m.Tables["consents"][0].Path))
	r, err = VerifyDir(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Problems) != 2 {
		t.Fatalf("problems: %+v, want 2", r.Problems)
	}
	if !errors.Is(r.Problems[0].Err, ErrChanged) || !errors.Is(r.Problems[1].Err, os.ErrNotExist) {
		t.Errorf("problems: %v; %v", r.Problems[0].Err, r.Problems[1].Err)
	}
}

// FuzzCheckPath: a path the manifest check accepts always resolves inside
// the store's data directory.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"data/x/y.parquet", "../elsewhere/consents.parquet", "data/../manifest.json", "/etc/passwd", "data//x", "data/./x", "data\\..\\x", "data/x/..", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if checkPath(p) != nil {
			return
		}
		dir := "/store"
		abs := filepath.Join(dir, filepath.FromSlash(p))
		rel, err := filepath.Rel(filepath.Join(dir, "data"), abs)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, "../") || filepath.IsAbs(rel) {
			t.Fatalf("accepted %q resolves to %s, outside data/", p, abs)
		}
	})
}
