package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// connStats counts the generator's TLS connections: how many were made,
// how many resumed an earlier session (no certificate exchange), and the
// application protocols the server chose.
type connStats struct {
	dials, resumed atomic.Int64
	mu             sync.Mutex
	protos         map[string]int
}

// dialTLS returns a DialTLSContext that makes a TLS connection with cfg
// and counts it.
func (s *connStats) dialTLS(cfg *tls.Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		raw, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		conf := cfg
		if conf.ServerName == "" {
			host, _, err := net.SplitHostPort(addr)
			if err != nil {
				raw.Close()
				return nil, err
			}
			conf = cfg.Clone() // shares the session cache
			conf.ServerName = host
		}
		c := tls.Client(raw, conf)
		if err := c.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, err
		}
		st := c.ConnectionState()
		s.dials.Add(1)
		if st.DidResume {
			s.resumed.Add(1)
		}
		proto := st.NegotiatedProtocol
		if proto == "" {
			proto = "http/1.1 (no ALPN)"
		}
		s.mu.Lock()
		if s.protos == nil {
			s.protos = map[string]int{}
		}
		s.protos[proto]++
		s.mu.Unlock()
		return c, nil
	}
}

// String says what was counted.
func (s *connStats) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return fmt.Sprintf("TLS connections made %d (%d resumed a session), protocols %v", s.dials.Load(), s.resumed.Load(), s.protos)
}

// clientTLSFor returns cfg for the generator's connections: HTTP/1.1 only
// (no ALPN offer of h2) and a session cache shared by all runs, so that a
// reconnection resumes its session instead of a full handshake with
// certificates.
func clientTLSFor(cfg *tls.Config, clients int) *tls.Config {
	c := cfg.Clone()
	c.NextProtos = nil
	c.ClientSessionCache = tls.NewLRUClientSessionCache(max(clients, 64))
	return c
}

// stdClient is net/http's client for n concurrent clients: at most n
// connections, all kept alive and pooled (none dialled beyond n and
// closed because the pool is full), HTTP/1.1, no compression.
func stdClient(cfg *tls.Config, n int, stats *connStats) *http.Client {
	tr := &http.Transport{
		DialTLSContext:      stats.dialTLS(cfg),
		MaxConnsPerHost:     n,
		MaxIdleConnsPerHost: n,
		MaxIdleConns:        n,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{}, // no HTTP/2
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// directTransport is an HTTP/1.1 round tripper with a connection of its
// own per request in flight: a request takes an idle connection (or dials
// one while fewer than max are open), writes itself with Request.Write,
// reads the response with http.ReadResponse, and gives the connection back
// when the body has been read to its end and closed. Unlike net/http's
// Transport it runs no reader and writer goroutines per connection and
// hands nothing between goroutines, which is most of a load generator's
// CPU besides the TLS and the system calls. A connection with an error, or
// a response that does not keep it alive, is closed.
type directTransport struct {
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
	idle    chan *directConn
	slots   chan struct{} // one per open connection
	timeout time.Duration
}

type directConn struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func newDirectTransport(cfg *tls.Config, n int, stats *connStats) *directTransport {
	return &directTransport{dial: stats.dialTLS(cfg), idle: make(chan *directConn, n), slots: make(chan struct{}, n), timeout: 30 * time.Second}
}

// get returns an idle connection, or a new one while fewer than max are
// open, else waits for one to be given back.
func (t *directTransport) get(ctx context.Context, addr string) (*directConn, error) {
	select {
	case c := <-t.idle:
		return c, nil
	default:
	}
	select {
	case c := <-t.idle:
		return c, nil
	case t.slots <- struct{}{}:
		c, err := t.dial(ctx, "tcp", addr)
		if err != nil {
			<-t.slots
			return nil, err
		}
		return &directConn{c: c, r: bufio.NewReaderSize(c, 4096), w: bufio.NewWriterSize(c, 4096)}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (t *directTransport) drop(c *directConn) {
	c.c.Close()
	<-t.slots
}

// RoundTrip implements http.RoundTripper.
func (t *directTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" {
		return nil, errDirectScheme
	}
	addr := req.URL.Host
	if req.URL.Port() == "" {
		addr += ":443"
	}
	c, err := t.get(req.Context(), addr)
	if err != nil {
		return nil, err
	}
	c.c.SetDeadline(time.Now().Add(t.timeout))
	if err := req.Write(c.w); err != nil {
		t.drop(c)
		return nil, err
	}
	if err := c.w.Flush(); err != nil {
		t.drop(c)
		return nil, err
	}
	resp, err := http.ReadResponse(c.r, req)
	if err != nil {
		t.drop(c)
		return nil, err
	}
	resp.Body = &directBody{ReadCloser: resp.Body, t: t, c: c, keep: !resp.Close}
	return resp, nil
}

var errDirectScheme = errors.New("serveload: the direct transport speaks https only")

// directBody gives its connection back when it was read to its end and
// closed, and closes the connection when closed early.
type directBody struct {
	io.ReadCloser
	t        *directTransport
	c        *directConn
	keep     bool
	eof, put bool
}

func (b *directBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.eof = true
	} else if err != nil {
		b.keep = false
	}
	return n, err
}

func (b *directBody) Close() error {
	if b.put {
		return nil
	}
	b.put = true
	err := b.ReadCloser.Close()
	if b.eof && b.keep && err == nil {
		b.t.idle <- b.c
	} else {
		b.t.drop(b.c)
	}
	return err
}
