package server

import (
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are the server's Prometheus collectors; Cards and Feedback are
// counted by the CDS Hooks service.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	decisions  *prometheus.CounterVec
	generation prometheus.Gauge
	appendSec  prometheus.Histogram
	// journalSync times the audit journal's fdatasync of each group.
	journalSync prometheus.Histogram
	batchSize   prometheus.Histogram
	Cards       *prometheus.CounterVec
	Feedback    *prometheus.CounterVec
	// connsClosed counts connections net/http closed, by the state they
	// were in; handshakeFailed the TLS handshakes that failed.
	connsClosed     *prometheus.CounterVec
	handshakeFailed prometheus.Counter
	// perRoute holds each route's latency observer and each (route,
	// status) counter once looked up, so that a request costs no label
	// hashing (routes and statuses are few).
	perRoute sync.Map // routeStatus -> prometheus.Counter, string -> prometheus.Observer
	// outcomes are the decisions counter's children, by outcome.
	outcomes labelCounters
}

// labelCounters are the children of a one-label counter, each looked up
// once (a request costs no label hashing); a label not made beforehand is
// looked up when counted.
type labelCounters struct {
	vec *prometheus.CounterVec
	m   map[string]prometheus.Counter
}

// newLabelCounters makes vec's children of labels, so that their series
// exist (at 0) from the start.
func newLabelCounters(vec *prometheus.CounterVec, labels ...string) labelCounters {
	l := labelCounters{vec: vec, m: make(map[string]prometheus.Counter, len(labels))}
	for _, v := range labels {
		l.m[v] = vec.WithLabelValues(v)
	}
	return l
}

// inc counts one of label.
func (l labelCounters) inc(label string) {
	if c, ok := l.m[label]; ok {
		c.Inc()
		return
	}
	l.vec.WithLabelValues(label).Inc()
}

// decision counts one access outcome (allowed, denied, unauthenticated,
// error).
func (m *Metrics) decision(outcome string) { m.outcomes.inc(outcome) }

type routeStatus struct {
	route  string
	status int
}

// requestCounter returns the requests counter of route and status.
func (m *Metrics) requestCounter(route string, status int) prometheus.Counter {
	k := routeStatus{route, status}
	if c, ok := m.perRoute.Load(k); ok {
		return c.(prometheus.Counter)
	}
	c := m.requests.WithLabelValues(route, strconv.Itoa(status))
	m.perRoute.Store(k, c)
	return c
}

// routeLatency returns the latency observer of route.
func (m *Metrics) routeLatency(route string) prometheus.Observer {
	if o, ok := m.perRoute.Load(route); ok {
		return o.(prometheus.Observer)
	}
	o := m.latency.WithLabelValues(route)
	m.perRoute.Store(route, o)
	return o
}

func newMetrics() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "varamu_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "varamu_http_request_seconds", Help: "HTTP request latency by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"})
	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "varamu_access_decisions_total", Help: "Access outcomes of requests (allowed, denied, unauthenticated, error)."}, []string{"outcome"})
	m.generation = prometheus.NewGauge(prometheus.GaugeOpts{Name: "varamu_store_generation", Help: "Store generation being served."})
	m.Cards = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "varamu_cds_cards_total", Help: "CDS Hooks cards returned by indicator."}, []string{"indicator"})
	m.Feedback = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "varamu_cds_feedback_total", Help: "CDS Hooks card feedback by outcome."}, []string{"outcome"})
	m.appendSec = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "varamu_audit_append_seconds", Help: "Time to decide and durably log one group of requests' decisions.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}})
	m.journalSync = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "varamu_audit_journal_sync_seconds", Help: "Time of the audit journal's fdatasync that makes one group of entries durable.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}})
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "varamu_audit_batch_requests", Help: "Requests whose decisions share one audit append.",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512}})
	m.connsClosed = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "varamu_http_connections_closed_total",
		Help: "Connections closed by the server, by the state they were in (new: before a request, active: during one, idle: between requests)."}, []string{"state"})
	m.handshakeFailed = prometheus.NewCounter(prometheus.CounterOpts{Name: "varamu_tls_handshake_failures_total", Help: "TLS handshakes that failed or timed out."})
	m.outcomes = newLabelCounters(m.decisions, "allowed", "denied", "unauthenticated", "error")
	m.reg.MustRegister(m.requests, m.latency, m.decisions, m.generation, m.appendSec, m.journalSync, m.batchSize, m.Cards, m.Feedback, m.connsClosed, m.handshakeFailed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
	w.ResponseWriter.WriteHeader(s)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (a research
// answer extends its write deadline).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrap counts, times and logs each request under its route pattern.
func (m *Metrics) wrap(mux *http.ServeMux, log *slog.Logger, prep func(*http.Request) *http.Request) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		r = prep(r)
		mux.ServeHTTP(sw, r)
		route := r.Pattern // set by the mux's match: the request is routed once
		if route == "" {
			route = "other"
		}
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		m.requestCounter(route, sw.status).Inc()
		m.routeLatency(route).Observe(d.Seconds())
		// A line per request is a locked write to stderr each (under load a
		// queue of its own): debug only, except the server's own failures.
		// The metrics count every request; the audit log holds every access.
		level := slog.LevelDebug
		if sw.status >= http.StatusInternalServerError {
			level = slog.LevelWarn
		}
		if log.Enabled(r.Context(), level) { // the arguments alone cost allocations
			log.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path, "status", sw.status, "ms", d.Milliseconds())
		}
	})
}

// CardCounter returns a function that counts one card of an indicator in
// Cards, its children of indicators looked up once (their series exist
// from then on, at 0).
func (m *Metrics) CardCounter(indicators ...string) func(indicator string) {
	return newLabelCounters(m.Cards, indicators...).inc
}
