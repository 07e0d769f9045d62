package jsonappend

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStringLikeEncodingJSON: every escape encoding/json makes, byte for
// byte.
func TestStringLikeEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "<b>&amp;</b>", "\b\f\n\r\t\x00\x01\x1f\x7f",
		"ümlaut – dash …", "\u2028\u2029", "bad \xff utf8 \xc3", "emoji 😀", "\xed\xa0\x80 surrogate"} {
		if got, want := string(String(nil, s)), marshal(t, s); got != want {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
	}
}

func TestStrings(t *testing.T) {
	for _, ss := range [][]string{nil, {}, {"a"}, {"a", "<b>"}} {
		if got, want := string(Strings(nil, ss)), marshal(t, ss); got != want {
			t.Errorf("Strings(%q) = %s, want %s", ss, got, want)
		}
	}
}

func TestTime(t *testing.T) {
	for _, tm := range []time.Time{time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC), time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 120000000, time.FixedZone("x", 7200)), {}} {
		got, ok := Time(nil, tm)
		if want := marshal(t, tm); !ok || string(got) != want {
			t.Errorf("Time(%v) = %s %v, want %s", tm, got, ok, want)
		}
	}
	for _, tm := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 0, time.FixedZone("far", 24*3600))} {
		if _, err := json.Marshal(tm); err == nil {
			t.Errorf("encoding/json takes %v: the refusal test is wrong", tm)
		}
		if got, ok := Time([]byte("x"), tm); ok || string(got) != "x" {
			t.Errorf("Time(%v) = %s %v, want refused and nothing appended", tm, got, ok)
		}
	}
}

func TestKey(t *testing.T) {
	b := append([]byte(nil), '{')
	b = Key(b, "<n>")
	b = strconv.AppendUint(b, 42, 10)
	b = Key(b, "a")
	b = Bool(b, true)
	b = append(b, '}')
	if got, want := string(b), marshal(t, map[string]any{"a": true, "<n>": 42}); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// FuzzString: String writes what encoding/json writes for any input.
func FuzzString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "<&>", "\u2028", "\xff", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(String(nil, s)), marshal(t, s); got != want {
			t.Errorf("String(%q) = %s, want %s", s, got, want)
		}
	})
}
