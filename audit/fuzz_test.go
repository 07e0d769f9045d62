package audit

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzParseAddCheckpoint: what parses formats back to the same request.
func FuzzParseAddCheckpoint(f *testing.F) {
	f.Add([]byte("old 0\n\nexample.org/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— example.org/log abc=\n"))
	f.Add([]byte("old 5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\nx\n"))
	f.Add([]byte("old 01\n\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		old, p, signed, err := ParseAddCheckpoint(body)
		if err != nil {
			return
		}
		again := FormatAddCheckpoint(old, p, signed)
		if !bytes.Equal(again, body) {
			t.Fatalf("%q → %q", body, again)
		}
	})
}

// FuzzParseCheckpoint: no panic; what parses has a 32-byte root.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add("example.org/log\n3\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— example.org/log abc=\n")
	f.Add("x\n\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCheckpoint(s)
		if err == nil && len(c.Root) != 32 {
			t.Fatalf("%q: root of %d bytes", s, len(c.Root))
		}
	})
}

// FuzzVerifyProof: arbitrary proofs never verify against a fresh key and
// never panic.
func FuzzVerifyProof(f *testing.F) {
	const key = "example.org/log+acbbcf8c+Ad9LF7KAIiZEDkAsH5K413Fb+lMMlE4r9xpAohnXPQfo"
	f.Add([]byte("c2sp.org/tlog-proof@v1\nextra e30=\nindex 0\n\nexample.org/log\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n— example.org/log rLvPjAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 0\n\n"))
	f.Fuzz(func(t *testing.T, p []byte) {
		if _, err := VerifyProof(p, key, nil, false); err == nil {
			t.Fatalf("%q verified with a key nobody holds", p)
		}
	})
}

// FuzzCanonicalJSON: canonical JSON is valid JSON, equal in value to the
// input and a fixed point.
func FuzzCanonicalJSON(f *testing.F) {
	f.Add([]byte(`{"resourceType":"Patient","id":"p1","meta":{"versionId":"2"},"b":[1,2.50,"<&>"]}`))
	f.Add([]byte(`  {"b":1, "a":{"d":null,"c":true}} `))
	f.Add([]byte(`[1e400]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := CanonicalJSON(b)
		if err != nil {
			return
		}
		if !json.Valid(c) {
			t.Fatalf("%q → invalid %q", b, c)
		}
		c2, err := CanonicalJSON(c)
		if err != nil || !bytes.Equal(c, c2) {
			t.Fatalf("%q → %q → %q (%v)", b, c, c2, err)
		}
	})
}
