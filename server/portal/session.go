package portal

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"sync"
	"time"

	"github.com/varamu/varamu/identity"
)

// Cookie names. The __Host- prefix makes browsers refuse the cookie unless
// it is Secure, has Path=/ and no Domain: no other host can set or read it.
const (
	sessionCookie = "__Host-varamu_session"
	loginCookie   = "__Host-varamu_login"
	langCookie    = "__Host-varamu_lang"
)

// session is a logged-in person, held on the server; the browser holds only
// its random id.
type session struct {
	id      string
	caller  identity.Caller
	profile identity.Profile
	csrf    string
	created time.Time
	seen    time.Time
}

// sessions is the server-side session store. A session ends at logout,
// after idle without a request, or maxAge after login.
type sessions struct {
	mu           sync.Mutex
	m            map[string]*session
	idle, maxAge time.Duration
	logins       map[string]pending
}

// pending is a login on its way through the OpenID provider.
type pending struct {
	login   identity.Login
	started time.Time
}

const loginTTL = 10 * time.Minute

func newSessions(idle, maxAge time.Duration) *sessions {
	return &sessions{m: map[string]*session{}, logins: map[string]pending{}, idle: idle, maxAge: maxAge}
}

// newID is 256 random bits, base32.
func newID() string { return rand.Text() + rand.Text() }

// create starts a session for caller under a new id: an id a browser
// presented before login is never reused (no session fixation).
func (s *sessions) create(c identity.Caller, p identity.Profile, now time.Time) *session {
	ss := &session{id: newID(), caller: c, profile: p, csrf: newID(), created: now, seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[ss.id] = ss
	return ss
}

// get returns the live session of the request's cookie and marks it seen.
func (s *sessions) get(r *http.Request, now time.Time) (*session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.m[c.Value]
	if !ok {
		return nil, false
	}
	if now.Sub(ss.seen) > s.idle || now.Sub(ss.created) > s.maxAge {
		delete(s.m, ss.id)
		return nil, false
	}
	ss.seen = now
	return ss, true
}

// end removes the request's session, if any.
func (s *sessions) end(r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		delete(s.m, c.Value)
		s.mu.Unlock()
	}
}

// startLogin keeps a login in progress under a new id.
func (s *sessions) startLogin(l identity.Login, now time.Time) string {
	id := newID()
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, p := range s.logins {
		if now.Sub(p.started) > loginTTL {
			delete(s.logins, k)
		}
	}
	s.logins[id] = pending{login: l, started: now}
	return id
}

// takeLogin returns and forgets the login of the request's login cookie:
// a login is finished once.
func (s *sessions) takeLogin(r *http.Request, now time.Time) (identity.Login, bool) {
	c, err := r.Cookie(loginCookie)
	if err != nil {
		return identity.Login{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.logins[c.Value]
	delete(s.logins, c.Value)
	if !ok || now.Sub(p.started) > loginTTL {
		return identity.Login{}, false
	}
	return p.login, true
}

// checkCSRF reports whether the form carries the session's token.
func (ss *session) checkCSRF(r *http.Request) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(ss.csrf)) == 1
}

func setCookie(w http.ResponseWriter, name, value string, maxAge int, same http.SameSite) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, Secure: true, HttpOnly: true, SameSite: same})
}
