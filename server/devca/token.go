package devca

import (
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// EHRToken signs, as the test EHR whose key Write put in dir, a CDS Hooks
// bearer token for audience aud (the CDS service's URL), valid for five
// minutes, with a fresh jti.
func EHRToken(dir, aud string, now time.Time) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "ehr.key"))
	if err != nil {
		return "", err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return "", errors.New("devca: ehr.key: no PEM block")
	}
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return "", fmt.Errorf("devca: ehr.key: %w", err)
	}
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "ehr-1"))
	if err != nil {
		return "", err
	}
	var jti [16]byte
	rand.Read(jti[:])
	return jwt.Signed(sig).Claims(jwt.Claims{Issuer: EHRIssuer, Subject: EHRIssuer, Audience: jwt.Audience{aud},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute)), ID: hex.EncodeToString(jti[:])}).Serialize()
}
