package portal

import (
	"net/http"
	"time"
)

// callbackURL is the portal's OpenID callback on the host the browser
// used.
func (p *Portal) callbackURL(r *http.Request) string {
	return p.s.BaseURL(r) + "/portal/callback"
}

// home shows the login button, or whose data the person may see.
func (p *Portal) home(w http.ResponseWriter, r *http.Request) {
	ss, ok := p.sess.get(r, p.s.Now()())
	if !ok {
		p.render(w, r, http.StatusOK, "login", newPage(r, nil), nil)
		return
	}
	pg := newPage(r, ss)
	snap := p.s.Snapshot()
	whose, err := p.whose(r.Context(), snap, ss.caller.Isikukood, p.s.Now()())
	if err != nil {
		p.fail(w, r, ss, err)
		return
	}
	pg.Whose = whose
	p.render(w, r, http.StatusOK, "home", pg, nil)
}

// login sends the browser to the OpenID provider, keeping state, nonce and
// PKCE verifier on the server under a short-lived login cookie.
func (p *Portal) login(w http.ResponseWriter, r *http.Request) {
	l, err := p.cfg.OIDC.Start(r.Context(), p.callbackURL(r))
	if err != nil {
		p.s.Logger().Warn("portal: login could not start", "err", err)
		p.render(w, r, http.StatusBadGateway, "error", newPage(r, nil), "error.idp")
		return
	}
	id := p.sess.startLogin(l, p.s.Now()())
	// Lax: the provider's redirect back is a cross-site navigation, which
	// a Strict cookie would not follow.
	setCookie(w, loginCookie, id, int(loginTTL.Seconds()), http.SameSiteLaxMode)
	http.Redirect(w, r, l.URL, http.StatusSeeOther)
}

// callback finishes the login and starts a new session. Any session the
// browser presented is ended first: its id is never carried over.
func (p *Portal) callback(w http.ResponseWriter, r *http.Request) {
	now := p.s.Now()()
	l, ok := p.sess.takeLogin(r, now)
	setCookie(w, loginCookie, "", -1, http.SameSiteLaxMode)
	p.sess.end(r)
	if !ok {
		p.render(w, r, http.StatusBadRequest, "error", newPage(r, nil), "error.login")
		return
	}
	q := r.URL.Query()
	caller, profile, err := p.cfg.OIDC.Finish(r.Context(), l, q.Get("state"), q.Get("code"))
	if err != nil {
		p.s.Logger().Info("portal: login refused", "err", err)
		p.render(w, r, http.StatusUnauthorized, "error", newPage(r, nil), "error.login")
		return
	}
	ss := p.sess.create(caller, profile, now)
	setCookie(w, sessionCookie, ss.id, 0, http.SameSiteStrictMode)
	// A page of the portal's own, not a redirect: the browser then comes
	// to /portal/ from the portal itself and sends the Strict cookie.
	p.render(w, r, http.StatusOK, "continue", newPage(r, ss), nil)
}

// logout ends the session.
func (p *Portal) logout(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.postSession(w, r, p.s.Now()()); !ok {
		return
	}
	p.sess.end(r)
	setCookie(w, sessionCookie, "", -1, http.SameSiteStrictMode)
	http.Redirect(w, r, "/portal/", http.StatusSeeOther)
}

// fail answers an internal error without detail.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, ss *session, err error) {
	p.s.Logger().Error("portal", "err", err)
	p.render(w, r, http.StatusInternalServerError, "error", newPage(r, ss), "error.internal")
}

// postSession is the session of a form POST: without one the browser goes
// to the start page, and a POST without the session's CSRF token is
// refused (403). ok is false when the response has been written.
func (p *Portal) postSession(w http.ResponseWriter, r *http.Request, now time.Time) (*session, bool) {
	ss, ok := p.sess.get(r, now)
	if !ok {
		http.Redirect(w, r, "/portal/", http.StatusSeeOther)
		return nil, false
	}
	if !ss.checkCSRF(r) {
		p.render(w, r, http.StatusForbidden, "error", newPage(r, ss), "error.csrf")
		return nil, false
	}
	return ss, true
}
