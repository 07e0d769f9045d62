package audit

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func entry(person, actor string, allowed bool, minute int) *Entry {
	return &Entry{
		Time:    time.Date(2026, 3, 1, 10, minute, 0, 0, time.UTC),
		Actor:   actor,
		Role:    "professional",
		Licence: "D01234",
		Person:  person,
		Purpose: "treatment",
		Allowed: allowed,
		Rule:    "treatment by a licensed professional",
	}
}

// fill writes n entries, one Append each, and returns the log directory.
func fill(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := range n {
		person := []string{"38001010000", "49002020000"}[i%2]
		if _, err := l.Append(context.Background(), entry(person, "doc-"+string(rune('a'+i%26)), i%3 != 0, i)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestAppendVerify(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 16, 33} {
		dir := fill(t, n)
		cp, err := Verify(context.Background(), dir, nil)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if cp.Size != uint64(n) {
			t.Errorf("n=%d: size %d", n, cp.Size)
		}
		cps, err := Checkpoints(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(cps) != n {
			t.Errorf("n=%d: %d checkpoints", n, len(cps))
		}
		if n > 0 && !bytes.Equal(cps[n-1].Root, cp.Root) {
			t.Errorf("n=%d: last checkpoint root differs from recomputed root", n)
		}
	}
}

// TestRootKnownAnswer pins the tree hash to RFC 6962: the root of a
// one-entry log is SHA-256(0x00 || line).
func TestRootKnownAnswer(t *testing.T) {
	dir := fill(t, 1)
	b, err := os.ReadFile(filepath.Join(dir, "audit", "entries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	want := hasher.HashLeaf(bytes.TrimSuffix(b, []byte("\n")))
	cp, err := Verify(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cp.Root, want) {
		t.Errorf("root %x, want %x", cp.Root, want)
	}
	// Empty tree: SHA-256 of the empty string.
	cp0, err := Verify(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := cp0.Root; len(got) != 32 || got[0] != 0xe3 || got[1] != 0xb0 {
		t.Errorf("empty root %x, want e3b0c442...", got)
	}
}

func rewrite(t *testing.T, dir string, f func(lines [][]byte) [][]byte) {
	t.Helper()
	p := filepath.Join(dir, "audit", "entries.jsonl")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	if len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if err := os.WriteFile(p, bytes.Join(f(lines), nil), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTamperDetected(t *testing.T) {
	tests := []struct {
		name string
		edit func(lines [][]byte) [][]byte
	}{
		{"changed allowed flag", func(l [][]byte) [][]byte {
			l[4] = bytes.Replace(l[4], []byte(`"allowed":true`), []byte(`"allowed":false`), 1)
			return l
		}},
		{"changed actor", func(l [][]byte) [][]byte {
			l[0] = bytes.Replace(l[0], []byte(`doc-a`), []byte(`doc-z`), 1)
			return l
		}},
		{"removed last", func(l [][]byte) [][]byte { return l[:len(l)-1] }},
		{"removed middle", func(l [][]byte) [][]byte { return append(l[:3:3], l[4:]...) }},
		{"swapped", func(l [][]byte) [][]byte { l[2], l[3] = l[3], l[2]; return l }},
		{"all removed", func(l [][]byte) [][]byte { return nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := fill(t, 9)
			rewrite(t, dir, tt.edit)
			if _, err := Verify(context.Background(), dir, nil); !errors.Is(err, ErrTampered) {
				t.Fatalf("Verify after %s: err = %v, want ErrTampered", tt.name, err)
			}
		})
	}
}

// TestAnchorDetectsRewrite: an attacker who rewrites entries and
// checkpoints together is caught by a checkpoint kept elsewhere.
func TestAnchorDetectsRewrite(t *testing.T) {
	dir := fill(t, 5)
	anchor, err := Verify(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Rebuild a different log of the same size in place.
	other := fill(t, 6)
	rewrite(t, other, func(l [][]byte) [][]byte { return l[1:] }) // shifts content
	for _, f := range []string{"entries.jsonl", "checkpoints.txt"} {
		b, err := os.ReadFile(filepath.Join(other, "audit", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "audit", f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Verify(context.Background(), dir, &anchor); !errors.Is(err, ErrTampered) {
		t.Fatalf("err = %v, want ErrTampered", err)
	}
}

func TestReopenAndConcurrentWriters(t *testing.T) {
	dir := fill(t, 3)
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	for i := range 4 {
		if _, err := a.Append(ctx, entry("38001010000", "a", true, 10+i)); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Append(ctx, entry("49002020000", "b", true, 20+i), entry("49002020000", "b", false, 30+i)); err != nil {
			t.Fatal(err)
		}
	}
	cp, err := Verify(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 3+4*3 {
		t.Errorf("size %d, want 15", cp.Size)
	}
	bcp, err := b.Checkpoint()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bcp.Root, cp.Root) {
		t.Errorf("writer's root %x differs from verified root %x", bcp.Root, cp.Root)
	}
	var idx []uint64
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		idx = append(idx, e.Index)
	}
	for i, v := range idx {
		if v != uint64(i) {
			t.Fatalf("indices %v not 0..n-1", idx)
		}
	}
}

func TestTornLineRepairedOnOpen(t *testing.T) {
	dir := fill(t, 2)
	p := filepath.Join(dir, "audit", "entries.jsonl")
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"index":2,"time":"2026-`)
	f.Close()
	if _, err := Verify(context.Background(), dir, nil); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Verify on torn log: %v, want ErrCorrupt", err)
	}
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(context.Background(), entry("38001010000", "x", true, 50)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	cp, err := Verify(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 3 {
		t.Errorf("size %d, want 3", cp.Size)
	}
}

func TestByPerson(t *testing.T) {
	dir := fill(t, 6)
	got, err := ByPerson(context.Background(), dir, "49002020000")
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, e := range got {
		summary = append(summary, e.Actor+" "+e.Time.Format("15:04")+" "+map[bool]string{true: "allowed", false: "denied"}[e.Allowed])
	}
	want := []string{"doc-b 10:01 allowed", "doc-d 10:03 denied", "doc-f 10:05 allowed"}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("ByPerson (-want +got):\n%s", diff)
	}
}

func TestInclusionProof(t *testing.T) {
	dir := fill(t, 11)
	cp, err := Verify(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var all []Entry
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, *e)
	}
	for _, e := range all {
		p, err := InclusionProof(dir, e.Index, cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(e, cp, p); err != nil {
			t.Errorf("entry %d: %v", e.Index, err)
		}
		forged := e
		forged.Allowed = !forged.Allowed
		if err := VerifyInclusion(forged, cp, p); !errors.Is(err, ErrTampered) {
			t.Errorf("entry %d forged: err = %v, want ErrTampered", e.Index, err)
		}
	}
}
