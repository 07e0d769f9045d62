package server

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// handshakeListener accepts TCP connections and hands net/http only those
// whose TLS handshake has completed. net/http would handshake each accepted
// connection itself, within the read-header timeout counted from the
// accept: when a thousand clients connect at once on a busy machine, all
// thousand handshakes share the CPU and those that do not finish in time
// are closed, which their clients see as EOF. Here at most parallel
// handshakes run at a time, each within timeout counted from its own start;
// the others wait in the accept backlog, so that handshakes finish in
// order instead of timing out together.
type handshakeListener struct {
	inner     net.Listener
	cfg       *tls.Config
	timeout   time.Duration
	idle      time.Duration // how long a connection may wait for its first request (freshConn)
	log       *slog.Logger
	slots     chan struct{}
	ready     chan net.Conn
	acceptErr chan error
	// failed counts failed handshakes (nil: not counted); fails is the
	// running count logged with each.
	failed   prometheus.Counter
	fails    atomic.Int64
	ctx      context.Context
	cancel   context.CancelFunc
	closeOne sync.Once
}

func newHandshakeListener(inner net.Listener, cfg *tls.Config, parallel int, timeout, idle time.Duration, log *slog.Logger) *handshakeListener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &handshakeListener{inner: inner, cfg: cfg, timeout: timeout, idle: idle, log: log, slots: make(chan struct{}, parallel),
		ready: make(chan net.Conn), acceptErr: make(chan error, 1), ctx: ctx, cancel: cancel}
	go l.acceptLoop()
	return l
}

// acceptLoop accepts a connection whenever a handshake slot is free.
func (l *handshakeListener) acceptLoop() {
	for {
		select {
		case l.slots <- struct{}{}:
		case <-l.ctx.Done():
			return
		}
		c, err := l.inner.Accept()
		if err != nil {
			<-l.slots
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() { // e.g. out of file descriptors for a moment, as net/http retries
				l.log.Warn("accept", "err", err)
				time.Sleep(50 * time.Millisecond)
				continue
			}
			l.acceptErr <- err
			return
		}
		go l.handshake(c)
	}
}

func (l *handshakeListener) handshake(c net.Conn) {
	defer func() { <-l.slots }()
	ctx, cancel := context.WithTimeout(l.ctx, l.timeout)
	defer cancel()
	fc := newFreshConn(c, l.idle)
	tc := tls.Server(fc, l.cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		if l.failed != nil {
			l.failed.Inc()
		}
		l.log.Info("TLS handshake failed", "count", l.fails.Add(1), "remote", c.RemoteAddr().String(), "err", err)
		c.Close()
		return
	}
	fc.handshakeDone()
	select {
	case l.ready <- tc:
	case <-l.ctx.Done():
		tc.Close()
	}
}

// Accept returns the next connection whose handshake completed.
func (l *handshakeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case err := <-l.acceptErr:
		l.acceptErr <- err // every later Accept fails alike
		return nil, err
	case <-l.ctx.Done():
		return nil, net.ErrClosed
	}
}

// Close stops accepting and ends the handshakes in progress.
func (l *handshakeListener) Close() error {
	var err error
	l.closeOne.Do(func() {
		l.cancel()
		err = l.inner.Close()
	})
	return err
}

// Addr is the address listened on.
func (l *handshakeListener) Addr() net.Addr { return l.inner.Addr() }
