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
// counted by the handshake listener. It also lets a drain close the
// connections that have not begun a request (closeNewUntil).
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

// closeNewUntil closes the connections that have not begun a request, at
// once and every 50 ms, until the shutdown reports on done; it returns
// what the shutdown returned. net/http waits 5 s before it counts such a
// connection as idle, so a drain would otherwise wait for it.
func (c *connStats) closeNewUntil(done <-chan error) error {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		c.closeNew()
		select {
		case err := <-done:
			return err
		case <-t.C:
		}
	}
}

// closeNew closes the connections in state new; each stays tracked until
// net/http reports it closed, so that it is counted as before.
func (c *connStats) closeNew() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for conn, s := range c.state {
		if s.st == http.StateNew {
			conn.Close()
		}
	}
}
