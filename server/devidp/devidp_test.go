package devidp_test

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/server/devidp"
)

// provider starts a provider on loopback with two people.
func provider(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuer := "http://" + ln.Addr().String()
	parent, _ := devidp.NewUser("parent", "37711020006", "parent")
	child, _ := devidp.NewUser("child", "50912240009", "child")
	p, err := devidp.New(devidp.Config{Issuer: issuer, Users: []devidp.User{parent, child}})
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: p}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return issuer
}

// authorize runs the browser's part: the provider's login page, the choice
// of person, and the redirect to the portal's callback (not followed).
func authorize(t *testing.T, issuer string, l identity.Login, code, amr string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if r.URL.Path == "/portal/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := c.Get(l.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Request.URL.Query().Get("authRequestID")
	resp, err = c.PostForm(issuer+"/login", url.Values{"id": {id}, "user": {code}, "amr": {amr}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("no redirect to the callback (%d)", resp.StatusCode)
	}
	return loc.Query()
}

// TestTARAStyleLogin: code flow with PKCE; the ID token carries sub
// EE<isikukood>, the chosen amr and profile_attributes.
func TestTARAStyleLogin(t *testing.T) {
	issuer := provider(t)
	o, err := identity.NewOIDC(identity.OIDCConfig{Issuer: issuer, ClientID: devidp.ClientID})
	if err != nil {
		t.Fatal(err)
	}
	l, err := o.Start(t.Context(), "https://127.0.0.1:8443/portal/callback")
	if err != nil {
		t.Fatal(err)
	}
	q := authorize(t, issuer, l, "50912240009", "mID")
	c, p, err := o.Finish(t.Context(), l, q.Get("state"), q.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Isikukood != "50912240009" || c.Method != identity.OIDCLogin || p.Given != "CHILD" || p.Family != "TEST" ||
		len(p.AMR) != 1 || p.AMR[0] != "mID" || !p.BirthDate.Equal(time.Date(2009, 12, 24, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("%+v %+v", c, p)
	}
	if _, _, err := o.Finish(t.Context(), l, q.Get("state"), q.Get("code")); !errors.Is(err, identity.ErrOIDCToken) {
		t.Errorf("a code used twice: %v", err)
	}
}

// TestPKCERequired: a code exchanged without the right verifier, or a
// callback URL that is not the portal's on loopback, is refused.
func TestPKCERequired(t *testing.T) {
	issuer := provider(t)
	o, _ := identity.NewOIDC(identity.OIDCConfig{Issuer: issuer, ClientID: devidp.ClientID})
	l, err := o.Start(t.Context(), "https://127.0.0.1:8443/portal/callback")
	if err != nil {
		t.Fatal(err)
	}
	q := authorize(t, issuer, l, "37711020006", "idcard")
	stolen := l
	stolen.Verifier = "an-attacker-does-not-know-the-verifier-of-this-login-xx"
	if _, _, err := o.Finish(t.Context(), stolen, q.Get("state"), q.Get("code")); !errors.Is(err, identity.ErrOIDCToken) {
		t.Errorf("wrong PKCE verifier: %v", err)
	}
	bad, err := o.Start(t.Context(), "https://evil.example/portal/callback")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(bad.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Query().Get("authRequestID") != "" {
		t.Error("a foreign callback URL reached the login page")
	}
}
