// Package portal is the patient portal of `varamu serve` (issue 12):
// server-rendered HTML (Go html/template, no JavaScript) under /portal
// where a person logged in through OpenID Connect (package identity, TARA
// style) sees their own data, their under-age children's and that of
// people who authorised them, sees who looked at it, and makes their
// consent choices.
//
// Contracts:
//   - Every page about a person asks package access through
//     server.Server.Decide (purpose self, or representative with the
//     logged-in person as actor) before anything is read; a refusal is a
//     403 page and the refusal is in the audit log. Whose data a page shows
//     is always named on it.
//   - A choice (close or reopen the record or a document, research
//     consent, withdrawal, return of results, secondary findings, an
//     authorisation) is a consent event appended through one committed
//     store transaction (a FHIR Consent ingested by package clinical), and
//     the server's snapshot is refreshed before the answer, so the choice
//     holds for every later request on every interface.
//   - Sessions live on the server; the browser holds a random id in a
//     Secure, HttpOnly, SameSite=Strict __Host- cookie, replaced at every
//     login. Every form carries the session's CSRF token and a POST
//     without it is refused. Pages send a Content-Security-Policy that
//     allows no script at all.
package portal

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/server"
)

// Config configures the portal. Zero values are documented per field.
type Config struct {
	// OIDC logs people in (required).
	OIDC *identity.OIDC
	// Idle ends a session after this long without a request (0: 15 min);
	// MaxAge after login whatever happens (0: 8 h).
	Idle, MaxAge time.Duration
	// Findings are the ClinVar VCF and gene list the genome page reads a
	// person's secondary findings against (under their consent); nil:
	// the page says this server does not report them.
	Findings *Findings
}

// Portal serves /portal on a Server.
type Portal struct {
	s     *server.Server
	cfg   Config
	sess  *sessions
	pages map[string]*pageTemplate
	fam   familyCache
	write writer
}

// CSP is the Content-Security-Policy of every portal page: no script, no
// plugin, styles from the portal only, images from the portal or inline
// data: URLs (the risk section's figures, written by the server), forms
// posting to it only, never framed.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Register adds the portal's routes to s.
func Register(s *server.Server, cfg Config) (*Portal, error) {
	if cfg.OIDC == nil {
		return nil, errors.New("portal: an OpenID Connect client is required")
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 15 * time.Minute
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = 8 * time.Hour
	}
	pages, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	p := &Portal{s: s, cfg: cfg, sess: newSessions(cfg.Idle, cfg.MaxAge), pages: pages}
	// The portal's own authentication is its session cookie (no client
	// certificate): its paths are described as public, each page asking
	// for the session itself.
	doc := func(path, method, summary string) server.PathDoc {
		d := server.PathDoc{Path: path, Method: method, Summary: summary, Tag: "portal", Response: "text/html", Public: true, Params: map[string]string{}}
		for _, name := range []string{"person", "id"} {
			if strings.Contains(path, "{"+name+"}") {
				d.Params[name] = "path"
			}
		}
		if method == "post" {
			d.Body = "application/x-www-form-urlencoded"
		}
		return d
	}
	h := func(f http.HandlerFunc) http.Handler { return secure(f) }
	s.Handle("GET /portal/{$}", h(p.home), doc("/portal/", "get", "Patient portal: log in, or choose whose data to see"))
	s.Handle("GET /portal/style.css", h(serveCSS), server.PathDoc{})
	s.Handle("GET /portal/login", h(p.login), doc("/portal/login", "get", "Start an OpenID Connect login (authorization code, PKCE)"))
	callback := doc("/portal/callback", "get", "OpenID Connect callback: a new session")
	callback.Params = map[string]string{"code": "query", "state": "query"}
	s.Handle("GET /portal/callback", h(p.callback), callback)
	s.Handle("POST /portal/logout", h(p.logout), doc("/portal/logout", "post", "End the session (CSRF token required)"))
	for _, pg := range []struct{ name, summary string }{
		{"genome", "My genome and medicines"}, {"records", "My records"}, {"looked", "Who looked at my data"}, {"choices", "My choices"},
	} {
		s.Handle("GET /portal/p/{person}/"+pg.name, h(p.personPage(pg.name)), doc("/portal/p/{person}/"+pg.name, "get", pg.summary))
	}
	s.Handle("POST /portal/p/{person}/choices", h(p.choose), doc("/portal/p/{person}/choices", "post", "Record a consent choice (CSRF token required)"))
	s.Handle("POST /portal/p/{person}/appointments/{id}/cancel", h(p.cancelAppointment),
		doc("/portal/p/{person}/appointments/{id}/cancel", "post", "Cancel an upcoming appointment (CSRF token required)"))
	s.Handle("POST /portal/p/{person}/messages", h(p.sendMessage),
		doc("/portal/p/{person}/messages", "post", "Send a message to a practitioner who treated the person (CSRF token required)"))
	return p, nil
}

// secure sets the headers every portal answer carries.
func secure(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", CSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		hd.Set("Strict-Transport-Security", "max-age=31536000")
		next(w, r)
	})
}
