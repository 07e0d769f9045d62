package audit

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseCheckpoint: what parses prints back to itself.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add("3 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 2026-03-01T10:00:00Z")
	f.Add("0 00 x")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		cp, err := ParseCheckpoint(s)
		if err != nil {
			return
		}
		cp2, err := ParseCheckpoint(cp.String())
		if err != nil {
			t.Fatalf("%q → %q: %v", s, cp.String(), err)
		}
		if cp2.String() != cp.String() {
			t.Fatalf("%q → %q → %q", s, cp.String(), cp2.String())
		}
	})
}

// FuzzVerify: arbitrary log files never make Verify or Entries panic, and
// a log that verifies has every entry readable.
func FuzzVerify(f *testing.F) {
	f.Add([]byte(`{"index":0,"logged":"2026-01-01T00:00:00Z","time":"2026-01-01T00:00:00Z","actor":"a","role":"patient","person":"p","purpose":"self","allowed":true,"rule":"r"}`+"\n"), []byte(""))
	f.Add([]byte("{\n"), []byte("1 00 2026-01-01T00:00:00Z\n"))
	f.Fuzz(func(t *testing.T, entries, checkpoints []byte) {
		dir := t.TempDir()
		if err := os.MkdirAll(filepath.Join(dir, "audit"), 0o755); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "audit", "entries.jsonl"), entries, 0o644)
		os.WriteFile(filepath.Join(dir, "audit", "checkpoints.txt"), checkpoints, 0o644)
		_, verr := Verify(context.Background(), dir, nil)
		n := 0
		var eerr error
		for _, err := range Entries(dir) {
			if err != nil {
				eerr = err
				break
			}
			n++
		}
		if verr == nil && len(checkpoints) > 0 && eerr != nil {
			t.Fatalf("log verifies against checkpoints but entry %d is unreadable: %v", n, eerr)
		}
	})
}
