package devidp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// errNotFound is a request, code or token the provider does not hold.
var errNotFound = errors.New("devidp: not found or expired")

// authRequest is one authorization request from the portal (op.AuthRequest).
type authRequest struct {
	id, clientID, redirect, state, nonce string
	scopes                               []string
	responseType                         oidc.ResponseType
	responseMode                         oidc.ResponseMode
	challenge                            *oidc.CodeChallenge
	created                              time.Time

	subject  string // "EE" + isikukood, once logged in
	amr      string
	authTime time.Time
	done     bool
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "high" }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirect }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.responseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.responseMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

// GetAMR is the means the person chose on the login page (TARA amr).
func (a *authRequest) GetAMR() []string {
	if !a.done {
		return nil
	}
	return []string{a.amr}
}

type token struct {
	id, clientID, subject string
	expires               time.Time
}

type signingKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ *signingKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

// storage is the provider's in-memory state (op.Storage): the people who
// may log in, authorization requests, codes and access tokens. Requests and
// codes live for requestTTL.
type storage struct {
	mu       sync.Mutex
	users    map[string]User // by isikukood
	order    []string
	client   *client
	requests map[string]*authRequest
	codes    map[string]string // code -> request id
	tokens   map[string]*token
	key      signingKey
	now      func() time.Time
}

const requestTTL = 10 * time.Minute

func newStorage(users []User, c *client, now func() time.Time) (*storage, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	s := &storage{users: map[string]User{}, client: c, requests: map[string]*authRequest{}, codes: map[string]string{},
		tokens: map[string]*token{}, key: signingKey{id: rand.Text()[:12], key: k}, now: now}
	for _, u := range users {
		if _, dup := s.users[u.Isikukood]; !dup {
			s.order = append(s.order, u.Isikukood)
		}
		s.users[u.Isikukood] = u
	}
	return s, nil
}

// expire drops requests older than requestTTL; callers hold mu.
func (s *storage) expire() {
	for id, r := range s.requests {
		if s.now().Sub(r.created) > requestTTL {
			delete(s.requests, id)
		}
	}
	for c, id := range s.codes {
		if _, ok := s.requests[id]; !ok {
			delete(s.codes, c)
		}
	}
	for id, t := range s.tokens {
		if s.now().After(t.expires) {
			delete(s.tokens, id)
		}
	}
}

func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if slices.Contains(r.Prompt, oidc.PromptNone) {
		return nil, oidc.ErrLoginRequired()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expire()
	a := &authRequest{id: rand.Text(), clientID: r.ClientID, redirect: r.RedirectURI, state: r.State, nonce: r.Nonce,
		scopes: r.Scopes, responseType: r.ResponseType, responseMode: r.ResponseMode, created: s.now()}
	if r.CodeChallenge != "" {
		a.challenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}
	}
	s.requests[a.id] = a
	return a, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.requests[id]; ok {
		return a, nil
	}
	return nil, errNotFound
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.mu.Lock()
	id, ok := s.codes[code]
	s.mu.Unlock()
	if !ok {
		return nil, errNotFound
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codes[code] = id
	return nil
}

// DeleteAuthRequest ends a request and its code: a code is used once.
func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.requests, id)
	for c, rid := range s.codes {
		if rid == id {
			delete(s.codes, c)
		}
	}
	return nil
}

// login marks a request as done by the person with isikukood code, who
// proved themself with amr.
func (s *storage) login(id, code, amr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.requests[id]
	if !ok {
		return errNotFound
	}
	if _, ok := s.users[code]; !ok {
		return errNotFound
	}
	a.subject, a.amr, a.authTime, a.done = "EE"+code, amr, s.now(), true
	return nil
}

func (s *storage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &token{id: rand.Text(), subject: r.GetSubject(), expires: s.now().Add(5 * time.Minute)}
	if a, ok := r.(*authRequest); ok {
		t.clientID = a.clientID
	}
	s.tokens[t.id] = t
	return t.id, t.expires, nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errors.New("devidp: refresh tokens are not issued")
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (s *storage) TerminateSession(_ context.Context, subject, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, t := range s.tokens {
		if t.subject == subject && t.clientID == clientID {
			delete(s.tokens, id)
		}
	}
	return nil
}

func (s *storage) RevokeToken(_ context.Context, tok, _, _ string) *oidc.Error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, tok)
	return nil
}

func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return &s.key, nil }

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *storage) KeySet(context.Context) ([]op.Key, error) { return []op.Key{publicKey{&s.key}}, nil }

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.client.id {
		return nil, errNotFound
	}
	return s.client, nil
}

// AuthorizeClientIDSecret: the portal is a public client (PKCE), it has
// no secret.
func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	if id != s.client.id || secret != "" {
		return errors.New("devidp: unknown client or unexpected secret")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest puts the TARA profile_attributes into the ID
// token.
func (s *storage) SetUserinfoFromRequest(_ context.Context, ui *oidc.UserInfo, r op.IDTokenRequest, _ []string) error {
	return s.userinfo(ui, r.GetSubject())
}

func (s *storage) userinfo(ui *oidc.UserInfo, subject string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[trimEE(subject)]
	if !ok {
		return errNotFound
	}
	ui.Subject = subject
	attrs := map[string]string{"given_name": u.Given, "family_name": u.Family}
	if !u.BirthDate.IsZero() {
		attrs["date_of_birth"] = u.BirthDate.Format(time.DateOnly)
	}
	ui.AppendClaims("profile_attributes", attrs)
	return nil
}

func (s *storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	s.mu.Lock()
	t, ok := s.tokens[tokenID]
	s.mu.Unlock()
	if !ok || s.now().After(t.expires) {
		return errNotFound
	}
	return s.userinfo(ui, subject)
}

func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errors.New("devidp: introspection is not offered")
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("devidp: JWT profile is not offered")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("devidp: JWT profile is not offered")
}

func (s *storage) Health(context.Context) error { return nil }

func trimEE(sub string) string {
	if len(sub) > 2 && sub[:2] == "EE" {
		return sub[2:]
	}
	return ""
}
