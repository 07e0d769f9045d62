package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func marshalLeaf(t *testing.T, e *Entry) string {
	t.Helper()
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAppendLeafLikeMarshal: every member, empty and set, and every kind
// of entry encode to json.Marshal's bytes; times encoding/json refuses are
// left to it.
func TestAppendLeafLikeMarshal(t *testing.T) {
	now := time.Date(2026, 12, 2, 7, 0, 0, 123456000, time.UTC)
	for name, e := range map[string]*Entry{
		"zero":                                 {},
		"decision":                             {Logged: now, Time: now.Add(-time.Second), Actor: "D12345", Role: "professional", Licence: "D12345", Subject: "ab12", Purpose: "treatment", Allowed: true, Rule: "treatment by licensed professional D12345"},
		"sealed":                               {Logged: now, Time: now, ActorSealed: "c2VhbGVk", Role: "patient", Subject: "cd", Purpose: "self", TextSealed: "x+y/z=", Flagged: true, Reason: "<unconscious> & \"bleeding\"\n"},
		"research":                             {Kind: KindAccess, Logged: now, Time: now, Actor: "R1", Role: "researcher", Subject: "*", Purpose: "research", Use: "DUO:0000042", Rule: "no research consent"},
		"record":                               {Kind: KindRecord, Logged: now, Time: now, Role: "batch", Record: &RecordRef{Type: "Observation", ID: "ef", Version: "2", SHA256: "00ff"}},
		"gen":                                  {Kind: KindGeneration, Logged: now, Time: now.In(time.FixedZone("EET", 7200)), Role: "operator", Record: &RecordRef{Type: "generation", ID: "7", SHA256: "aa"}},
		"index and person are not in the leaf": {Index: 9, Person: "39001010008", Logged: now, Time: now},
	} {
		got, ok := e.appendLeaf([]byte("prefix"))
		if !ok {
			t.Errorf("%s: appendLeaf gave up", name)
			continue
		}
		if d := cmp.Diff("prefix"+marshalLeaf(t, e), string(got)); d != "" {
			t.Errorf("%s (-json.Marshal +appendLeaf):\n%s", name, d)
		}
		if leaf, err := e.Leaf(); err != nil || string(leaf) != marshalLeaf(t, e) {
			t.Errorf("%s: Leaf() = %s, %v", name, leaf, err)
		}
	}
	bad := &Entry{Logged: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if got, ok := bad.appendLeaf([]byte("p")); ok || string(got) != "p" {
		t.Errorf("year 10000: appendLeaf = %s %v, want it left to encoding/json", got, ok)
	}
	if _, err := bad.Leaf(); err == nil {
		t.Error("year 10000: Leaf took a time encoding/json refuses")
	}
}

// FuzzAppendLeaf: any text in any member encodes as json.Marshal encodes
// it.
func FuzzAppendLeaf(f *testing.F) {
	f.Add("D1", "professional", "treatment by <x> & \"y\"", "\xff\u2028", int64(1764658800123456789), true)
	f.Add("", "", "", "", int64(0), false)
	f.Fuzz(func(t *testing.T, actor, role, rule, reason string, nanos int64, flag bool) {
		tm := time.Unix(0, nanos).UTC()
		e := &Entry{Logged: tm, Time: tm, Actor: actor, Role: role, Rule: rule, Reason: reason, Subject: actor, Flagged: flag, Allowed: !flag}
		if flag {
			e.Record = &RecordRef{Type: role, ID: rule, Version: reason}
		}
		got, ok := e.appendLeaf(nil)
		if !ok {
			t.Fatalf("appendLeaf gave up on %v", tm)
		}
		if want := marshalLeaf(t, e); string(got) != want {
			t.Fatalf("appendLeaf:\n%s\njson.Marshal:\n%s", got, want)
		}
	})
}

// TestCommitReusesNoState: the pooled HMAC gives each person the same
// commitment as a fresh one, in any order and from many goroutines.
func TestCommitReusesNoState(t *testing.T) {
	k := &Keys{person: []byte("a person secret of thirty-two b.")}
	want := func(p string) string {
		m := hmac.New(sha256.New, k.person)
		m.Write([]byte(p))
		return hex.EncodeToString(m.Sum(nil))
	}
	people := []string{"39001010008", "49002020019", "x", "39001010008"}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				p := people[(i+g)%len(people)]
				if got := k.Commit(p); got != want(p) {
					t.Errorf("Commit(%s) = %s, want %s", p, got, want(p))
					return
				}
			}
		}()
	}
	wg.Wait()
	if k.Commit("") != "" || k.Commit("*") != "*" {
		t.Error(`"" and "*" are not kept as they are`)
	}
}
