package portal_test

import (
	"context"
	"errors"
	"io"
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

	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/server/devca"
	"github.com/varamu/varamu/server/devidp"
	"github.com/varamu/varamu/server/fhirrecords"
	"github.com/varamu/varamu/server/portal"
	"github.com/varamu/varamu/server/servertest"
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
	bb, err := synthstore.Build(ctx, tmp, synthstore.Config{Synth: synth.Config{People: 400, Seed: 7, BackgroundSites: -1, Appointments: true}})
	if err != nil {
		return "", err
	}
	oc, err := bb.OutsideCalls()
	if err != nil {
		return "", err
	}
	_, err = annotate.Run(ctx, bb.Dir, "portal-test-steward", annotate.Config{Outside: oc, Workers: 2})
	return bb.Dir, err
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
	*servertest.Server
	IDP string
	Dir string // the store
}

type envConfig struct {
	now    func() time.Time
	extra  func(people map[string]devca.Person) []devidp.User             // more people who may log in
	before func(t *testing.T, dir string, people map[string]devca.Person) // changes the store before the server starts
	// findings gives the portal secondary-findings reference data (after
	// before ran); nil: none.
	findings func(t *testing.T, dir string, people map[string]devca.Person) *portal.Findings
}

func newEnv(t *testing.T, opt envConfig) *env {
	t.Helper()
	e := &env{Dir: filepath.Join(t.TempDir(), "store")}
	src := fixture(t)
	for _, d := range []string{"", ".keys"} {
		if out, err := exec.Command("cp", "-a", src+d, e.Dir+d).CombinedOutput(); err != nil {
			t.Fatalf("copy store: %v: %s", err, out)
		}
	}
	e.Server = servertest.Start(t, e.Dir, servertest.Config{Poll: time.Hour, Now: opt.now,
		Prepare: func(_ testing.TB, s *servertest.Server) {
			var users []devidp.User
			for _, p := range s.People {
				u, err := devidp.NewUser(p.Name, p.Isikukood, p.Role)
				if err != nil {
					t.Fatal(err)
				}
				users = append(users, u)
			}
			if opt.before != nil {
				opt.before(t, e.Dir, s.People)
			}
			if opt.extra != nil {
				users = append(users, opt.extra(s.People)...)
			}
			e.IDP = startIDP(t, users)
		},
		Register: func(_ testing.TB, s *servertest.Server) {
			fhirrecords.Register(s.Srv)
			o, err := identity.NewOIDC(identity.OIDCConfig{Issuer: e.IDP, ClientID: devidp.ClientID})
			if err != nil {
				t.Fatal(err)
			}
			pcfg := portal.Config{OIDC: o}
			if opt.findings != nil {
				pcfg.Findings = opt.findings(t, e.Dir, s.People)
			}
			if _, err := portal.Register(s.Srv, pcfg); err != nil {
				t.Fatal(err)
			}
		}})
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
	c := e.Client(t, "")
	c.Jar = jar
	return c
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
func (e *env) professional(t *testing.T) *http.Client { return e.Client(t, "professional") }

var errNoMatch = errors.New("no match")

// authoriser is the person who authorised dev-ca's representative.
func authoriser(p devca.Person) (string, error) {
	_, code, ok := strings.Cut(p.Role, "authorised by ")
	if !ok {
		return "", errNoMatch
	}
	return strings.TrimSpace(code), nil
}
