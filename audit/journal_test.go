package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// journalOnly appends n entries named prefix-i to the log of the store in
// dir without integrating them into the tree, as a process killed after
// acknowledging them leaves them, and returns the journal's bytes.
func journalOnly(t *testing.T, dir, prefix string, n int) []byte {
	t.Helper()
	l, err := OpenWith(dir, Config{noIntegrate: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if _, err := l.Append(context.Background(), entry(people[i%2], fmt.Sprintf("%s-%d", prefix, i), true, i%60)); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(journalPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	_, _, valid, err := parseJournal(b)
	if err != nil {
		t.Fatal(err)
	}
	return b[:valid]
}

// seedOf returns the checksum seed of the records of journal bytes j.
func seedOf(t *testing.T, j []byte) uint32 {
	t.Helper()
	s, err := headerSeed(j)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// actors returns the actors of the log's entries in order, checking the
// indices run 0, 1, ...
func actors(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Index != uint64(len(out)) {
			t.Fatalf("entry %d has index %d", len(out), e.Index)
		}
		out = append(out, e.Actor)
	}
	return out
}

func wantActors(t *testing.T, dir string, want []string) {
	t.Helper()
	got := actors(t, dir)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("log holds %v, want %v", got, want)
	}
}

func names(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s-%d", prefix, i))
	}
	return out
}

func verified(t *testing.T, dir string) *Report {
	t.Helper()
	rep, err := VerifyLog(context.Background(), dir, VerifyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestJournalReplayedExactlyOnce: acknowledged entries left in the journal
// are readable at once, integrated by the next Open, and a journal whose
// records are already in the tree (a kill after integration, before the
// journal was emptied) adds nothing twice.
func TestJournalReplayedExactlyOnce(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	j := journalOnly(t, dir, "a", 20)
	wantActors(t, dir, names("a", 20))
	if rep := verified(t, dir); rep.Entries != 0 || rep.Journaled != 20 {
		t.Fatalf("before replay: %d in the tree, %d journaled; want 0, 20", rep.Entries, rep.Journaled)
	}
	appendN(t, dir, 0, 0) // Open and Close: replays
	if rep := verified(t, dir); rep.Entries != 20 || rep.Journaled != 0 || rep.Checkpoint.Size != 20 {
		t.Fatalf("after replay: %+v", rep)
	}
	// The kill between integration and emptying the journal.
	if err := os.WriteFile(journalPath(dir), j, 0o644); err != nil {
		t.Fatal(err)
	}
	wantActors(t, dir, names("a", 20))
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := entry(people[0], "late", true, 0)
	if _, err := l.Append(context.Background(), e); err != nil || e.Index != 20 {
		t.Fatalf("append after replay: index %d, %v", e.Index, err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	wantActors(t, dir, append(names("a", 20), "late"))
	if rep := verified(t, dir); rep.Entries != 21 || rep.Journaled != 0 {
		t.Fatalf("after append: %+v", rep)
	}
}

// TestJournalTornTail: a record cut short or with a bad checksum (a write
// never acknowledged) ends the journal; the next writer overwrites it and
// every acknowledged entry keeps its index.
func TestJournalTornTail(t *testing.T) {
	t.Parallel()
	cutShort := func(j []byte) []byte { return appendRecord(nil, seedOf(t, j), 5, []byte(`{"x":1}`))[:12] }
	for name, tail := range map[string]func([]byte) []byte{
		"cut short": cutShort,
		"bad checksum": func(j []byte) []byte {
			r := appendRecord(nil, seedOf(t, j), 5, []byte(`{"x":1}`))
			r[len(r)-1] ^= 1
			return r
		},
		"half header": func(j []byte) []byte { return []byte{9, 0, 0} },
		// A kill in a zero-filled segment: the torn record, then zeros.
		"cut short in a preallocated segment": func(j []byte) []byte {
			return append(cutShort(j), make([]byte, journalSegment-len(j)-12)...)
		},
		// Zeros, then a record the writer had written further on (a
		// write whose first page never reached the disk).
		"zeros then a record": func(j []byte) []byte {
			return append(make([]byte, 100), appendRecord(nil, seedOf(t, j), 5, []byte(`{"x":1}`))...)
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "store")
			j := journalOnly(t, dir, "a", 5)
			if err := os.WriteFile(journalPath(dir), append(j, tail(j)...), 0o644); err != nil {
				t.Fatal(err)
			}
			wantActors(t, dir, names("a", 5))
			l, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := l.Append(context.Background(), entry(people[0], "b", true, 0)); err != nil {
				t.Fatal(err)
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			wantActors(t, dir, append(names("a", 5), "b"))
			if rep := verified(t, dir); rep.Entries != 6 || rep.Journaled != 0 {
				t.Fatalf("%+v", rep)
			}
		})
	}
}

// TestJournalGapRefused: a journal that skips an index (an edited journal)
// is refused by readers and by Open, never integrated at the wrong index.
func TestJournalGapRefused(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "store")
	j := journalOnly(t, dir, "a", 3)
	leaf, err := entry(people[0], "x", true, 0).Leaf()
	if err != nil {
		t.Fatal(err)
	}
	// A journal whose first record is at 1 while the tree is empty.
	gap := appendRecord(bytes.Clone(j[:journalHeader]), seedOf(t, j), 1, leaf)
	if err := os.WriteFile(journalPath(dir), gap, 0o644); err != nil {
		t.Fatal(err)
	}
	for range Entries(dir) {
	}
	var seenErr error
	for _, err := range Entries(dir) {
		seenErr = err
	}
	if !errors.Is(seenErr, ErrJournal) {
		t.Errorf("Entries: %v, want ErrJournal", seenErr)
	}
	if l, err := Open(dir); !errors.Is(err, ErrJournal) {
		if err == nil {
			l.Close()
		}
		t.Errorf("Open: %v, want ErrJournal", err)
	}
}

func TestParseJournal(t *testing.T) {
	head := []byte(journalMagic + "\x07\x00\x00\x00\x00\x00\x00\x00")
	seed := seedOf(t, head)
	two := appendRecord(appendRecord(bytes.Clone(head), seed, 3, []byte("a")), seed, 4, []byte("bc"))
	// The same records under another epoch (left in place by a reset).
	seed8 := seedOf(t, []byte(journalMagic+"\x08\x00\x00\x00\x00\x00\x00\x00"))
	stale := appendRecord(appendRecord(nil, seed8, 5, []byte("a")), seed8, 6, []byte("bc"))
	first := []byte(journalMagic1 + "\x07\x00\x00\x00\x00\x00\x00\x00")
	for _, c := range []struct {
		name    string
		b       []byte
		want    string
		valid   int
		wantErr bool
	}{
		{"empty", nil, "[]", 0, false},
		{"header only", head, "[]", 16, false},
		{"two records", two, "[3:a 4:bc]", len(two), false},
		{"torn second", two[:len(two)-1], "[3:a]", 16 + 17, false},
		{"bad magic", append([]byte("NOTAJRNL"), head[8:]...), "", 0, true},
		{"not consecutive", appendRecord(appendRecord(bytes.Clone(head), seed, 3, []byte("a")), seed, 5, []byte("b")), "", 0, true},
		{"zeros after", append(bytes.Clone(two), make([]byte, 4096)...), "[3:a 4:bc]", len(two), false},
		{"old epoch's records after", append(bytes.Clone(two), stale...), "[3:a 4:bc]", len(two), false},
		{"old epoch's records only", append(bytes.Clone(head), stale...), "[]", 16, false},
		{"first format", appendRecord(bytes.Clone(first), 0, 3, []byte("a")), "[3:a]", 16 + 17, false},
		{"first format's records under the new magic", appendRecord(bytes.Clone(head), 0, 3, []byte("a")), "[]", 16, false},
		{"length too short", append(bytes.Clone(head), binary.LittleEndian.AppendUint32(nil, 4)...), "[]", 16, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			epoch, recs, valid, err := parseJournal(c.b)
			if (err != nil) != c.wantErr {
				t.Fatalf("err %v, want error %v", err, c.wantErr)
			}
			if err != nil {
				return
			}
			var got []string
			for _, r := range recs {
				got = append(got, fmt.Sprintf("%d:%s", r.index, r.leaf))
			}
			if fmt.Sprint(got) != c.want || valid != int64(c.valid) {
				t.Errorf("got %v valid %d, want %s valid %d", got, valid, c.want, c.valid)
			}
			if len(c.b) >= 16 && epoch != 7 {
				t.Errorf("epoch %d", epoch)
			}
		})
	}
}

// FuzzParseJournal: no panic; the valid prefix re-encodes to the same
// bytes.
func FuzzParseJournal(f *testing.F) {
	head := []byte(journalMagic + "\x01\x00\x00\x00\x00\x00\x00\x00")
	seed, _ := headerSeed(head)
	f.Add(appendRecord(appendRecord(bytes.Clone(head), seed, 0, []byte(`{"a":1}`)), seed, 1, nil))
	f.Add(append(appendRecord(bytes.Clone(head), seed, 0, []byte(`{"a":1}`)), make([]byte, 64)...))
	f.Add(head)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		_, recs, valid, err := parseJournal(b)
		if err != nil || valid == 0 {
			return
		}
		again := bytes.Clone(b[:journalHeader])
		seed, _ := headerSeed(again)
		for _, r := range recs {
			again = appendRecord(again, seed, r.index, r.leaf)
		}
		if !bytes.Equal(again, b[:valid]) {
			t.Fatalf("valid prefix %x re-encodes to %x", b[:valid], again)
		}
	})
}

// TestFlushOnDemand: with no background integration, everything that
// proves or checkpoints integrates the journal first, and readers see
// journaled entries before that.
func TestFlushOnDemand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _ := witnessed(t, 4)
	l, err := OpenWith(dir, Config{noBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := l.Append(ctx, entry(people[0], "doc-now", true, 5)); err != nil {
		t.Fatal(err)
	}
	if n, err := integratedSize(logDir(dir)); err != nil || n != 4 {
		t.Fatalf("tree of %d entries (%v) before any flush, want 4: the entry should wait in the journal", n, err)
	}
	mine, err := l.ByPerson(ctx, people[0])
	if err != nil || len(mine) != 3 || mine[2].Actor != "doc-now" {
		t.Fatalf("ByPerson before integration: %+v %v", mine, err)
	}
	view, err := l.ProveForPerson(ctx, mine, nil)
	if err != nil {
		t.Fatal(err)
	}
	if view.Checkpoint.Size != 5 || !view.Witnessed {
		t.Fatalf("proved against size %d (witnessed %v), want 5", view.Checkpoint.Size, view.Witnessed)
	}
	for _, a := range view.Accesses {
		if !a.Verified {
			t.Errorf("entry %d: %q", a.Entry.Index, a.Status)
		}
	}
	if _, err := l.Append(ctx, entry(people[1], "doc-later", true, 6)); err != nil {
		t.Fatal(err)
	}
	if rep := verified(t, dir); rep.Entries != 6 || rep.Journaled != 0 {
		t.Fatalf("VerifyLog: %d in the tree, %d journaled; want 6, 0", rep.Entries, rep.Journaled)
	}
	if _, err := l.Append(ctx, entry(people[1], "doc-last", true, 7)); err != nil {
		t.Fatal(err)
	}
	if n, err := l.Size(ctx); err != nil || n != 7 {
		t.Fatalf("Size: %d, %v; want 7", n, err)
	}
}

// TestIntegrationReadsOnlyNewRecords: while writers keep the journal from
// ever being emptied (an entry always arrives before the integration
// could empty it, as during a long ingest), each integration reads only
// the records journaled since the last one, not the whole journal again
// (which made a 200,000-person ingest quadratic), and every entry still
// reaches the tree exactly once, in order.
func TestIntegrationReadsOnlyNewRecords(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	l, err := OpenWith(dir, Config{noBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	appendAs := func(a string, minute int) {
		want = append(want, a)
		if _, err := l.Append(ctx, entry(people[minute%2], a, true, minute)); err != nil {
			t.Fatal(err)
		}
	}
	l.sh.integ.beforeReset = func() { appendAs(fmt.Sprintf("late-%d", len(want)), 1) }
	for round := range 20 {
		for i := range 50 {
			appendAs(fmt.Sprintf("r%d-%d", round, i), i)
		}
		if err := l.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	l.sh.integ.beforeReset = nil
	j := l.sh.journal
	_, _, size, err := j.snapshot() // never emptied: its records' length
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got := j.scanned.Load(); got > 2*size {
		t.Errorf("integrations read %d journal bytes of a journal of %d: the whole journal again each time", got, size)
	}
	wantActors(t, dir, want)
	if rep := verified(t, dir); rep.Entries != uint64(len(want)) || rep.Journaled != 0 {
		t.Fatalf("VerifyLog: %d in the tree, %d journaled; want %d, 0", rep.Entries, rep.Journaled, len(want))
	}
}

// TestJournalPreallocatedTail: the journal's space is zero-filled ahead in
// whole segments and records overwrite it in place; after a reset the old
// records stay in the file, yet a reader takes neither zeros nor a record
// of an old epoch for a record, and the next records get the right
// indices.
func TestJournalPreallocatedTail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	l, err := OpenWith(dir, Config{noBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := l.Append(ctx, entry(people[i%2], fmt.Sprintf("a-%d", i), true, i)); err != nil {
			t.Fatal(err)
		}
	}
	before := journalFile(t, dir)
	if err := l.Flush(ctx); err != nil { // integrates, then empties the journal
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	after := journalFile(t, dir)
	if len(after) != len(before) || len(after)%journalSegment != 0 {
		t.Fatalf("journal of %d bytes, then %d after the reset; want the same multiple of %d", len(before), len(after), journalSegment)
	}
	if _, recs, valid, err := parseJournal(after); err != nil || len(recs) != 0 || valid != journalHeader || allZero(after[journalHeader:]) {
		t.Fatalf("after the reset: %d records, valid %d, %v; want none, the old ones still in the file", len(recs), valid, err)
	}
	b := journalOnly(t, dir, "b", 3)
	if rest := journalFile(t, dir)[len(b):]; allZero(rest[:journalRecHead]) || len(rest)+len(b) != len(after) {
		t.Fatalf("the new records are not followed by the old ones in the same file")
	}
	wantActors(t, dir, append(names("a", 10), names("b", 3)...))
	if rep := verified(t, dir); rep.Entries != 10 || rep.Journaled != 3 {
		t.Fatalf("%d in the tree, %d journaled; want 10, 3", rep.Entries, rep.Journaled)
	}
	appendN(t, dir, 0, 0) // Open and Close: replays
	wantActors(t, dir, append(names("a", 10), names("b", 3)...))
	// Regression: an append after a reset read the whole journal again,
	// taking the old records after the header for a torn tail.
	l, err = OpenWith(dir, Config{noBackground: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := l.Append(ctx, entry(people[0], fmt.Sprintf("c-%d", i), true, i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := l.sh.journal.reloads.Load(); n > 1 {
		t.Errorf("20 appends after a reset read the whole journal %d times, want once (at Open)", n)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func journalFile(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(journalPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestLastRecordEnd: after a power loss only records of the current epoch
// need zeros; zeros, a cut-short record and an old epoch's records do not.
func TestLastRecordEnd(t *testing.T) {
	seed, old := uint32(7), uint32(8)
	rec := appendRecord(nil, seed, 5, []byte(`{"x":1}`))
	for _, c := range []struct {
		name string
		b    []byte
		want int
	}{
		{"zeros", make([]byte, 4096), 0},
		{"cut short", append(rec[:len(rec)-2:len(rec)-2], make([]byte, 64)...), 0},
		{"old epoch", append(appendRecord(nil, old, 5, []byte(`{"x":1}`)), make([]byte, 64)...), 0},
		{"after a hole", append(append(make([]byte, 100), rec...), make([]byte, 64)...), 100 + len(rec)},
		{"two", append(bytes.Clone(rec), rec...), 2 * len(rec)},
		{"acknowledged before", append(bytes.Clone(rec), make([]byte, 64)...), 0}, // index 5 < next 6
		{"far ahead", append(appendRecord(nil, seed, 5+maxUnacked, []byte(`{"x":1}`)), make([]byte, 64)...), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			next := uint64(5)
			if c.name == "acknowledged before" {
				next = 6
			}
			if got := lastRecordEnd(c.b, seed, next); got != c.want {
				t.Errorf("lastRecordEnd = %d, want %d", got, c.want)
			}
		})
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
