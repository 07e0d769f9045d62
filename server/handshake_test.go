package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"math/big"
	"net"
	"testing"
	"time"
)

// TestHandshakeListenerStalledClients: connections that never send a
// ClientHello take a handshake slot only until their own timeout; a real
// client queued behind them still completes its handshake, and the
// connection Accept returns has already completed it.
func TestHandshakeListenerStalledClients(t *testing.T) {
	cert, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	hl := newHandshakeListener(ln, cfg, 2, 300*time.Millisecond, time.Minute, slog.New(slog.DiscardHandler))
	defer hl.Close()
	for range 4 { // twice the slots: two rounds of timeouts before the real client's turn
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	time.Sleep(50 * time.Millisecond) // the stalled ones are accepted first
	done := make(chan error, 1)
	go func() {
		c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		if err == nil {
			c.Close()
		}
		done <- err
	}()
	got, err := hl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if !got.(*tls.Conn).ConnectionState().HandshakeComplete {
		t.Error("Accept returned a connection before its handshake")
	}
	if err := <-done; err != nil {
		t.Errorf("the client queued behind stalled connections failed: %v", err)
	}
	hl.Close()
	if _, err := hl.Accept(); err == nil {
		t.Error("Accept after Close returned a connection")
	}
}

// selfSigned makes a certificate for 127.0.0.1 and the pool that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, BasicConstraintsValid: true, IsCA: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: c}, pool
}
