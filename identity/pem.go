package identity

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// pemBlocks returns the DER bytes of the PEM blocks of type typ in b.
func pemBlocks(b []byte, typ string) [][]byte {
	var out [][]byte
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return out
		}
		if blk.Type == typ {
			out = append(out, blk.Bytes)
		}
	}
}

// LoadCAs reads a PEM bundle of CA certificates.
func LoadCAs(path string) (*x509.CertPool, []*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: CA bundle: %w", err)
	}
	pool := x509.NewCertPool()
	var certs []*x509.Certificate
	for _, der := range pemBlocks(b, "CERTIFICATE") {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, nil, fmt.Errorf("identity: CA bundle %s: %w", path, err)
		}
		pool.AddCert(c)
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, nil, errors.New("identity: CA bundle " + path + ": no certificates")
	}
	return pool, certs, nil
}
