package server

import (
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// connStats counts how connections end, by the state they were in when
// net/http closed them (because the client closed it, or a timeout
// expired): a connection closed while a request was in flight ("active")
// or before its first request ("new") may be what a client sees as an
// EOF, so each is logged at INFO with the running count and how long it
// had been in that state; closing an idle one (the client left, or the
// idle timeout) is normal and only counted. TLS handshake failures are
// counted by the handshake listener.
type connStats struct {
	mu     sync.Mutex
	state  map[net.Conn]connState
	closed *prometheus.CounterVec
	log    *slog.Logger
	n      map[http.ConnState]*atomic.Int64
}

func newConnStats(closed *prometheus.CounterVec, log *slog.Logger) *connStats {
	c := &connStats{state: map[net.Conn]connState{}, closed: closed, log: log, n: map[http.ConnState]*atomic.Int64{}}
	for _, st := range []http.ConnState{http.StateNew, http.StateActive, http.StateIdle} {
		c.n[st] = new(atomic.Int64)
	}
	return c
}

// connState is a connection's state and when it entered it.
type connState struct {
	st    http.ConnState
	since time.Time
}

// track is an http.Server ConnState hook.
func (c *connStats) track(conn net.Conn, st http.ConnState) {
	now := time.Now()
	c.mu.Lock()
	prev, known := c.state[conn]
	switch st {
	case http.StateClosed, http.StateHijacked:
		delete(c.state, conn)
	default:
		c.state[conn] = connState{st, now}
	}
	c.mu.Unlock()
	if st != http.StateClosed || !known {
		return
	}
	c.closed.WithLabelValues(prev.st.String()).Inc()
	n := c.n[prev.st].Add(1)
	if prev.st != http.StateIdle {
		c.log.Info("connection closed", "state", prev.st.String(), "count", n, "after", now.Sub(prev.since).Round(time.Millisecond), "remote", conn.RemoteAddr().String())
	}
}
