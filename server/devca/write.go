package devca

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"software.sslmate.com/src/go-pkcs12"
)

// EHRIssuer is the issuer (JWT iss) of the registered test EHR.
const EHRIssuer = "https://ehr.dev.varamu.test"

// P12Password protects the NAME.p12 files (PKCS #12 needs one).
const P12Password = "varamu"

// Result lists what Write made.
type Result struct {
	Files  []string
	People []Person
}

// Write makes, in out, a test CA (ca.pem), a server certificate for
// localhost (server.pem, server.key), client certificates for the
// synthetic people of the store in storeDir (NAME.pem, NAME.key, NAME.p12
// for each of Names), a CRL revoking the "revoked" one (crl.pem), a
// registered test EHR (ehr.jwks.json, ehr.key), ids.tsv (name, isikukood,
// role), projects.json (the approved research project DemoProject, whose
// member is the researcher) and serve.toml usable as is by `varamu serve
// --config`.
func Write(ctx context.Context, storeDir, out string, now time.Time) (*Result, error) {
	people, err := choose(ctx, storeDir, now)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	w := &writer{dir: out}
	ca, err := NewCA("varamu dev CA", now)
	if err != nil {
		return nil, err
	}
	w.file("ca.pem", CertPEM(ca.Cert), 0o644)
	srv, err := ca.Server([]string{"localhost", "127.0.0.1", "::1"}, now)
	if err != nil {
		return nil, err
	}
	w.pair("server", srv)
	var revoked []*x509.Certificate
	var ids strings.Builder
	ids.WriteString("name\tisikukood\trole\n")
	for i, p := range people {
		p.Given, p.Family = strings.ToUpper(p.Name), "TEST"
		people[i] = p
		c, err := ca.Person(p.Isikukood, p.Given, p.Family, now.Add(-time.Hour), now.AddDate(1, 0, 0))
		if err != nil {
			return nil, err
		}
		w.pair(p.Name, c)
		p12, err := pkcs12.Modern.Encode(c.Key, c.Cert, []*x509.Certificate{ca.Cert}, P12Password)
		if err != nil {
			return nil, err
		}
		w.file(p.Name+".p12", p12, 0o600)
		if p.Name == "revoked" {
			revoked = append(revoked, c.Cert)
		}
		fmt.Fprintf(&ids, "%s\t%s\t%s\n", p.Name, p.Isikukood, p.Role)
	}
	crl, err := ca.CRL(revoked, now, now.AddDate(1, 0, 0))
	if err != nil {
		return nil, err
	}
	w.file("crl.pem", crl, 0o644)
	w.ehr()
	w.file("ids.tsv", []byte(ids.String()), 0o644)
	if err := w.projects(people, now); err != nil {
		return nil, err
	}
	w.file("serve.toml", []byte(serveTOML), 0o644)
	if w.err != nil {
		return nil, w.err
	}
	return &Result{Files: w.files, People: people}, nil
}

const serveTOML = `# varamu serve configuration written by varamu dev-ca (paths relative to this file)
addr = "127.0.0.1:8443"
max_body = 1048576

[tls]
cert = "server.pem"
key = "server.key"
client_ca = "ca.pem"
crl = "crl.pem"

[[cds_client]]
issuer = "` + EHRIssuer + `"
jwks = "ehr.jwks.json"

[research]
projects = "projects.json"
`

// writer keeps its first error and does nothing after it.
type writer struct {
	dir   string
	files []string
	err   error
}

func (w *writer) file(name string, b []byte, mode os.FileMode) {
	if w.err != nil {
		return
	}
	w.err = os.WriteFile(filepath.Join(w.dir, name), b, mode)
	w.files = append(w.files, name)
}

func (w *writer) pair(name string, c *Issued) {
	key, err := KeyPEM(c.Key)
	if err != nil && w.err == nil {
		w.err = err
	}
	w.file(name+".pem", CertPEM(c.Cert), 0o644)
	w.file(name+".key", key, 0o600)
}

// ehr writes the test EHR's signing key and its public JWKS.
func (w *writer) ehr() {
	if w.err != nil {
		return
	}
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		w.err = err
		return
	}
	pub := jose.JSONWebKey{Key: key.Public(), KeyID: "ehr-1", Algorithm: string(jose.ES384), Use: "sig"}
	b, err := json.MarshalIndent(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{pub}}, "", "  ")
	if err != nil {
		w.err = err
		return
	}
	w.file("ehr.jwks.json", append(b, '\n'), 0o644)
	k, err := KeyPEM(key)
	if err != nil {
		w.err = err
		return
	}
	w.file("ehr.key", k, 0o600)
}
