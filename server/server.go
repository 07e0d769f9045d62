// Package server is `varamu serve`: HTTPS (TLS 1.3) with callers proven by
// package identity, every person-level answer decided by package access
// and logged before it leaves. It holds what every interface shares — the
// current store generation (Snapshot), authentication, the access
// decision, error mapping, limits, /healthz and /metrics — and interfaces
// plug in with Handle (CDS Hooks 2.0 in server/cdshooks, FHIR Genomics
// operations in server/fhirops).
//
// Contracts:
//   - A handler MUST obtain person-level data only after Server.Authorize
//     (or Decide) allowed it, and MUST NOT return data the decision hides.
//   - A new committed store generation is picked up without a restart; a
//     request uses one Snapshot from start to end.
//   - Errors never name a person, a code or a genotype.
package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/identity"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// Config configures a Server. Zero values are documented per field.
type Config struct {
	// StoreDir is the store served (required).
	StoreDir string
	// TLS is the server's TLS configuration with its certificate
	// (required); Server forces TLS 1.3 and requests client certificates.
	TLS *tls.Config
	// Identity verifies callers (required).
	Identity *identity.Verifier
	// BaseURL is the public https URL of the server, the audience CDS
	// clients put in their tokens; "" derives it from the request's Host.
	BaseURL string
	// MaxBody limits request bodies (0: 1 MiB); larger bodies get 413.
	MaxBody int64
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout (0: 5 s,
	// 15 s, 30 s, 120 s).
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// Poll is how often the store's manifest is checked for a new
	// generation (0: 1 s).
	Poll time.Duration
	// AuditIntegrate is the least time between two background
	// integrations of the audit journal into the log's tree (0: 2 s; see
	// audit.Config.IntegrateInterval). Every decision waits for the
	// journal's fdatasync, and each integration writes and fsyncs the
	// tree's partial tiles and bundle: at audit's default of 200 ms these
	// writes took as much of the disk as the journal (a 5 s trace at
	// 1,000 requests/s: 1.7 s in the journal's fdatasync, 2.6 s in the
	// integration's synchronous writes and fsyncs) and the journal's
	// flushes queued behind them.
	AuditIntegrate time.Duration
	// Logger receives one line per request and per decision failure (nil:
	// discard).
	Logger *slog.Logger
	// ATC maps an ATC code to a drug name beyond those the store's records
	// carry (nil: none).
	ATC func(code string) (string, bool)
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

func (c *Config) validate() error {
	switch {
	case c.StoreDir == "":
		return errors.New("server: a store directory is required")
	case c.TLS == nil || (len(c.TLS.Certificates) == 0 && c.TLS.GetCertificate == nil):
		return errors.New("server: a TLS certificate is required")
	case c.Identity == nil:
		return errors.New("server: an identity verifier is required")
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ReadHeaderTimeout, 5*time.Second)
	def(&c.ReadTimeout, 15*time.Second)
	def(&c.WriteTimeout, 30*time.Second)
	def(&c.IdleTimeout, 120*time.Second)
	def(&c.Poll, time.Second)
	def(&c.AuditIntegrate, 2*time.Second)
	if c.MaxBody <= 0 {
		c.MaxBody = 1 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Server serves one store.
type Server struct {
	cfg     Config
	log     *audit.Log
	rules   *rules.Engine
	snap    atomic.Pointer[Snapshot]
	stamp   string
	reload  sync.Mutex
	mux     *http.ServeMux
	metrics *Metrics
	docs    []PathDoc

	decideCh chan decideReq
	quit     chan struct{}
	closed   sync.Once
}

// New opens the store's audit log and loads its current generation.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	metrics := newMetrics()
	log, err := audit.OpenWith(cfg.StoreDir, audit.Config{IntegrateInterval: cfg.AuditIntegrate,
		JournalSync: func(d time.Duration) { metrics.journalSync.Observe(d.Seconds()) }})
	if err != nil {
		return nil, err
	}
	eng, err := rules.LoadEmbedded()
	if err != nil {
		log.Close()
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, rules: eng, mux: http.NewServeMux(), metrics: metrics,
		decideCh: make(chan decideReq, maxBatch), quit: make(chan struct{})}
	if _, err := s.Refresh(ctx); err != nil {
		log.Close()
		return nil, err
	}
	go s.decideLoop()
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /openapi.json", s.openAPI)
	s.personRoutes()
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, http.StatusNotFound, "no such endpoint", nil)
	})
	return s, nil
}

// Close stops deciding and closes the audit log; call it after Serve
// returned.
func (s *Server) Close() error {
	s.closed.Do(func() { close(s.quit) })
	return s.log.Close()
}

// Snapshot returns the generation requests are answered from now.
func (s *Server) Snapshot() *Snapshot { return s.snap.Load() }

// Refresh loads the store's generation when the manifest changed since the
// last load, and reports whether it did. The new generation is swapped in
// whole, after it was read completely.
func (s *Server) Refresh(ctx context.Context) (bool, error) {
	s.reload.Lock()
	defer s.reload.Unlock()
	stamp, err := manifestStamp(s.cfg.StoreDir)
	if err != nil {
		return false, err
	}
	if stamp == s.stamp && s.snap.Load() != nil {
		return false, nil
	}
	t0 := time.Now()
	snap, err := loadSnapshot(ctx, s.cfg.StoreDir, s.log, s.rules, s.cfg.ATC, s.snap.Load())
	if err != nil {
		return false, err
	}
	s.cfg.Logger.Info("store generation loaded", "generation", snap.Generation, "seconds", time.Since(t0).Seconds())
	if old := s.snap.Load(); old != nil && old.Generation == snap.Generation {
		s.stamp = stamp
		return false, nil
	}
	s.snap.Store(snap)
	s.stamp = stamp
	s.metrics.generation.Set(float64(snap.Generation))
	return true, nil
}

// watch refreshes the snapshot every Poll until ctx ends.
func (s *Server) watch(ctx context.Context) {
	t := time.NewTicker(s.cfg.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			changed, err := s.Refresh(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.cfg.Logger.Warn("store reload failed; still serving the previous generation", "err", err)
			case changed:
				s.cfg.Logger.Info("serving new store generation", "generation", s.Snapshot().Generation)
			}
		}
	}
}

// Handle registers an interface's handler; doc describes it for
// /openapi.json.
func (s *Server) Handle(pattern string, h http.Handler, doc PathDoc) {
	s.mux.Handle(pattern, h)
	if doc.Path != "" {
		s.docs = append(s.docs, doc)
	}
}

// Handler is the server's whole HTTP handler, with body limits and
// metrics.
func (s *Server) Handler() http.Handler {
	return s.metrics.wrap(s.mux, s.cfg.Logger, func(r *http.Request) *http.Request {
		r.Body = http.MaxBytesReader(nil, r.Body, s.cfg.MaxBody)
		return r
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	snap := s.Snapshot()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"status":"ok","generation":%d}`+"\n", snap.Generation)
}

// handshakeParallel is how many TLS handshakes run at a time (see
// handshakeListener): enough to keep every core busy while some wait on
// the network, few enough that each finishes quickly.
const handshakeParallel = 32

// Serve serves on ln until ctx ends, then stops accepting and drains
// in-flight requests for up to drain. ready, when not nil, is called once
// the listener accepts connections.
func (s *Server) Serve(ctx context.Context, ln net.Listener, drain time.Duration) error {
	tlsCfg := s.cfg.TLS.Clone()
	tlsCfg.MinVersion = tls.VersionTLS13
	tlsCfg.ClientAuth = tls.RequestClientCert // verified per request by package identity
	hs := &http.Server{Handler: s.Handler(), TLSConfig: tlsCfg,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout, ReadTimeout: s.cfg.ReadTimeout,
		WriteTimeout: s.cfg.WriteTimeout, IdleTimeout: s.cfg.IdleTimeout, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelInfo)}
	conns := newConnStats(s.metrics.connsClosed, s.cfg.Logger)
	hs.ConnState = conns.track
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.watch(wctx)
	errc := make(chan error, 1)
	// As ServeTLS would offer, but handshakes are made by the listener.
	tlsCfg.NextProtos = []string{"h2", "http/1.1"}
	hl := newHandshakeListener(ln, tlsCfg, handshakeParallel, s.cfg.ReadHeaderTimeout, s.cfg.IdleTimeout, s.cfg.Logger)
	hl.failed = s.metrics.handshakeFailed
	go func() { errc <- hs.Serve(hl) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), drain)
	defer scancel()
	shut := make(chan error, 1)
	go func() { shut <- hs.Shutdown(sctx) }()
	// A connection that has not begun a request has nothing in flight, but
	// net/http waits 5 s before it counts one as idle (a client's spare
	// pooled connection, for instance): close those while draining.
	err := conns.closeNewUntil(shut)
	if err != nil {
		return fmt.Errorf("server: drain: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
