package server

import (
	"crypto/tls"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/BurntSushi/toml"

	"github.com/varamu/varamu/identity"
)

// FileConfig is serve.toml. Relative paths are relative to the file.
//
//	addr = "127.0.0.1:8443"     # optional; --addr wins
//	base_url = ""               # public URL; "" derives it from Host
//	max_body = 1048576          # bytes; 413 above
//	[tls]
//	cert = "server.pem"
//	key = "server.key"
//	client_ca = "ca.pem"        # CA bundle client certificates must chain to
//	crl = "crl.pem"             # re-read when it changes; optional
//	[[cds_client]]
//	issuer = "https://ehr.example"
//	jwks = "ehr.jwks.json"
//	[research]
//	projects = "projects.json"  # approved research projects; optional (no research API without)
//	[portal]
//	oidc_issuer = "http://127.0.0.1:9000"  # OpenID provider of the portal; "" serves no portal
//	oidc_client_id = "varamu-portal"       # "" means varamu-portal
//	[audit]
//	keys = "/run/secrets/varamu.keys"      # the log key and person secret; "" means $VARAMU_AUDIT_KEYS, else STORE.keys
type FileConfig struct {
	Addr    string `toml:"addr"`
	BaseURL string `toml:"base_url"`
	MaxBody int64  `toml:"max_body"`
	TLS     struct {
		Cert     string `toml:"cert"`
		Key      string `toml:"key"`
		ClientCA string `toml:"client_ca"`
		CRL      string `toml:"crl"`
	} `toml:"tls"`
	CDSClients []struct {
		Issuer string `toml:"issuer"`
		JWKS   string `toml:"jwks"`
	} `toml:"cds_client"`
	Research struct {
		Projects string `toml:"projects"`
	} `toml:"research"`
	// Portal configures the patient portal (package server/portal).
	Portal struct {
		OIDCIssuer   string `toml:"oidc_issuer"`
		OIDCClientID string `toml:"oidc_client_id"`
	} `toml:"portal"`
	// Audit names where the audit log's keys are kept (outside the store).
	Audit struct {
		Keys string `toml:"keys"`
	} `toml:"audit"`

	dir string
}

// LoadConfig reads serve.toml; unknown keys are an error (a misspelt key
// must not silently leave a check off).
func LoadConfig(path string) (*FileConfig, error) {
	var c FileConfig
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		return nil, fmt.Errorf("server: %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, fmt.Errorf("server: %s: unknown key %q", path, und[0].String())
	}
	c.dir = filepath.Dir(path)
	switch {
	case c.TLS.Cert == "" || c.TLS.Key == "":
		return nil, fmt.Errorf("server: %s: [tls] cert and key are required", path)
	case c.TLS.ClientCA == "":
		return nil, fmt.Errorf("server: %s: [tls] client_ca is required", path)
	}
	return &c, nil
}

func (c *FileConfig) path(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}

// Build makes the TLS configuration and identity verifier the file
// describes, into cfg.
func (c *FileConfig) Build(cfg *Config) error {
	cert, err := tls.LoadX509KeyPair(c.path(c.TLS.Cert), c.path(c.TLS.Key))
	if err != nil {
		return fmt.Errorf("server: TLS key pair: %w", err)
	}
	pool, roots, err := identity.LoadCAs(c.path(c.TLS.ClientCA))
	if err != nil {
		return err
	}
	icfg := identity.Config{CAs: pool}
	if c.TLS.CRL != "" {
		if icfg.CRL, err = identity.NewCRL(c.path(c.TLS.CRL), roots); err != nil {
			return err
		}
	}
	for _, cl := range c.CDSClients {
		if cl.Issuer == "" || cl.JWKS == "" {
			return errors.New("server: [[cds_client]] needs issuer and jwks")
		}
		client, err := identity.LoadClient(cl.Issuer, c.path(cl.JWKS))
		if err != nil {
			return err
		}
		icfg.Clients = append(icfg.Clients, client)
	}
	if cfg.Identity, err = identity.NewVerifier(icfg); err != nil {
		return err
	}
	cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}
	if cfg.BaseURL == "" {
		cfg.BaseURL = c.BaseURL
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = c.MaxBody
	}
	return nil
}

// AuditKeysPath returns the audit key directory the configuration names,
// resolved against its directory ("" when it names none).
func (c *FileConfig) AuditKeysPath() string { return c.path(c.Audit.Keys) }

// ProjectsPath returns the approved research projects file the
// configuration names, resolved against its directory ("" for none).
func (c *FileConfig) ProjectsPath() string { return c.path(c.Research.Projects) }
