// Package servertest runs `varamu serve` on loopback over a store, for the
// tests of the interfaces that plug into it: dev-ca's certificates and
// serve.toml (package server/devca), a server built from them, and HTTPS
// clients presenting a dev-ca certificate. It is the one server fixture of
// the portal and research API tests; it decides nothing and holds no data.
package servertest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/server/devca"
)

// Config tunes Start. The zero value serves the store with the
// configuration dev-ca writes, polling every 50 ms, with no log.
type Config struct {
	// Poll is how often the server looks for a new store generation; 0
	// means 50 ms.
	Poll time.Duration
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
	// Now is the server's clock; nil means time.Now.
	Now func() time.Time
	// Prepare runs after dev-ca has written its files (s.CADir, s.People
	// and s.File are set) and before the server opens the store: a test
	// may change the store or the files here.
	Prepare func(t testing.TB, s *Server)
	// Register adds the interfaces under test to the server.
	Register func(t testing.TB, s *Server)
}

// Server is a running server and the dev-ca files it trusts.
type Server struct {
	URL    string                  // https://127.0.0.1:PORT
	Srv    *server.Server          // the server
	Store  string                  // the store directory it serves
	CADir  string                  // dev-ca's output: ca.pem, NAME.pem, NAME.key, serve.toml, ...
	File   *server.FileConfig      // dev-ca's serve.toml
	People map[string]devca.Person // dev-ca's people by name
	Pool   *x509.CertPool          // the CA bundle (ca.pem)
}

// Start writes dev-ca's files for the store, starts a server on a loopback
// port and stops it when t ends; it fails t on an error.
func Start(t testing.TB, storeDir string, cfg Config) *Server {
	t.Helper()
	s := &Server{Store: storeDir, CADir: t.TempDir(), People: map[string]devca.Person{}}
	res, err := devca.Write(context.Background(), storeDir, s.CADir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.People {
		s.People[p.Name] = p
	}
	if s.File, err = server.LoadConfig(filepath.Join(s.CADir, "serve.toml")); err != nil {
		t.Fatal(err)
	}
	if cfg.Prepare != nil {
		cfg.Prepare(t, s)
	}
	if s.Pool, _, err = identity.LoadCAs(filepath.Join(s.CADir, "ca.pem")); err != nil {
		t.Fatal(err)
	}
	s.Srv = newServer(t, s, cfg)
	if cfg.Register != nil {
		cfg.Register(t, s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Srv.Serve(ctx, ln, 5*time.Second) }()
	s.URL = "https://" + ln.Addr().String()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		s.Srv.Close()
	})
	return s
}

// newServer builds the server of dev-ca's serve.toml with cfg's settings.
func newServer(t testing.TB, s *Server, cfg Config) *server.Server {
	t.Helper()
	sc := server.Config{StoreDir: s.Store, Poll: cfg.Poll, Logger: cfg.Logger, Now: cfg.Now}
	if sc.Poll == 0 {
		sc.Poll = 50 * time.Millisecond
	}
	if sc.Logger == nil {
		sc.Logger = slog.New(slog.DiscardHandler)
	}
	if err := s.File.Build(&sc); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(context.Background(), sc)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// Client returns an HTTPS client that trusts the dev-ca bundle and
// presents the dev-ca certificate of name (none when name is "").
func (s *Server) Client(t testing.TB, name string) *http.Client {
	t.Helper()
	tc := &tls.Config{RootCAs: s.Pool, MinVersion: tls.VersionTLS13}
	if name != "" {
		var err error
		if tc, err = identity.ClientTLS(filepath.Join(s.CADir, name+".pem"), filepath.Join(s.CADir, name+".key"), filepath.Join(s.CADir, "ca.pem")); err != nil {
			t.Fatal(err)
		}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: tc}, Timeout: time.Minute}
}
