package main

import (
	"strings"
	"testing"
	"unicode"
)

// FuzzEscape: an escaped value prints on one line, without control or
// format characters, and distinct values stay distinct.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"plain", "a\tb\nc", "\x1b[2Kx", "r\u202eevil", `back\slash`, "\u2028", "\xff"} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ea := escape(a)
		if strings.IndexFunc(ea, func(r rune) bool {
			return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
		}) >= 0 {
			t.Fatalf("escape(%q) = %q holds a control character", a, ea)
		}
		if a != b && ea == escape(b) {
			t.Fatalf("escape(%q) == escape(%q) = %q", a, b, ea)
		}
	})
}
