package server_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/varamu/varamu/server"
)

// TestConfigAuditKeys: [audit] keys is read and resolved against the
// configuration's directory; an absent section names no directory.
func TestConfigAuditKeys(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ body, want string }{
		{"[audit]\nkeys = \"secret/log.keys\"\n", filepath.Join(dir, "secret", "log.keys")},
		{"[audit]\nkeys = \"/run/secrets/varamu.keys\"\n", "/run/secrets/varamu.keys"},
		{"", ""},
	} {
		p := filepath.Join(dir, "serve.toml")
		body := "[tls]\ncert = \"server.pem\"\nkey = \"server.key\"\nclient_ca = \"ca.pem\"\n" + tc.body
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		fc, err := server.LoadConfig(p)
		if err != nil {
			t.Fatalf("%q: %v", tc.body, err)
		}
		if got := fc.AuditKeysPath(); got != tc.want {
			t.Errorf("%q: AuditKeysPath %q, want %q", tc.body, got, tc.want)
		}
	}
}
