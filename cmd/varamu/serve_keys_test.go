package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/varamu/varamu/audit"
)

// TestServeAuditKeys: serve takes the audit key directory from --keys or
// the config's [audit] keys, refuses one that holds no key or whose private
// key is readable by others, and points every log of the process at it.
func TestServeAuditKeys(t *testing.T) {
	t.Setenv(audit.KeyDirEnv, "") // restored after the test: useAuditKeys sets it
	tmp := t.TempDir()
	keys := filepath.Join(tmp, "secret", "log.keys")
	if _, err := audit.Keygen(keys, "hospital.example/varamu"); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(tmp, "empty")
	if err := os.Mkdir(empty, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, flag, config, want string }{
		{"missing directory", filepath.Join(tmp, "nowhere"), "", "audit keys"},
		{"no key in it", empty, "", "audit keys"},
		{"config names a missing one", "", filepath.Join(tmp, "nowhere"), "audit keys"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := useAuditKeys(tc.flag, tc.config)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "keygen") {
				t.Fatalf("got %v, want an error naming %q and keygen", err, tc.want)
			}
			if v := os.Getenv(audit.KeyDirEnv); v != "" {
				t.Fatalf("a refused directory was still used: %s=%s", audit.KeyDirEnv, v)
			}
		})
	}
	if err := useAuditKeys("", ""); err != nil || os.Getenv(audit.KeyDirEnv) != "" {
		t.Fatalf("nothing named: err %v, %s=%q", err, audit.KeyDirEnv, os.Getenv(audit.KeyDirEnv))
	}
	// The flag wins over the config.
	if err := useAuditKeys(keys, empty); err != nil {
		t.Fatal(err)
	}
	if got := audit.KeyDirFor(filepath.Join(tmp, "store")); got != keys {
		t.Fatalf("logs of this process use %s, want %s", got, keys)
	}
	// A private key readable by others is refused.
	os.Setenv(audit.KeyDirEnv, "")
	if err := os.Chmod(filepath.Join(keys, "log.key"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := useAuditKeys("", keys); err == nil {
		t.Fatal("a log key readable by others was accepted")
	}
}
