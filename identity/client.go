package identity

import (
	"crypto/tls"
	"fmt"
)

// ClientTLS returns the TLS configuration of a mutual-TLS client of
// `varamu serve`: it presents the client certificate and key of certFile
// and keyFile (PEM), trusts only the CA bundle of caFile (PEM, as
// LoadCAs reads it) for the server's certificate, and speaks TLS 1.3 only.
func ClientTLS(certFile, keyFile, caFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("identity: client certificate %s, key %s: %w", certFile, keyFile, err)
	}
	pool, _, err := LoadCAs(caFile)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS13}, nil
}
