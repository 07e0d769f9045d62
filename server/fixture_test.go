package server_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/server/cdshooks"
	"github.com/varamu/varamu/server/devca"
	"github.com/varamu/varamu/server/fhirops"
)

// biobank is a synthetic store, ingested and annotated once per test
// binary; tests copy nothing and only read it (the audit log grows).
type biobank struct {
	dir  string
	asOf time.Time
	err  error
}

var (
	bbOnce sync.Once
	bb     biobank
)

func fixture(t testing.TB) biobank {
	t.Helper()
	bbOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "varamu-serve-test-")
		if err != nil {
			bb.err = err
			return
		}
		bb.dir, bb.err = build(context.Background(), tmp, &bb.asOf)
	})
	if bb.err != nil {
		t.Fatal(bb.err)
	}
	return bb
}

func build(ctx context.Context, tmp string, asOf *time.Time) (string, error) {
	bb, err := synthstore.Build(ctx, tmp, synthstore.Config{Synth: synth.Config{People: 400, Seed: 7, BackgroundSites: -1}})
	if err != nil {
		return "", err
	}
	*asOf = bb.Summary.AsOf
	oc, err := bb.OutsideCalls()
	if err != nil {
		return "", err
	}
	_, err = annotate.Run(ctx, bb.Dir, "server-test-steward", annotate.Config{Outside: oc, Workers: 2})
	return bb.Dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bb.dir != "" {
		os.RemoveAll(filepath.Dir(bb.dir))
	}
	os.Exit(code)
}

// running is a server on loopback with its CA and the certificates of the
// store's synthetic people.
type running struct {
	URL    string
	CA     *devca.CA
	Pool   *x509.CertPool
	People map[string]devca.Person
	// Extra is a second CA in the server's bundle whose key the test
	// holds (to issue expired certificates); dev-ca does not write its
	// CA key.
	Extra *devca.CA
	Dir   string // dev-ca output
	cfg   server.Config
	Srv   *server.Server
	Log   *logBuf
	stop  func()
}

type logBuf struct {
	mu sync.Mutex
	b  []byte
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

// start runs a server over the fixture store with the dev-ca
// configuration (written to a temporary directory).
func start(t testing.TB, mutate func(*server.Config)) *running {
	t.Helper()
	b := fixture(t)
	out := t.TempDir()
	res, err := devca.Write(context.Background(), b.dir, out, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	extra, err := devca.NewCA("varamu test CA 2", time.Now().AddDate(-3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := os.OpenFile(filepath.Join(out, "ca.pem"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	bundle.Write(devca.CertPEM(extra.Cert))
	bundle.Close()
	fc, err := server.LoadConfig(filepath.Join(out, "serve.toml"))
	if err != nil {
		t.Fatal(err)
	}
	lb := &logBuf{}
	cfg := server.Config{StoreDir: b.dir, Poll: 50 * time.Millisecond, MaxBody: 64 << 10, Logger: newLogger(lb)}
	if err := fc.Build(&cfg); err != nil {
		t.Fatal(err)
	}
	cfgCopy := cfg
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := cdshooks.Register(s); err != nil {
		t.Fatal(err)
	}
	if err := fhirops.Register(s); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, 5*time.Second) }()
	r := &running{URL: "https://" + ln.Addr().String(), Srv: s, Log: lb, Dir: out, Extra: extra, People: map[string]devca.Person{}, cfg: cfgCopy}
	for _, p := range res.People {
		r.People[p.Name] = p
	}
	r.Pool, _, err = identity.LoadCAs(filepath.Join(out, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	r.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		s.Close()
	}
	t.Cleanup(r.stop)
	return r
}

// client returns an HTTPS client presenting cert (nil: none).
func (r *running) client(cert *tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: r.Pool, MinVersion: tls.VersionTLS13}
	if cert != nil {
		cfg.Certificates = []tls.Certificate{*cert}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 30 * time.Second}
}

// issued returns a client presenting an issued certificate.
func (r *running) issued(c *devca.Issued) *http.Client {
	return r.client(&tls.Certificate{Certificate: [][]byte{c.Cert.Raw}, PrivateKey: c.Key, Leaf: c.Cert})
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// as returns a client with the dev-ca certificate of name.
func (r *running) as(t testing.TB, name string) *http.Client {
	t.Helper()
	cert := r.keyPair(t, name)
	return r.client(&cert)
}

// keyPair loads the dev-ca certificate and key of name.
func (r *running) keyPair(t testing.TB, name string) tls.Certificate {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(filepath.Join(r.Dir, name+".pem"), filepath.Join(r.Dir, name+".key"))
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

// dialAs opens a raw TLS connection to r's server with the dev-ca
// certificate of name (for tests that write requests byte by byte), closed
// when t ends.
func (r *running) dialAs(t testing.TB, name string) *tls.Conn {
	t.Helper()
	cert := r.keyPair(t, name)
	conn, err := tls.Dial("tcp", strings.TrimPrefix(r.URL, "https://"), &tls.Config{RootCAs: r.Pool, Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func parseKey(b []byte) (any, error) {
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, errors.New("no PEM block")
	}
	return x509.ParsePKCS8PrivateKey(blk.Bytes)
}

// serverConfig returns the configuration r's server was started with.
func serverConfig(t *testing.T, r *running) server.Config { return r.cfg }
