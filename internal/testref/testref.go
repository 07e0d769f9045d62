// Package testref locates the published reference material that tests
// compare against (../shared/reference beside the repository). On a
// developer's machine without it a test that needs it is skipped; under CI
// (the CI environment variable set, as .ci/run sets it) it fails instead, so
// that a CI run can never pass by skipping.
//
// Only tests import this package; the product never reads ../shared.
package testref

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// errNoRoot is returned when no go.mod is found above the working directory.
var errNoRoot = errors.New("testref: no go.mod above the working directory")

// Path returns the path of rel (slash-separated) inside ../shared/reference,
// or skips t (fails it under CI) when it does not exist.
func Path(t testing.TB, rel string) string {
	t.Helper()
	p, err := find(rel)
	if err != nil {
		Missing(t, err.Error())
	}
	return p
}

// Missing reports that something a test needs is not on this machine: a skip
// for a developer, a failure under CI.
func Missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (under CI every test must run; .ci/run provides ../shared/reference)", what)
	}
	t.Skip(what)
}

func find(rel string) (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(filepath.Dir(root), "shared", "reference", filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		return "", err
	}
	return p, nil
}

// repoRoot is the nearest directory above the working directory holding
// go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errNoRoot
		}
		dir = parent
	}
}
