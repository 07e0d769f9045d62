package identity_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/server/devca"
)

func request(c *x509.Certificate) *http.Request {
	r, _ := http.NewRequest("GET", "https://localhost/", nil)
	if c != nil {
		r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{c}}
	}
	return r
}

const (
	doctor  = "38408190008"
	patient = "35608020008"
)

func register(now time.Time) identity.Register {
	return identity.NewMemRegister(map[string]clinical.RegisteredPractitioner{
		"pr-1": {ID: "pr-1", Isikukood: doctor, Licence: "D1", From: now.AddDate(-5, 0, 0), Active: true},
		"pr-2": {ID: "pr-2", Isikukood: "37301100004", Licence: "D2", From: now.AddDate(-9, 0, 0), Until: now.AddDate(-1, 0, 0), Active: true},
	})
}

func TestCertificateRoles(t *testing.T) {
	now := time.Now()
	ca, err := devca.NewCA("t", now)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := devca.NewCA("other", now)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	v, err := identity.NewVerifier(identity.Config{CAs: pool})
	if err != nil {
		t.Fatal(err)
	}
	issue := func(ca *devca.CA, code string, from, to time.Time) *x509.Certificate {
		c, err := ca.Person(code, "A", "B", from, to)
		if err != nil {
			t.Fatal(err)
		}
		return c.Cert
	}
	valid := func(ca *devca.CA, code string) *x509.Certificate {
		return issue(ca, code, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	}
	cases := []struct {
		name     string
		cert     *x509.Certificate
		err      error
		role, id string
	}{
		{"no certificate", nil, identity.ErrNoCredentials, "", ""},
		{"licensed practitioner", valid(ca, doctor), nil, "professional", "pr-1"},
		{"licence ended: acts as themself", valid(ca, "37301100004"), nil, "patient", "37301100004"},
		{"person", valid(ca, patient), nil, "patient", patient},
		{"other CA", valid(other, patient), identity.ErrUntrusted, "", ""},
		{"expired", issue(ca, patient, now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0)), identity.ErrExpired, "", ""},
		{"not yet valid", issue(ca, patient, now.AddDate(0, 0, 1), now.AddDate(1, 0, 0)), identity.ErrExpired, "", ""},
		{"bad check digit", valid(ca, "35608020007"), identity.ErrSubject, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := v.Certificate(request(c.cert), register(now), now)
			if !errors.Is(err, c.err) {
				t.Fatalf("error %v, want %v", err, c.err)
			}
			if err == nil && (string(got.Actor.Role) != c.role || got.Actor.ID != c.id) {
				t.Errorf("actor %+v, want %s %s", got.Actor, c.role, c.id)
			}
		})
	}
}

// TestCRLReloaded: a certificate accepted under one CRL is refused as soon
// as the file is replaced by one revoking it; an unusable CRL refuses all.
func TestCRLReloaded(t *testing.T) {
	now := time.Now()
	ca, _ := devca.NewCA("t", now)
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	c, _ := ca.Person(patient, "A", "B", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	path := filepath.Join(t.TempDir(), "crl.pem")
	write := func(revoked ...*x509.Certificate) {
		b, err := ca.CRL(revoked, now, now.AddDate(0, 1, 0))
		if err != nil {
			t.Fatal(err)
		}
		// A new modification time even within the file system's clock
		// resolution.
		os.WriteFile(path+".tmp", b, 0o644)
		os.Rename(path+".tmp", path)
		os.Chtimes(path, time.Now(), time.Now().Add(time.Duration(len(revoked))*time.Second))
	}
	write()
	crl, err := identity.NewCRL(path, []*x509.Certificate{ca.Cert})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := identity.NewVerifier(identity.Config{CAs: pool, CRL: crl})
	reg := register(now)
	if _, err := v.Certificate(request(c.Cert), reg, now); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	write(c.Cert)
	if _, err := v.Certificate(request(c.Cert), reg, now); !errors.Is(err, identity.ErrRevoked) {
		t.Fatalf("after revocation: %v, want ErrRevoked", err)
	}
	os.WriteFile(path, []byte("garbage"), 0o644)
	os.Chtimes(path, time.Now(), time.Now().Add(time.Hour))
	if _, err := v.Certificate(request(c.Cert), reg, now); !errors.Is(err, identity.ErrCRL) {
		t.Fatalf("unusable CRL: %v, want ErrCRL", err)
	}
	other, _ := devca.NewCA("other", now)
	b, _ := other.CRL(nil, now, now.AddDate(0, 1, 0))
	os.WriteFile(path, b, 0o644)
	os.Chtimes(path, time.Now(), time.Now().Add(2*time.Hour))
	if _, err := v.Certificate(request(c.Cert), reg, now); !errors.Is(err, identity.ErrCRL) {
		t.Fatalf("CRL of another CA: %v, want ErrCRL", err)
	}
}
