package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNoManifest is returned by Open when a directory holds the files of a
// committed store (history, data, an audit log) but no manifest.json: it is
// never treated as a new store, whose first transaction would remove the
// data no manifest names.
var ErrNoManifest = errors.New("store: store files without manifest.json")

// ErrUnsafePath is returned (wrapped) when a manifest names a file outside
// the store's data directory, or a file or directory that is a symbolic
// link or not a regular file.
var ErrUnsafePath = errors.New("store: unsafe file in manifest")

// ErrChanged is returned (wrapped) when a file no longer matches the size
// and SHA-256 the manifest recorded at commit.
var ErrChanged = errors.New("store: file changed since commit")

// Guarded reports whether table holds consent or identity (who a person
// is, who represents them, which sample is theirs, who is a licensed
// professional). Open verifies the SHA-256 of every file of these tables
// each time it reads a manifest, so a replaced file (a consent table
// without its withdrawal rows) is refused before any decision reads it.
// The audit log has its own Merkle-tree check (package audit).
func Guarded(table string) bool {
	switch table {
	case "consents", "persons", "related", "practitioners", "practitioner_roles", "id_map", "biobank_samples":
		return true
	}
	return false
}

// refuseUnmanifested returns ErrNoManifest, with how to recover, when dir
// holds committed store files. A directory with only the leftovers of a
// first transaction that never committed (data/00000001-*, LOCK) is
// treated as new: nothing in it was ever committed.
func refuseUnmanifested(dir string) error {
	hist, _ := filepath.Glob(filepath.Join(dir, "history", "*.json"))
	if len(hist) > 0 {
		slices.Sort(hist)
		last := hist[len(hist)-1]
		return fmt.Errorf("%s: %w; to recover, check the last committed generation and put it back: cp %s %s && varamu verify --store %s",
			dir, ErrNoManifest, last, filepath.Join(dir, "manifest.json"), dir)
	}
	var found []string
	if st, err := os.Stat(filepath.Join(dir, "audit", "entries.jsonl")); err == nil && st.Size() > 0 {
		found = append(found, "audit/entries.jsonl")
	}
	if ents, err := os.ReadDir(filepath.Join(dir, "data")); err == nil {
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), "00000001-") {
				found = append(found, "data/"+e.Name())
			}
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("%s: %w and no history/ to recover it from (found %s); restore the directory from a backup",
			dir, ErrNoManifest, strings.Join(found[:min(len(found), 3)], ", "))
	}
	return nil
}

// checkPath refuses a path outside data/: every path a manifest names
// MUST be a clean, relative, slash-separated path under data/.
func checkPath(p string) error {
	if p == "" || path.Clean(p) != p || !strings.HasPrefix(p, "data/") || !filepath.IsLocal(filepath.FromSlash(p)) || strings.Contains(p, "\\") {
		return fmt.Errorf("%w: path %q is not inside the store's data directory", ErrUnsafePath, p)
	}
	return nil
}

// checkFile refuses a file outside data/ or reached through a symbolic
// link: the file MUST be a regular file and every directory between it and
// the store directory a real directory, so that a link cannot point a
// table elsewhere. seen caches directories already checked.
func (s *Store) checkFile(f File, seen map[string]bool) error {
	if err := checkPath(f.Path); err != nil {
		return err
	}
	for d := path.Dir(f.Path); d != "." && !seen[d]; d = path.Dir(d) {
		di, err := os.Lstat(filepath.Join(s.dir, filepath.FromSlash(d)))
		if err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if !di.IsDir() {
			return fmt.Errorf("%w: %s is a %s, not a directory", ErrUnsafePath, d, kindOf(di.Mode()))
		}
		seen[d] = true
	}
	fi, err := os.Lstat(s.Path(f))
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %s is a %s, not a regular file", ErrUnsafePath, f.Path, kindOf(fi.Mode()))
	}
	return nil
}

// checkOpen is what every Open and Refresh checks: all paths confined and
// free of links, and the Guarded tables intact.
func (s *Store) checkOpen() error {
	seen := map[string]bool{}
	for _, table := range s.manifest.TableNames() {
		for _, f := range s.manifest.Tables[table] {
			if err := s.checkFile(f, seen); err != nil {
				return fmt.Errorf("%s: table %s: %w", s.dir, table, err)
			}
			if Guarded(table) {
				if err := s.verifyFile(f); err != nil {
					return fmt.Errorf("%s: table %s: %w", s.dir, table, err)
				}
			}
		}
	}
	return nil
}

func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "symbolic link"
	case m.IsDir():
		return "directory"
	case m.IsRegular():
		return "regular file"
	}
	return "special file"
}

func (s *Store) verifyFile(f File) error {
	sum, size, err := checksum(s.Path(f))
	if err != nil {
		return err
	}
	if sum != f.SHA256 || size != f.Size {
		return fmt.Errorf("%w: %s (size %d, want %d; SHA-256 %s, want %s)", ErrChanged, f.Path, size, f.Size, short(sum), short(f.SHA256))
	}
	return nil
}

func short(sum string) string { return sum[:min(len(sum), 12)] }

// Problem is one failed check of Check.
type Problem struct {
	Table string // empty for problems of the store as a whole
	Path  string // store-relative path, if about one file
	Err   error
}

// Report is what Check found.
type Report struct {
	Generation int64
	Tables     int
	Files      int
	Bytes      int64
	Problems   []Problem
}

// OK reports whether no problem was found.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

// VerifyDir checks the store in dir without trusting it: every file its
// manifest names must be confined to data/, reached without symbolic
// links, and match its recorded size and SHA-256. It reports every problem
// found, not only the first. The error is for a store that cannot be
// checked at all (no manifest, a corrupt manifest, a cancelled context).
func VerifyDir(ctx context.Context, dir string) (*Report, error) {
	m, err := readManifest(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, fs.ErrNotExist) {
		if rerr := refuseUnmanifested(dir); rerr != nil {
			return nil, rerr
		}
		return nil, fmt.Errorf("%s: %w", dir, ErrNotStore)
	}
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, manifest: m}
	return s.check(ctx)
}

func (s *Store) check(ctx context.Context) (*Report, error) {
	m := s.manifest
	r := &Report{Generation: m.Generation, Tables: len(m.TableNames())}
	seen := map[string]bool{}
	for _, table := range m.TableNames() {
		for _, f := range m.Tables[table] {
			if err := ctx.Err(); err != nil {
				return r, err
			}
			r.Files++
			r.Bytes += f.Size
			err := s.checkFile(f, seen)
			if err == nil {
				err = s.verifyFile(f)
			}
			if err != nil {
				r.Problems = append(r.Problems, Problem{Table: table, Path: f.Path, Err: err})
			}
		}
	}
	return r, nil
}
