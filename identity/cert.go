package identity

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/varamu/varamu/clinical/isikukood"
)

// serialPrefix is the ETSI EN 319 412-1 semantics identifier of an
// Estonian national personal number in a certificate subject's
// serialNumber.
const serialPrefix = "PNOEE-"

// SubjectIsikukood returns the isikukood in a certificate's subject
// serialNumber ("PNOEE-<isikukood>"), validated.
func SubjectIsikukood(c *x509.Certificate) (string, error) {
	sn := c.Subject.SerialNumber
	code, ok := strings.CutPrefix(sn, serialPrefix)
	if !ok {
		return "", ErrSubject
	}
	if err := isikukood.Validate(code); err != nil {
		return "", fmt.Errorf("%w: %w", ErrSubject, err)
	}
	return code, nil
}

// verifyChain verifies the leaf certificate (chain[0]) against roots at t,
// for client authentication; the other certificates are intermediates.
// It returns the verified chain.
func verifyChain(chain []*x509.Certificate, roots *x509.CertPool, t time.Time) ([]*x509.Certificate, error) {
	if len(chain) == 0 {
		return nil, ErrNoCredentials
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	chains, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: t,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	var inv x509.CertificateInvalidError
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		return nil, ErrExpired
	case err != nil:
		return nil, ErrUntrusted
	}
	return chains[0], nil
}

// CRL is a certificate revocation list file, re-read when its size or
// modification time changes. Its signature MUST verify against one of the
// trusted CAs; a list that cannot be read, does not verify or is past its
// NextUpdate refuses every certificate (fail closed). It is safe for
// concurrent use.
type CRL struct {
	path  string
	roots []*x509.Certificate

	mu      sync.Mutex
	modTime time.Time
	size    int64
	next    time.Time
	revoked map[string]bool // serial numbers, as decimal strings
	err     error
}

// NewCRL returns the list in path, whose issuer must be one of roots. It
// reads the file once to report an unusable list at start-up.
func NewCRL(path string, roots []*x509.Certificate) (*CRL, error) {
	c := &CRL{path: path, roots: roots}
	if err := c.refresh(); err != nil {
		return nil, err
	}
	return c, nil
}

// refresh re-reads the file when it changed; the caller holds no lock.
func (c *CRL) refresh() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	fi, err := os.Stat(c.path)
	if err != nil {
		c.err = fmt.Errorf("%w: %w", ErrCRL, err)
		return c.err
	}
	if fi.ModTime().Equal(c.modTime) && fi.Size() == c.size && c.revoked != nil {
		return c.err
	}
	c.modTime, c.size = fi.ModTime(), fi.Size()
	c.revoked, c.err = nil, nil
	revoked, next, err := loadCRL(c.path, c.roots)
	if err != nil {
		c.err = err
		return err
	}
	c.revoked, c.next = revoked, next
	return nil
}

// Revoked reports whether cert is revoked at t. It returns an error when
// the list is unusable, and then the certificate MUST be refused.
func (c *CRL) Revoked(cert *x509.Certificate, t time.Time) (bool, error) {
	if err := c.refresh(); err != nil {
		return true, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.next.IsZero() && t.After(c.next) {
		return true, fmt.Errorf("%w: past its next update (%s)", ErrCRL, c.next.Format(time.RFC3339))
	}
	return c.revoked[cert.SerialNumber.String()], nil
}

func loadCRL(path string, roots []*x509.Certificate) (map[string]bool, time.Time, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %w", ErrCRL, err)
	}
	der := b
	if blocks := pemBlocks(b, "X509 CRL"); len(blocks) > 0 {
		der = blocks[0]
	}
	rl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("%w: %s: %w", ErrCRL, path, err)
	}
	signed := false
	for _, ca := range roots {
		if rl.CheckSignatureFrom(ca) == nil {
			signed = true
			break
		}
	}
	if !signed {
		return nil, time.Time{}, fmt.Errorf("%w: %s: not signed by a trusted CA", ErrCRL, path)
	}
	revoked := map[string]bool{}
	for _, e := range rl.RevokedCertificateEntries {
		revoked[e.SerialNumber.String()] = true
	}
	return revoked, rl.NextUpdate, nil
}

// chainCache remembers verified chains, so that a client's signature chain
// is checked once, not on every request of its connection: an entry holds
// for at most chainTTL and never past the leaf's NotAfter. Expiry and the
// CRL are still checked on every request. Entries are found by the leaf's
// SHA-256, and first by the leaf itself: the requests of one TLS
// connection share its parsed certificates, so that most requests hash
// nothing (a held *x509.Certificate is never another certificate).
type chainCache struct {
	mu    sync.Mutex
	m     map[[32]byte]cachedChain
	byPtr map[*x509.Certificate]cachedChain
}

type cachedChain struct {
	chain []*x509.Certificate
	until time.Time
}

const (
	chainTTL     = 10 * time.Minute
	chainEntries = 10000
)

func (c *chainCache) verify(peer []*x509.Certificate, roots *x509.CertPool, t time.Time) ([]*x509.Certificate, error) {
	if len(peer) == 0 {
		return nil, ErrNoCredentials
	}
	c.mu.Lock()
	e, ok := c.byPtr[peer[0]]
	c.mu.Unlock()
	if ok && t.Before(e.until) && !t.Before(e.chain[0].NotBefore) {
		return e.chain, nil
	}
	key := sha256.Sum256(peer[0].Raw)
	c.mu.Lock()
	e, ok = c.m[key]
	if ok {
		c.remember(peer[0], e)
	}
	c.mu.Unlock()
	if ok && t.Before(e.until) && !t.Before(e.chain[0].NotBefore) {
		return e.chain, nil
	}
	chain, err := verifyChain(peer, roots, t)
	if err != nil {
		return nil, err
	}
	until := t.Add(chainTTL)
	for _, c := range chain {
		if c.NotAfter.Before(until) {
			until = c.NotAfter
		}
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= chainEntries {
		c.m = map[[32]byte]cachedChain{}
	}
	c.m[key] = cachedChain{chain, until}
	c.remember(peer[0], c.m[key])
	c.mu.Unlock()
	return chain, nil
}

// remember files e under leaf; the caller holds mu.
func (c *chainCache) remember(leaf *x509.Certificate, e cachedChain) {
	if c.byPtr == nil || len(c.byPtr) >= chainEntries {
		c.byPtr = map[*x509.Certificate]cachedChain{}
	}
	c.byPtr[leaf] = e
}
