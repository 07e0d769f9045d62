package identity

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// maxTokenLife is how far in the future a CDS client's token may expire
// (CDS Hooks 2.0: "no more than 5 minutes in the future"); it also bounds
// how long a jti must be remembered.
const maxTokenLife = 5 * time.Minute

// leeway tolerates clock skew between the CDS client and this service.
const leeway = 30 * time.Second

// tokenAlgs are the JWS algorithms accepted (CDS Hooks recommends ES384 and
// RS384).
var tokenAlgs = []jose.SignatureAlgorithm{jose.ES384, jose.RS384, jose.ES256, jose.RS256, jose.PS384, jose.EdDSA}

// Client is a registered CDS client: its issuer (the JWT iss) and its
// public keys.
type Client struct {
	Issuer string
	Keys   jose.JSONWebKeySet
}

// LoadClient reads a client's JWKS file.
func LoadClient(issuer, jwksPath string) (*Client, error) {
	b, err := os.ReadFile(jwksPath)
	if err != nil {
		return nil, fmt.Errorf("identity: client %s: %w", issuer, err)
	}
	c := &Client{Issuer: issuer}
	if err := json.Unmarshal(b, &c.Keys); err != nil {
		return nil, fmt.Errorf("identity: client %s: JWKS %s: %w", issuer, jwksPath, err)
	}
	if len(c.Keys.Keys) == 0 {
		return nil, fmt.Errorf("identity: client %s: JWKS %s holds no keys", issuer, jwksPath)
	}
	for _, k := range c.Keys.Keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("identity: client %s: JWKS %s holds a private key", issuer, jwksPath)
		}
	}
	return c, nil
}

// jtiCache remembers the jti of each accepted token until it expires.
type jtiCache struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// use records iss+jti until exp; it reports false when it was seen.
func (c *jtiCache) use(iss, jti string, exp, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = map[string]time.Time{}
	}
	key := iss + "\x00" + jti
	if until, ok := c.seen[key]; ok && now.Before(until) {
		return false
	}
	if len(c.seen) > 1024 {
		for k, until := range c.seen {
			if !now.Before(until) {
				delete(c.seen, k)
			}
		}
	}
	c.seen[key] = exp.Add(leeway)
	return true
}

// verifyToken checks a CDS Hooks bearer token for one of the audiences auds
// at now and returns the client that signed it.
func (v *Verifier) verifyToken(raw string, auds []string, now time.Time) (*Client, error) {
	tok, err := jwt.ParseSigned(raw, tokenAlgs)
	if err != nil || len(tok.Headers) != 1 {
		return nil, ErrToken
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, ErrToken
	}
	client, ok := v.clients[unverified.Issuer]
	if !ok {
		return nil, ErrUnknownClient
	}
	keys := client.Keys.Keys
	if kid := tok.Headers[0].KeyID; kid != "" {
		keys = client.Keys.Key(kid)
	}
	var claims jwt.Claims
	verified := false
	for _, k := range keys {
		if tok.Claims(k.Key, &claims) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return nil, ErrUnknownClient
	}
	if claims.Expiry == nil || claims.ID == "" || len(claims.Audience) == 0 {
		return nil, fmt.Errorf("%w: iss, aud, exp and jti are required", ErrToken)
	}
	exp := claims.Expiry.Time()
	if exp.After(now.Add(maxTokenLife + leeway)) {
		return nil, fmt.Errorf("%w: exp more than 5 minutes ahead", ErrToken)
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{Issuer: client.Issuer, AnyAudience: jwt.Audience(auds), Time: now}, leeway); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrToken, err)
	}
	if !v.jtis.use(client.Issuer, claims.ID, exp, now) {
		return nil, ErrReplayed
	}
	return client, nil
}
