package portal_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/server/devca"
	"github.com/varamu/varamu/server/devidp"
	"github.com/varamu/varamu/server/fhirrecords"
	"github.com/varamu/varamu/server/portal"
	"github.com/varamu/varamu/store"
)

// fixture is a synthetic store built once per test binary; every test
// works on its own copy (the portal writes consent choices).
var (
	fixOnce sync.Once
	fixDir  string
	fixErr  error
)

func fixture(t *testing.T) string {
	t.Helper()
	fixOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "varamu-portal-test-")
		if err != nil {
			fixErr = err
			return
		}
		fixDir, fixErr = build(context.Background(), tmp)
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fixDir
}

func build(ctx context.Context, tmp string) (string, error) {
	src := filepath.Join(tmp, "bb")
	if _, err := synth.Generate(ctx, src, synth.Config{People: 400, Seed: 7, BackgroundSites: -1, Appointments: true}); err != nil {
		return "", err
	}
	dir := filepath.Join(tmp, "store")
	if _, err := genotypes.Ingest(ctx, dir, []string{filepath.Join(src, "genotypes.vcf.gz")}, genotypes.IngestOptions{}); err != nil {
		return "", err
	}
	st, err := store.Open(dir, store.Options{})
	if err != nil {
		return "", err
	}
	if _, err := clinical.Ingest(ctx, st, []string{filepath.Join(src, "fhir")}, clinical.Config{BiobankSamples: []string{filepath.Join(src, "biobank", "samples.tsv")}}); err != nil {
		return "", err
	}
	f, err := os.Open(filepath.Join(src, "biobank", "outside-calls.tsv"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	oc, err := calling.ParseOutsideCalls(f, "outside-calls.tsv")
	if err != nil {
		return "", err
	}
	_, err = annotate.Run(ctx, dir, "portal-test-steward", annotate.Options{Outside: oc, Workers: 2})
	return dir, err
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixDir != "" {
		os.RemoveAll(filepath.Dir(fixDir))
	}
	os.Exit(code)
}

// env is a server with the portal and a development OpenID provider, on
// loopback, over a copy of the fixture store.
type env struct {
	URL, IDP string
	Dir      string // the store
	Pool     *x509.CertPool
	CADir    string
	People   map[string]devca.Person
	Srv      *server.Server
}

type envOptions struct {
	now    func() time.Time
	extra  func(people map[string]devca.Person) []devidp.User             // more people who may log in
	before func(t *testing.T, dir string, people map[string]devca.Person) // changes the store before the server starts
	// findings gives the portal secondary-findings reference data (after
	// before ran); nil: none.
	findings func(t *testing.T, dir string, people map[string]devca.Person) *portal.Findings
}

func newEnv(t *testing.T, opt envOptions) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{Dir: filepath.Join(t.TempDir(), "store"), CADir: t.TempDir(), People: map[string]devca.Person{}}
	src := fixture(t)
	for _, d := range []string{"", ".keys"} {
		if out, err := exec.Command("cp", "-a", src+d, e.Dir+d).CombinedOutput(); err != nil {
			t.Fatalf("copy store: %v: %s", err, out)
		}
	}
	res, err := devca.Write(ctx, e.Dir, e.CADir, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var users []devidp.User
	for _, p := range res.People {
		e.People[p.Name] = p
		u, err := devidp.NewUser(p.Name, p.Isikukood, p.Role)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	if opt.before != nil {
		opt.before(t, e.Dir, e.People)
	}
	if opt.extra != nil {
		users = append(users, opt.extra(e.People)...)
	}
	e.IDP = startIDP(t, users)
	fc, err := server.LoadConfig(filepath.Join(e.CADir, "serve.toml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{StoreDir: e.Dir, Poll: time.Hour, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: opt.now}
	if err := fc.Build(&cfg); err != nil {
		t.Fatal(err)
	}
	s, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	fhirrecords.Register(s)
	o, err := identity.NewOIDC(identity.OIDCConfig{Issuer: e.IDP, ClientID: devidp.ClientID})
	if err != nil {
		t.Fatal(err)
	}
	pcfg := portal.Config{OIDC: o}
	if opt.findings != nil {
		pcfg.Findings = opt.findings(t, e.Dir, e.People)
	}
	if _, err := portal.Register(s, pcfg); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Serve(sctx, ln, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		s.Close()
	})
	e.URL, e.Srv = "https://"+ln.Addr().String(), s
	if e.Pool, _, err = identity.LoadCAs(filepath.Join(e.CADir, "ca.pem")); err != nil {
		t.Fatal(err)
	}
	return e
}

func startIDP(t *testing.T, users []devidp.User) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	p, err := devidp.New(devidp.Config{Issuer: issuer, Users: users})
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: p, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return issuer
}

// browser is a cookie-keeping HTTPS client, like a browser without script.
func (e *env) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.Pool, MinVersion: tls.VersionTLS13}}}
}

// login logs code in through the provider with c and returns the portal
// page the login ended on.
func (e *env) login(t *testing.T, c *http.Client, code string) string {
	t.Helper()
	resp, err := c.Get(e.URL + "/portal/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("login did not reach the provider's login page: %s", resp.Request.URL)
	}
	resp, err = c.PostForm(e.IDP+"/login", url.Values{"id": {id}, "user": {code}, "amr": {"smartid"}})
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != 200 || !strings.Contains(body, `id="continue"`) {
		t.Fatalf("login of %s ended with %d at %s: %s", code, resp.StatusCode, resp.Request.URL, body)
	}
	return body
}

func (e *env) loggedIn(t *testing.T, code string) *http.Client {
	c := e.browser(t)
	e.login(t, c, code)
	return c
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// get returns status and body of a GET of the portal path.
func (e *env) get(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	resp, err := c.Get(e.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, readAll(t, resp)
}

// post posts a form to the portal path, not following the redirect.
func (e *env) post(t *testing.T, c *http.Client, path string, form url.Values) (int, string) {
	t.Helper()
	nc := *c
	nc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := nc.PostForm(e.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, readAll(t, resp)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the session, read from a page of it.
func (e *env) csrf(t *testing.T, c *http.Client) string {
	t.Helper()
	_, body := e.get(t, c, "/portal/")
	m := csrfRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the home page: %s", body)
	}
	return m[1]
}

// professional is an HTTPS client with dev-ca's professional certificate.
func (e *env) professional(t *testing.T) *http.Client {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(filepath.Join(e.CADir, "professional.pem"), filepath.Join(e.CADir, "professional.key"))
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.Pool,
		Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}}}
}

var errNoMatch = errors.New("no match")

// authoriser is the person who authorised dev-ca's representative.
func authoriser(p devca.Person) (string, error) {
	_, code, ok := strings.Cut(p.Role, "authorised by ")
	if !ok {
		return "", errNoMatch
	}
	return strings.TrimSpace(code), nil
}
