package identity_test

import (
	"crypto/tls"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/server/devca"
)

// TestClientTLS checks that the client configuration presents its
// certificate to a server that demands one, trusts only the given CA, and
// that bad files give errors naming them.
func TestClientTLS(t *testing.T) {
	now := time.Now()
	ca, err := devca.NewCA("t", now)
	if err != nil {
		t.Fatal(err)
	}
	other, err := devca.NewCA("other", now)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.Server([]string{"127.0.0.1"}, now)
	if err != nil {
		t.Fatal(err)
	}
	person, err := ca.Person(patient, "A", "B", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	key, err := devca.KeyPEM(person.Key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := write("p.pem", devca.CertPEM(person.Cert)), write("p.key", key)
	caFile, otherFile := write("ca.pem", devca.CertPEM(ca.Cert)), write("other.pem", devca.CertPEM(other.Cert))

	hs := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, err := identity.SubjectIsikukood(r.TLS.PeerCertificates[0])
		if err != nil {
			t.Error(err)
		}
		w.Write([]byte(code))
	}))
	hs.TLS = &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{srv.Cert.Raw}, PrivateKey: srv.Key}},
		ClientAuth:   tls.RequireAnyClientCert,
	}
	hs.StartTLS()
	defer hs.Close()

	cfg, err := identity.ClientTLS(certFile, keyFile, caFile)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MinVersion != tls.VersionTLS13 {
		t.Errorf("MinVersion %x: want TLS 1.3", cfg.MinVersion)
	}
	get := func(cfg *tls.Config) (string, error) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
		resp, err := c.Get(hs.URL)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return string(b), err
	}
	if got, err := get(cfg); err != nil || got != patient {
		t.Errorf("with the client certificate: %q, %v: want %q", got, err, patient)
	}
	cfg, err = identity.ClientTLS(certFile, keyFile, otherFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := get(cfg); err == nil {
		t.Error("a server certificate of another CA was trusted")
	}

	for _, tc := range []struct{ cert, key, ca, want string }{
		{filepath.Join(dir, "none.pem"), keyFile, caFile, "none.pem"},
		{certFile, caFile, caFile, "ca.pem"},
		{certFile, keyFile, filepath.Join(dir, "none-ca.pem"), "identity: CA bundle"},
		{certFile, keyFile, keyFile, "no certificates"},
	} {
		if _, err := identity.ClientTLS(tc.cert, tc.key, tc.ca); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ClientTLS(%s, %s, %s) = %v: want an error naming %q", tc.cert, tc.key, tc.ca, err, tc.want)
		}
	}
}
