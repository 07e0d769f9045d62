package identity

import (
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/varamu/varamu/access"
)

// Config is what a Verifier trusts.
type Config struct {
	// CAs verify client certificate chains; required for certificates.
	CAs *x509.CertPool
	// CRL, when set, refuses revoked certificates. A nil CRL revokes
	// nothing.
	CRL *CRL
	// Clients are the registered CDS clients, by issuer.
	Clients []*Client
}

// Verifier turns requests into callers. It is safe for concurrent use.
type Verifier struct {
	cas     *x509.CertPool
	crl     *CRL
	clients map[string]*Client
	jtis    jtiCache
	chains  chainCache
}

// NewVerifier returns a Verifier for cfg.
func NewVerifier(cfg Config) (*Verifier, error) {
	if cfg.CAs == nil {
		return nil, errors.New("identity: a CA bundle is required")
	}
	v := &Verifier{cas: cfg.CAs, crl: cfg.CRL, clients: map[string]*Client{}}
	for _, c := range cfg.Clients {
		if c.Issuer == "" {
			return nil, errors.New("identity: a CDS client needs an issuer")
		}
		if _, dup := v.clients[c.Issuer]; dup {
			return nil, errors.New("identity: CDS client " + c.Issuer + " registered twice")
		}
		v.clients[c.Issuer] = c
	}
	return v, nil
}

// Certificate verifies the request's TLS client certificate at t and
// returns the person with the role the register gives them.
func (v *Verifier) Certificate(r *http.Request, reg Register, t time.Time) (Caller, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return Caller{}, ErrNoCredentials
	}
	chain, err := v.chains.verify(r.TLS.PeerCertificates, v.cas, t)
	if err != nil {
		return Caller{}, err
	}
	if v.crl != nil {
		revoked, err := v.crl.Revoked(chain[0], t)
		if err != nil {
			return Caller{}, err
		}
		if revoked {
			return Caller{}, ErrRevoked
		}
	}
	code, err := SubjectIsikukood(chain[0])
	if err != nil {
		return Caller{}, err
	}
	return Caller{Actor: personActor(reg, code, t), Isikukood: code, Method: ClientCertificate}, nil
}

// HasBearer reports whether the request carries an Authorization bearer
// token.
func HasBearer(r *http.Request) bool {
	_, ok := bearer(r)
	return ok
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// CDSClient verifies a CDS Hooks request: a bearer token (for one of the
// audiences auds: the service's URL, the server's base URL) when one is given, else the client certificate. For a
// token, userID (the hook's context.userId) names the practitioner, whose
// licence in force at t is looked up in the register.
func (v *Verifier) CDSClient(r *http.Request, auds []string, userID string, reg Register, t time.Time) (Caller, error) {
	raw, ok := bearer(r)
	if !ok {
		return v.Certificate(r, reg, t)
	}
	client, err := v.verifyToken(raw, auds, t)
	if err != nil {
		return Caller{}, err
	}
	actor, code, err := practitionerActor(reg, userID, t)
	if err != nil {
		return Caller{}, err
	}
	return Caller{Actor: actor, Isikukood: code, Method: CDSBearer, Client: client.Issuer}, nil
}

// CDSSystem verifies a request a CDS client makes as a system, naming no
// practitioner (feedback): a bearer token, else a client certificate.
func (v *Verifier) CDSSystem(r *http.Request, auds []string, reg Register, t time.Time) (Caller, error) {
	raw, ok := bearer(r)
	if !ok {
		return v.Certificate(r, reg, t)
	}
	client, err := v.verifyToken(raw, auds, t)
	if err != nil {
		return Caller{}, err
	}
	return Caller{Actor: access.Actor{ID: client.Issuer, Role: access.Batch}, Method: CDSBearer, Client: client.Issuer}, nil
}

// HasCredentials reports whether the request carries a client certificate
// or a bearer token at all.
func HasCredentials(r *http.Request) bool {
	return HasBearer(r) || (r.TLS != nil && len(r.TLS.PeerCertificates) > 0)
}
