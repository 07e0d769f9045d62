package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
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

var people = []string{"38001010000", "49002020000"}

// fill appends n entries to the log of a new store, in appends of up to
// three entries, closes the log and returns the store directory.
func fill(t testing.TB, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	appendN(t, dir, 0, n)
	return dir
}

func appendN(t testing.TB, dir string, from, n int) {
	t.Helper()
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for i := from; i < from+n; {
		var batch []*Entry
		// The first appends are small, the rest one batch (fsyncs are slow).
		for ; i < from+n && (len(batch) < 1+i%3 || i >= from+8); i++ {
			batch = append(batch, entry(people[i%2], "doc-"+string(rune('a'+i%26)), i%3 != 0, i%60))
		}
		if _, err := l.Append(ctx, batch...); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAppendVerify(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 7, 256, 300} {
		dir := fill(t, n)
		rep, err := VerifyLog(context.Background(), dir, VerifyConfig{})
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if rep.Entries != uint64(n) || rep.Checkpoint.Size != uint64(n) {
			t.Errorf("n=%d: %d entries, checkpoint size %d", n, rep.Entries, rep.Checkpoint.Size)
		}
		if !bytes.Equal(rep.Root, rep.Checkpoint.Root) {
			t.Errorf("n=%d: checkpoint root %x, recomputed %x", n, rep.Checkpoint.Root, rep.Root)
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
				t.Fatalf("n=%d: indices %v not 0..n-1", n, idx)
			}
		}
		if len(idx) != n {
			t.Errorf("n=%d: read %d entries", n, len(idx))
		}
	}
}

// TestCheckpointFormat pins the C2SP tlog-checkpoint layout: origin, size,
// base64 root, blank line, an Ed25519 note signature by the log key.
func TestCheckpointFormat(t *testing.T) {
	t.Parallel()
	dir := fill(t, 1)
	b, err := os.ReadFile(filepath.Join(dir, "audit", "log", "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	if lines[0] != DefaultOrigin(dir) || lines[1] != "1" || len(lines[2]) != 44 || lines[3] != "" || !strings.HasPrefix(lines[4], "— "+DefaultOrigin(dir)+" ") {
		t.Errorf("checkpoint:\n%s", b)
	}
	// The root of a one-entry tree is SHA-256(0x00 || leaf) (RFC 6962).
	var leaf []byte
	for l, err := range leaves(context.Background(), logDir(dir), 1) {
		if err != nil {
			t.Fatal(err)
		}
		leaf = bytes.Clone(l)
	}
	cp, err := ParseCheckpoint(string(b))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(cp.Root, hasher.HashLeaf(leaf)) {
		t.Errorf("root %x, want %x", cp.Root, hasher.HashLeaf(leaf))
	}
}

// TestLeavesHoldNoPersonalCode: no file of the store holds a personal
// code; the person's view resolves their entries with the person secret.
func TestLeavesHoldNoPersonalCode(t *testing.T) {
	t.Parallel()
	dir := fill(t, 6)
	// The person reads their own log: the actor is a personal code too.
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	self := &Entry{Actor: people[1], Role: "patient", Person: people[1], Purpose: "self", Allowed: true, Rule: "own data", Time: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)}
	if _, err := l.Append(context.Background(), self); err != nil {
		t.Fatal(err)
	}
	if self.Actor != people[1] {
		t.Errorf("Append changed the caller's actor to %q", self.Actor)
	}
	// A steward's rule that names people (a sample re-link) is sealed.
	relink := &Entry{Actor: "steward-1", Role: "steward", Person: people[0], Purpose: "stewardship", Allowed: true,
		Rule: "re-linked sample S1 from " + people[0] + " to " + people[1], Reason: "swap found by " + people[1]}
	if _, err := l.Append(context.Background(), relink); err != nil {
		t.Fatal(err)
	}
	l.Close()
	var sealed *Entry
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if e.TextSealed != "" {
			sealed = e
		}
	}
	if sealed == nil || sealed.Rule != "" || sealed.Reason != "" {
		t.Fatalf("relink entry as logged: %+v", sealed)
	}
	k, _ := LoadKeys(KeyDirFor(dir))
	if err := k.Resolve(sealed); err != nil || sealed.Rule != relink.Rule || sealed.Reason != relink.Reason {
		t.Errorf("resolved rule %q reason %q (%v)", sealed.Rule, sealed.Reason, err)
	}
	err = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		for _, person := range people {
			if bytes.Contains(b, []byte(person)) {
				t.Errorf("%s holds personal code %s", p, person)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ByPerson(context.Background(), dir, people[1])
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, e := range got {
		if e.Person != people[1] || len(e.Subject) != 64 {
			t.Errorf("entry %d: person %q subject %q", e.Index, e.Person, e.Subject)
		}
		summary = append(summary, e.Actor+" "+e.Time.Format("15:04")+" "+map[bool]string{true: "allowed", false: "denied"}[e.Allowed])
	}
	want := []string{"doc-b 10:01 allowed", "doc-d 10:03 denied", "doc-f 10:05 allowed", people[1] + " 11:00 allowed"}
	if diff := cmp.Diff(want, summary); diff != "" {
		t.Errorf("ByPerson (-want +got):\n%s", diff)
	}
	// Another store's secret gives other commitments.
	other := fill(t, 1)
	k1, _ := LoadKeys(KeyDirFor(dir))
	k2, _ := LoadKeys(KeyDirFor(other))
	if k1.Commit(people[0]) == k2.Commit(people[0]) {
		t.Error("two stores commit to a person identically")
	}
}

func TestKeyModeChecked(t *testing.T) {
	t.Parallel()
	dir := fill(t, 1)
	kd := KeyDirFor(dir)
	if st, err := os.Stat(kd); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("key dir mode: %v %v", st.Mode(), err)
	}
	for _, f := range []string{logKeyFile, personKeyFile} {
		p := filepath.Join(kd, f)
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKeys(kd); !errors.Is(err, ErrKeyMode) {
			t.Errorf("%s 0644: err = %v, want ErrKeyMode", f, err)
		}
		if _, err := Open(dir); !errors.Is(err, ErrKeyMode) {
			t.Errorf("Open with %s 0644: err = %v, want ErrKeyMode", f, err)
		}
		os.Chmod(p, 0o600)
	}
	if _, err := Keygen(kd, "x"); err == nil {
		t.Error("Keygen overwrote an existing key")
	}
	if strings.HasPrefix(kd, dir+string(filepath.Separator)) {
		t.Errorf("key dir %s inside the store %s", kd, dir)
	}
}

func TestReopenAndConcurrentWriters(t *testing.T) {
	t.Parallel()
	dir := fill(t, 3)
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	errc := make(chan error, 2)
	for _, l := range []*Log{a, b} {
		go func() {
			for i := range 20 {
				if _, err := l.Append(ctx, entry(people[0], "w", true, i), entry(people[1], "w", false, i)); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	a.Close()
	b.Close()
	rep, err := VerifyLog(ctx, dir, VerifyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Entries != 3+80 || rep.Checkpoint.Size != 83 {
		t.Errorf("%d entries, checkpoint %d; want 83", rep.Entries, rep.Checkpoint.Size)
	}
}

func TestMigrateRound1(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.CopyFS(dir, os.DirFS("testdata/round1")); err != nil {
		t.Fatal(err)
	}
	old, oldRoot, err := readLegacy(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyLog(context.Background(), dir, VerifyConfig{}); err != nil {
		t.Fatal(err)
	}
	if hasLegacy(dir) {
		t.Error("round-1 entries.jsonl (personal codes in clear) still there")
	}
	keys, err := LoadKeys(KeyDirFor(dir))
	if err != nil {
		t.Fatal(err)
	}
	var got []Entry
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if err := keys.Resolve(e); err != nil {
			t.Fatal(err)
		}
		got = append(got, *e)
	}
	if len(got) != len(old)+1 {
		t.Fatalf("%d entries after migration, want %d + 1", len(got), len(old))
	}
	for i, o := range old {
		want := Entry{Index: uint64(i), Logged: o.Logged, Time: o.Time, Actor: o.Actor, Role: o.Role, Licence: o.Licence,
			Subject: keys.Commit(o.Person), Purpose: o.Purpose, Reason: o.Reason, Use: o.Use, Allowed: o.Allowed, Rule: o.Rule, Flagged: o.Flagged}
		if diff := cmp.Diff(want, got[i], cmpopts.IgnoreFields(Entry{}, "ActorSealed", "TextSealed")); diff != "" {
			t.Errorf("entry %d (-round1 +migrated):\n%s", i, diff)
		}
	}
	m := got[len(old)]
	if m.Kind != KindMigration || m.Record == nil || m.Record.SHA256 != hexs(oldRoot) {
		t.Errorf("migration entry %+v, want the round-1 root %x", m, oldRoot)
	}
	// The person's view finds the same accesses as before.
	mine, err := ByPerson(context.Background(), dir, "49002020000")
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 4 {
		t.Errorf("%d entries for 49002020000 after migration, want 4", len(mine))
	}
}

// TestMigrateRefusesTamperedRound1: a round-1 log that does not match
// its checkpoints is not migrated (nor deleted).
func TestMigrateRefusesTamperedRound1(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	if err := os.CopyFS(dir, os.DirFS("testdata/round1")); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "audit", "entries.jsonl")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, bytes.Replace(b, []byte(`"allowed":false`), []byte(`"allowed":true `), 1), 0o644)
	if _, err := Open(dir); !errors.Is(err, ErrTampered) {
		t.Fatalf("Open: err = %v, want ErrTampered", err)
	}
	if !hasLegacy(dir) {
		t.Error("tampered round-1 log was removed")
	}
}

func hexs(b []byte) string { return hex.EncodeToString(b) }

// TestKeysMadeOnceUnderConcurrentFirstOpen: processes opening a new store
// at once agree on one key (the key directory is locked).
func TestKeysMadeOnceUnderConcurrentFirstOpen(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	kd := KeyDirFor(dir)
	errc := make(chan error, 8)
	keys := make(chan string, 8)
	for range 8 {
		go func() {
			k, err := loadOrCreateKeys(kd, dir)
			if err != nil {
				errc <- err
				return
			}
			keys <- k.VerifierKey
			errc <- nil
		}()
	}
	seen := map[string]bool{}
	for range 8 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	close(keys)
	for k := range keys {
		seen[k] = true
	}
	if len(seen) != 1 {
		t.Errorf("%d different log keys made", len(seen))
	}
}

// TestSubmitPipelined: one writer keeps many entries outstanding; each is
// logged in submission order, Wait gives its index, and Close drains what
// is still queued. A Submit after Close fails.
func TestSubmitPipelined(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	l, err := OpenWith(dir, Config{BatchMaxSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	var ps []Pending
	for i := range 1000 {
		p, err := l.Submit(ctx, entry(people[i%2], fmt.Sprintf("doc-%d", i), true, i%60))
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	for i, p := range ps[:500] {
		if idx, err := p.Wait(); err != nil || idx != uint64(i) {
			t.Fatalf("entry %d: index %d, %v", i, idx, err)
		}
	}
	if err := l.Close(); err != nil { // the other 500 are still queued
		t.Fatal(err)
	}
	if _, err := l.Submit(ctx, entry(people[0], "late", true, 0)); err == nil {
		t.Error("Submit after Close succeeded")
	}
	i := 0
	for e, err := range Entries(dir) {
		if err != nil || e.Actor != fmt.Sprintf("doc-%d", i) {
			t.Fatalf("entry %d: %+v %v", i, e, err)
		}
		i++
	}
	if i != 1000 {
		t.Fatalf("%d entries logged, want 1000", i)
	}
	if rep, err := VerifyLog(ctx, dir, VerifyConfig{}); err != nil || rep.Checkpoint.Size != 1000 {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}
