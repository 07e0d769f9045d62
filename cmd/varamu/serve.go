package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/research"
	"github.com/varamu/varamu/research/projects"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/server/cdshooks"
	"github.com/varamu/varamu/server/devidp"
	"github.com/varamu/varamu/server/fhirops"
	"github.com/varamu/varamu/server/fhirrecords"
	"github.com/varamu/varamu/server/portal"
	serveresearch "github.com/varamu/varamu/server/research"
)

func newServeCmd() *cobra.Command {
	var storeDir, addr, configPath, clinvarPath, sfGenesPath, issuer, keys, pprofAddr string
	var drain time.Duration
	var level slog.Level
	cmd := &cobra.Command{
		Use:   "serve --store DIR --config serve.toml [--addr 127.0.0.1:8443]",
		Short: "Serve CDS Hooks 2.0 and FHIR Genomics operations over HTTPS to callers proven by client certificate or CDS JWT",
		Long: `Serves the store over HTTPS (TLS 1.3). Callers prove who they are with an ID-card style client
certificate (subject serialNumber PNOEE-<isikukood>, verified against the configured CA bundle and CRL)
or, for electronic health records, a CDS Hooks JWT of a registered client. The role is looked up in the
store's practitioner register; every answer about a person is decided by access and logged first.
A new store generation is served without a restart; SIGTERM drains in-flight requests.
With --oidc-issuer (or [portal] oidc_issuer in the config) the patient portal is served at /portal,
people logging in through that OpenID provider ('varamu dev-idp' runs one on loopback).
'varamu dev-ca' writes a configuration and certificates to try it on loopback.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fc, err := server.LoadConfig(configPath)
			if err != nil {
				return err
			}
			if err := useAuditKeys(keys, fc.AuditKeysPath()); err != nil {
				return err
			}
			if addr == "" {
				addr = fc.Addr
			}
			if addr == "" {
				addr = "127.0.0.1:8443"
			}
			cfg := server.Config{StoreDir: storeDir, Now: clockOf(cmd.Context()),
				Logger: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))}
			if err := fc.Build(&cfg); err != nil {
				return err
			}
			// Profiles are served before the store is loaded, so that
			// start-up itself can be profiled.
			if pprofAddr != "" {
				stop, err := serveProfiles(pprofAddr, cmd.ErrOrStderr())
				if err != nil {
					return err
				}
				defer stop()
			}
			loaded := gcWhileLoading()
			s, err := server.New(cmd.Context(), cfg)
			loaded()
			if err != nil {
				return err
			}
			go keepGCHeadroom(cmd.Context())
			defer s.Close()
			if err := cdshooks.Register(s); err != nil {
				return err
			}
			if err := fhirops.Register(s); err != nil {
				return err
			}
			rf, err := loadFindings(clinvarPath, sfGenesPath)
			if err != nil {
				return err
			}
			if err := registerRisk(s, rf); err != nil {
				return err
			}
			if err := registerResearch(s, storeDir, fc.ProjectsPath(), cfg.Now); err != nil {
				return err
			}
			fhirrecords.Register(s)
			if err := registerPortal(s, fc, issuer, rf); err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "listening on https://%s\n", ln.Addr())
			return s.Serve(cmd.Context(), ln, drain)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&storeDir, "store", "", "store to serve (required)")
	fl.StringVar(&addr, "addr", "", "address to listen on (default from the config, else 127.0.0.1:8443; port 0 picks a free one)")
	fl.StringVar(&configPath, "config", "", "serve.toml (required; 'varamu dev-ca' writes one)")
	fl.StringVar(&keys, "keys", "", "audit key directory made by 'varamu audit keygen' (default from the config's [audit] keys, else $"+audit.KeyDirEnv+", else STORE.keys beside the store)")
	fl.StringVar(&clinvarPath, "clinvar", "", "ClinVar-format VCF for secondary findings in $find-subject-dx-implications and the portal's genome page (with --sf-genes)")
	fl.StringVar(&sfGenesPath, "sf-genes", "", "secondary-findings gene list (GENE<tab>AD|AR|XL|SD) for --clinvar")
	fl.StringVar(&issuer, "oidc-issuer", "", "OpenID provider of the patient portal at /portal (default from the config's [portal]; 'varamu dev-idp' runs one)")
	fl.DurationVar(&drain, "drain", 10*time.Second, "on SIGTERM, how long in-flight requests may finish")
	fl.TextVar(&level, "log-level", slog.LevelInfo, "least level logged to stderr: DEBUG (adds a line per request), INFO (also failed TLS handshakes and connections closed before or during a request, with counts), WARN or ERROR")
	fl.StringVar(&pprofAddr, "pprof", "", "serve Go's runtime profiles (net/http/pprof, with block and mutex profiling on) over plain HTTP on this loopback address, for performance work")
	fl.MarkHidden("pprof")
	cmd.MarkFlagRequired("store")
	cmd.MarkFlagRequired("config")
	return cmd
}

// serveProfiles serves net/http/pprof on a loopback address (never the
// public listener: profiles show the heap) and turns on block and mutex
// profiling. It returns a function that stops it.
func serveProfiles(addr string, out io.Writer) (func(), error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, fmt.Errorf("serve: --pprof %s: a loopback address is required", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	runtime.SetBlockProfileRate(int(time.Millisecond / 10))
	runtime.SetMutexProfileFraction(10)
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", httppprof.Index)
	mux.HandleFunc("/debug/pprof/profile", httppprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", httppprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go hs.Serve(ln)
	fmt.Fprintf(out, "profiles on http://%s/debug/pprof/\n", ln.Addr())
	return func() { hs.Close() }, nil
}

// gcWhileLoading sets the collector for loading the store and returns
// the function that sets it for serving, unless $GOGC sets it. Loading
// builds a heap of about a gigabyte at 200,000 people from many small
// objects: with GOGC 100 the collector marks it over and over while it
// grows (a third of start-up's CPU), so it runs at 400 until loaded. While
// serving the live heap is mostly the loaded store, which every collection
// marks, and requests trigger one each time they have allocated GOGC% of
// it: at 100 marking took about 15% of the server's CPU under load; 200
// halves that for a heap of up to three times the live one, less than
// loading reached. Once loaded, the memory loading's garbage took is given
// back to the system (at 200,000 people RSS 3.4 GB → about the live heap,
// ~0.5 GB, before serving grows it to its goal).
func gcWhileLoading() (serving func()) {
	if os.Getenv("GOGC") != "" {
		return debug.FreeOSMemory
	}
	debug.SetGCPercent(400)
	return func() { debug.SetGCPercent(200); debug.FreeOSMemory() }
}

// useAuditKeys points every audit log this process opens at the key
// directory named by the flag, else by the configuration. A directory named
// explicitly must already hold a log key (made by 'varamu audit keygen'),
// with its files' modes as audit.LoadKeys requires: a server never makes
// its own keys in a place it was told to find them.
func useAuditKeys(flag, config string) error {
	dir := flag
	if dir == "" {
		dir = config
	}
	if dir == "" {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if _, err := audit.LoadKeys(abs); err != nil {
		return fmt.Errorf("serve: audit keys %s: %w (make them with 'varamu audit keygen --store STORE --keys %s')", abs, err, dir)
	}
	return os.Setenv(audit.KeyDirEnv, abs)
}

// registerResearch adds the research API when the configuration names an
// approved projects file.
func registerResearch(s *server.Server, storeDir, projectsPath string, clock func() time.Time) error {
	if projectsPath == "" {
		return nil
	}
	pf, err := projects.Load(projectsPath)
	if err != nil {
		return err
	}
	svc, err := research.New(storeDir, pf, clock)
	if err != nil {
		return err
	}
	serveresearch.Register(s, svc)
	return nil
}

// registerPortal serves the patient portal when an OpenID issuer is
// configured (the flag wins over the config).
func registerPortal(s *server.Server, fc *server.FileConfig, issuer string, rf *fhirops.RiskFindings) error {
	if issuer == "" {
		issuer = fc.Portal.OIDCIssuer
	}
	if issuer == "" {
		return nil
	}
	client := fc.Portal.OIDCClientID
	if client == "" {
		client = devidp.ClientID
	}
	o, err := identity.NewOIDC(identity.OIDCConfig{Issuer: issuer, ClientID: client})
	if err != nil {
		return err
	}
	cfg := portal.Config{OIDC: o}
	if rf != nil {
		cfg.Findings = &portal.Findings{ClinVar: rf.ClinVar, Genes: rf.Genes}
	}
	_, err = portal.Register(s, cfg)
	return err
}
