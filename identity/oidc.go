package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical/isikukood"
)

// This file is the third proof of who a caller is: an OpenID Connect login
// in the style of TARA, the Estonian state authentication service
// (https://e-gov.github.io/TARA-Doku/TechnicalSpecification): the
// authorization code flow with PKCE (RFC 7636, S256), an ID token whose
// sub is "EE" + isikukood, amr naming the means (idcard, mID, smartid) and
// profile_attributes carrying the name and birth date.

// OIDCLogin is the Method of a person who logged in through OpenID Connect.
const OIDCLogin Method = "oidc"

// Errors of an OpenID Connect login; each means the person is not logged in.
var (
	ErrOIDCProvider = errors.New("identity: the OpenID provider could not be reached or described itself wrongly")
	ErrOIDCState    = errors.New("identity: login state missing, reused or from another browser")
	ErrOIDCToken    = errors.New("identity: ID token invalid")
	ErrOIDCSubject  = errors.New("identity: ID token sub is not EE<isikukood>")
	ErrOIDCMethod   = errors.New("identity: ID token amr names no accepted means (idcard, mID, smartid)")
)

// AcceptedAMR are the authentication means a portal login may use (TARA's
// amr values for ID-card, Mobile-ID and Smart-ID).
var AcceptedAMR = []string{"idcard", "mID", "smartid"}

// OIDCConfig describes the OpenID provider and this client.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL (discovery is read from
	// Issuer/.well-known/openid-configuration); required.
	Issuer string
	// ClientID is this client's id at the provider; required.
	ClientID string
	// ClientSecret is the client's secret, "" for a public client (PKCE
	// alone).
	ClientSecret string
	// RedirectURL is the callback URL registered at the provider; "" lets
	// each login name it (Start's redirect argument).
	RedirectURL string
	// HTTPClient talks to the provider (nil: a client with a 10 s timeout).
	HTTPClient *http.Client
}

// OIDC logs people in through one OpenID provider. The provider's metadata
// is fetched at the first login, so the portal can start before its
// provider. It is safe for concurrent use.
type OIDC struct {
	cfg      OIDCConfig
	mu       sync.Mutex
	provider *oidc.Provider
}

// NewOIDC returns a client of the provider cfg describes.
func NewOIDC(cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, errors.New("identity: an OpenID issuer and client id are required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &OIDC{cfg: cfg}, nil
}

func (o *OIDC) discover(ctx context.Context) (*oidc.Provider, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider != nil {
		return o.provider, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, o.cfg.HTTPClient), o.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrOIDCProvider, err)
	}
	o.provider = p
	return p, nil
}

func (o *OIDC) oauth(p *oidc.Provider, redirect string) *oauth2.Config {
	if o.cfg.RedirectURL != "" {
		redirect = o.cfg.RedirectURL
	}
	return &oauth2.Config{ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirect, Scopes: []string{oidc.ScopeOpenID, "idcard", "mid", "smartid"}}
}

// Login is one login in progress: what the client keeps (server side)
// between sending the browser to the provider and its return.
type Login struct {
	// URL is where the browser is sent.
	URL string
	// State, Nonce and Verifier (the PKCE code verifier) are checked when
	// the browser returns; they MUST NOT leave the server except as URL
	// carries them (state, nonce, the verifier's S256 challenge).
	State, Nonce, Verifier string
	Redirect               string
}

// Start begins a login that will return to redirect (the portal's
// callback URL), with fresh random state, nonce and PKCE verifier.
func (o *OIDC) Start(ctx context.Context, redirect string) (Login, error) {
	p, err := o.discover(ctx)
	if err != nil {
		return Login{}, err
	}
	l := Login{State: oauth2.GenerateVerifier(), Nonce: oauth2.GenerateVerifier(), Verifier: oauth2.GenerateVerifier(), Redirect: redirect}
	l.URL = o.oauth(p, redirect).AuthCodeURL(l.State, oidc.Nonce(l.Nonce), oauth2.S256ChallengeOption(l.Verifier))
	return l, nil
}

// Profile is what the ID token says about the person.
type Profile struct {
	Given, Family string
	BirthDate     time.Time
	AMR           []string
}

// tokenClaims are the TARA claims of the ID token.
type tokenClaims struct {
	Sub     string   `json:"sub"`
	AMR     []string `json:"amr"`
	Profile struct {
		Given  string `json:"given_name"`
		Family string `json:"family_name"`
		Birth  string `json:"date_of_birth"`
	} `json:"profile_attributes"`
}

// Finish exchanges the authorization code for tokens (sending the PKCE
// verifier), verifies the ID token (signature, issuer, audience, expiry,
// nonce) and returns the person as a caller acting for themself: in the
// portal everyone is a person, whatever licence they also hold.
func (o *OIDC) Finish(ctx context.Context, l Login, state, code string) (Caller, Profile, error) {
	if state == "" || state != l.State {
		return Caller{}, Profile{}, ErrOIDCState
	}
	p, err := o.discover(ctx)
	if err != nil {
		return Caller{}, Profile{}, err
	}
	hctx := oidc.ClientContext(ctx, o.cfg.HTTPClient)
	tok, err := o.oauth(p, l.Redirect).Exchange(hctx, code, oauth2.VerifierOption(l.Verifier))
	if err != nil {
		return Caller{}, Profile{}, fmt.Errorf("%w: code exchange: %v", ErrOIDCToken, err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return Caller{}, Profile{}, fmt.Errorf("%w: no id_token in the token response", ErrOIDCToken)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: o.cfg.ClientID}).Verify(hctx, raw)
	if err != nil {
		return Caller{}, Profile{}, fmt.Errorf("%w: %v", ErrOIDCToken, err)
	}
	if idt.Nonce != l.Nonce {
		return Caller{}, Profile{}, fmt.Errorf("%w: nonce does not match", ErrOIDCToken)
	}
	var c tokenClaims
	if err := idt.Claims(&c); err != nil {
		return Caller{}, Profile{}, fmt.Errorf("%w: %v", ErrOIDCToken, err)
	}
	return callerOf(c)
}

// callerOf checks the TARA claims and makes the caller.
func callerOf(c tokenClaims) (Caller, Profile, error) {
	code, ok := strings.CutPrefix(c.Sub, "EE")
	if !ok || isikukood.Validate(code) != nil {
		return Caller{}, Profile{}, ErrOIDCSubject
	}
	if !slices.ContainsFunc(c.AMR, func(m string) bool { return slices.Contains(AcceptedAMR, m) }) {
		return Caller{}, Profile{}, ErrOIDCMethod
	}
	pr := Profile{Given: c.Profile.Given, Family: c.Profile.Family, AMR: c.AMR}
	if c.Profile.Birth != "" {
		b, err := time.Parse(time.DateOnly, c.Profile.Birth)
		if err != nil {
			return Caller{}, Profile{}, fmt.Errorf("%w: profile_attributes.date_of_birth %q", ErrOIDCToken, c.Profile.Birth)
		}
		pr.BirthDate = b
	}
	return Caller{Actor: access.Actor{ID: code, Role: access.Patient}, Isikukood: code, Method: OIDCLogin}, pr, nil
}
