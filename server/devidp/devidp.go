// Package devidp is `varamu dev-idp`: a development OpenID provider on
// loopback that logs in the synthetic people of a store the way TARA, the
// Estonian state authentication service, logs in real ones
// (https://e-gov.github.io/TARA-Doku/TechnicalSpecification): OpenID
// Connect Core 1.0 authorization code flow with PKCE (S256), an ID token
// whose sub is "EE" + isikukood, amr "idcard", "mID" or "smartid", and
// profile_attributes with given_name, family_name and date_of_birth.
//
// The protocol is github.com/zitadel/oidc/v3/pkg/op; this package holds
// only its in-memory storage, the one registered client (the portal,
// ClientID, a public client that MUST use PKCE) and a login page where a
// person is picked from a list instead of presenting an ID card. It is for
// trials and tests on loopback only: anyone who can reach it can log in as
// anyone on the list.
package devidp

import (
	"crypto/rand"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// ClientID is the client id of the varamu portal at the provider.
const ClientID = "varamu-portal"

// DefaultRedirects are the portal callback URLs the provider accepts
// (path.Match globs): the portal on loopback, on any port.
var DefaultRedirects = []string{"https://127.0.0.1:*/portal/callback", "https://localhost:*/portal/callback"}

// User is a person who may log in.
type User struct {
	Isikukood     string
	Given, Family string
	BirthDate     time.Time
	// Label says who the person is in the store (shown on the login page).
	Label string
}

// Config configures a Provider.
type Config struct {
	// Issuer is the provider's URL, http://HOST:PORT on loopback (required).
	Issuer string
	// Users are the people on the login page (required, at least one).
	Users []User
	// Redirects are the accepted portal callback URL globs (nil:
	// DefaultRedirects).
	Redirects []string
	// Now is the clock of requests and tokens (nil: time.Now).
	Now func() time.Time
}

// Provider is the development provider's HTTP handler.
type Provider struct {
	store    *storage
	op       *op.Provider
	callback func(id string) string
	mux      *http.ServeMux
}

// New builds the provider.
func New(cfg Config) (*Provider, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("devidp: an issuer URL is required")
	}
	if len(cfg.Users) == 0 {
		return nil, errors.New("devidp: nobody to log in")
	}
	if cfg.Redirects == nil {
		cfg.Redirects = DefaultRedirects
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	st, err := newStorage(cfg.Users, &client{id: ClientID, redirects: cfg.Redirects}, cfg.Now)
	if err != nil {
		return nil, err
	}
	var key [32]byte
	rand.Read(key[:])
	o, err := op.NewProvider(&op.Config{CryptoKey: key, CodeMethodS256: true, SupportedScopes: []string{oidc.ScopeOpenID, "idcard", "mid", "smartid"},
		SupportedClaims: []string{"sub", "amr", "acr", "profile_attributes", "nonce", "aud", "iss", "exp", "iat", "auth_time"}},
		st, op.StaticIssuer(cfg.Issuer), op.WithAllowInsecure())
	if err != nil {
		return nil, err
	}
	p := &Provider{store: st, op: o, mux: http.NewServeMux()}
	p.callback = func(id string) string {
		return cfg.Issuer + o.AuthorizationEndpoint().Relative() + "/callback?id=" + url.QueryEscape(id)
	}
	p.mux.HandleFunc("GET /login", p.loginPage)
	p.mux.HandleFunc("POST /login", p.loginDone)
	p.mux.Handle("/", o)
	return p, nil
}

// ServeHTTP serves the provider: discovery, authorize, token, keys,
// userinfo, and the login page.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	p.mux.ServeHTTP(w, r)
}

var methods = []struct{ AMR, Name string }{{"idcard", "ID-card"}, {"mID", "Mobile-ID"}, {"smartid", "Smart-ID"}}

var loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>varamu dev-idp: log in</title></head>
<body><h1>Development login (TARA style)</h1>
<p>Pick a synthetic person and the means they use. This provider is for trials on loopback only.</p>
<form method="post" action="/login">
<input type="hidden" name="id" value="{{.ID}}">
<p><label for="amr">Means</label> <select id="amr" name="amr">{{range .Methods}}<option value="{{.AMR}}">{{.Name}}</option>{{end}}</select></p>
<ul>{{range .Users}}<li><button type="submit" name="user" value="{{.Isikukood}}" id="user-{{.Isikukood}}">{{.Given}} {{.Family}}</button> {{.Isikukood}} {{.Label}}</li>
{{end}}</ul></form></body></html>`))

func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequestID")
	if _, err := p.store.AuthRequestByID(r.Context(), id); err != nil {
		http.Error(w, "unknown or expired login request", http.StatusBadRequest)
		return
	}
	p.store.mu.Lock()
	users := make([]User, 0, len(p.store.order))
	for _, c := range p.store.order {
		users = append(users, p.store.users[c])
	}
	p.store.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// form-action covers the redirects after the form: back to the portal
	// on loopback.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self' https://127.0.0.1:* https://localhost:*; frame-ancestors 'none'")
	loginTmpl.Execute(w, struct {
		ID      string
		Users   []User
		Methods any
	}{id, users, methods})
}

func (p *Provider) loginDone(w http.ResponseWriter, r *http.Request) {
	id, user, amr := r.PostFormValue("id"), r.PostFormValue("user"), r.PostFormValue("amr")
	ok := false
	for _, m := range methods {
		ok = ok || m.AMR == amr
	}
	if !ok {
		http.Error(w, "unknown means of authentication", http.StatusBadRequest)
		return
	}
	if err := p.store.login(id, user, amr); err != nil {
		http.Error(w, "unknown login request or person", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, p.callback(id), http.StatusFound)
}
