package server

import (
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// freshConn is the TCP connection under a server TLS connection. Until the
// client sends its first byte after the handshake, it waits for that byte
// as long as for the next request on a kept-alive connection (idle), not
// only net/http's ReadHeaderTimeout: net/http counts the header timeout of
// a connection's first request from the moment it gets the connection, so
// a connection a client opened ahead of need (Go's HTTP client dials a
// spare one whenever none is idle, and pools it) was closed after 5 s, and
// the client's request written on it as it closed got EOF. Once bytes
// arrive, the read deadline net/http last asked for applies again, counted
// from their arrival (as net/http does for a kept-alive connection).
//
// During the handshake it reads record by record (a record's 5-byte header,
// then at most the rest of that record), so that package tls holds no
// bytes beyond the client's Finished when the handshake ends: a request
// sent together with the handshake's last flight is then read from this
// connection, and ends the wait as any first bytes do, instead of sitting
// unseen in tls's buffer with the header timeout stretched.
type freshConn struct {
	net.Conn
	idle        time.Duration
	fresh       atomic.Bool // the handshake is done and no byte has been read since
	handshaking atomic.Bool

	// record framing while handshaking (used by the handshake's goroutine only)
	hdr  [recordHeader]byte
	nhdr int // header bytes read of the current record
	left int // body bytes of the current record not read yet

	mu       sync.Mutex
	since    time.Time     // when the handshake finished
	askedFor time.Duration // how far ahead net/http's last read deadline was when asked (0: none)
}

// recordHeader is the length of a TLS record header (type, version, length).
const recordHeader = 5

func newFreshConn(c net.Conn, idle time.Duration) *freshConn {
	f := &freshConn{Conn: c, idle: idle}
	f.handshaking.Store(true)
	return f
}

// handshakeDone marks the start of the wait for the first request.
func (c *freshConn) handshakeDone() {
	c.mu.Lock()
	c.since = time.Now()
	c.handshaking.Store(false)
	c.fresh.Store(true)
	c.mu.Unlock()
}

// readRecordwise reads at most up to the end of the current record's
// header or body.
func (c *freshConn) readRecordwise(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.left == 0 {
		n, err := c.Conn.Read(p[:min(len(p), recordHeader-c.nhdr)])
		c.nhdr += copy(c.hdr[c.nhdr:], p[:n])
		if c.nhdr == recordHeader {
			c.left, c.nhdr = int(binary.BigEndian.Uint16(c.hdr[3:])), 0
		}
		return n, err
	}
	n, err := c.Conn.Read(p[:min(len(p), c.left)])
	c.left -= n
	return n, err
}

// Read reads from the connection; the first bytes after the handshake end
// the fresh wait.
func (c *freshConn) Read(p []byte) (int, error) {
	if c.handshaking.Load() {
		return c.readRecordwise(p)
	}
	n, err := c.Conn.Read(p)
	if n > 0 && c.fresh.Load() {
		c.mu.Lock()
		if c.fresh.Load() {
			c.fresh.Store(false)
			if c.askedFor > 0 {
				c.Conn.SetReadDeadline(time.Now().Add(c.askedFor))
			}
		}
		c.mu.Unlock()
	}
	return n, err
}

// SetReadDeadline sets the read deadline; while fresh, no earlier than
// idle after the handshake.
func (c *freshConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.askedFor = 0
	if !t.IsZero() {
		c.askedFor = time.Until(t)
	}
	return c.Conn.SetReadDeadline(c.effective(t))
}

// SetDeadline sets both deadlines, the read one as SetReadDeadline does.
func (c *freshConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetWriteDeadline(t); err != nil {
		return err
	}
	return c.SetReadDeadline(t)
}

// effective is the read deadline to set for t; the caller holds mu. A
// deadline that has passed is kept: net/http sets one to interrupt a
// read (the background read during a handler, which the first request
// may have reached while its bytes were still buffered by the handshake).
func (c *freshConn) effective(t time.Time) time.Time {
	if c.handshaking.Load() || !c.fresh.Load() || t.IsZero() || !t.After(time.Now()) {
		return t
	}
	if wait := c.since.Add(c.idle); wait.After(t) {
		return wait
	}
	return t
}
