package audit

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestProveForPerson: with a witness configured, a person's accesses
// (also one appended just now, with the log open) are each proved against
// a freshly witnessed checkpoint and verified; each proof checks offline
// with verify-proof's function and carries that entry. An entry changed in
// the tiles after it was logged is never shown as verified.
func TestProveForPerson(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _ := witnessed(t, 4)
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Append(ctx, entry(people[0], "doc-now", true, 5)); err != nil {
		t.Fatal(err)
	}
	mine, err := l.ByPerson(ctx, people[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(mine) != 3 || mine[2].Actor != "doc-now" {
		t.Fatalf("accesses %+v", mine)
	}
	view, err := l.ProveForPerson(ctx, mine, nil)
	if err != nil {
		t.Fatal(err)
	}
	if view.WitnessErr != nil || !view.Witnessed || view.Checkpoint.Size != 5 {
		t.Fatalf("view: witnessed %v at size %d, %v", view.Witnessed, view.Checkpoint.Size, view.WitnessErr)
	}
	keys := l.Keys()
	wkeys := []string{keys.Witnesses[0].Key}
	for _, a := range view.Accesses {
		if !a.Verified || a.Status != "verified" {
			t.Errorf("entry %d: %v %q", a.Entry.Index, a.Verified, a.Status)
		}
		got, err := VerifyProof(a.Proof, keys.VerifierKey, wkeys, true)
		if err != nil || got.Entry.Index != a.Entry.Index || got.Entry.Subject != a.Entry.Subject {
			t.Errorf("downloaded proof of %d: %+v %v", a.Entry.Index, got, err)
		}
	}

	// The entry of index 2 (doc-0-2, people[0]) changed in the tiles after
	// the witness cosigned: its proof no longer checks.
	editBundle(t, dir, 5, func(es [][]byte) [][]byte {
		es[2] = bytes.Replace(es[2], []byte(`"allowed":true`), []byte(`"allowed":false`), 1)
		return es
	})
	view, err = l.ProveForPerson(ctx, mine, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range view.Accesses {
		if a.Entry.Index == 2 && (a.Verified || !strings.HasPrefix(a.Status, "NOT VERIFIED")) {
			t.Errorf("a changed entry shown as %q (verified %v)", a.Status, a.Verified)
		}
	}
}
