package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// testServer is a TLS 1.3 server answering each request with its body
// (closing the connection when the path asks for it), and the client
// configuration that trusts it.
func testServer(t *testing.T, inFlight *atomic.Int64, most *atomic.Int64) (*httptest.Server, *tls.Config) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/close" {
			w.Header().Set("Connection", "close")
		}
		w.Write(append([]byte(r.Proto+" "), b...))
	}))
	srv.EnableHTTP2 = true // the client must still speak HTTP/1.1
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS13}
}

func post(t *testing.T, c *http.Client, url, body string) string {
	t.Helper()
	resp, err := c.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: status %d, %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// TestDirectTransport: requests go over HTTP/1.1 on kept-alive connections
// (one for sequential requests, resumed sessions for new ones), a response
// that closes its connection makes the next request dial again, and
// concurrent requests never have more connections open than the clients.
func TestDirectTransport(t *testing.T) {
	var inFlight, most atomic.Int64
	srv, cfg := testServer(t, &inFlight, &most)
	stats := &connStats{}
	c := &http.Client{Transport: newDirectTransport(clientTLSFor(cfg, 4), 4, stats)}
	for i := range 5 {
		if got, want := post(t, c, srv.URL+"/x", strings.Repeat("b", i)), "HTTP/1.1 "+strings.Repeat("b", i); got != want {
			t.Fatalf("answer %q, want %q", got, want)
		}
	}
	if d := stats.dials.Load(); d != 1 {
		t.Fatalf("%d connections for 5 sequential requests, want 1", d)
	}
	post(t, c, srv.URL+"/close", "")
	post(t, c, srv.URL+"/x", "")
	if d, r := stats.dials.Load(), stats.resumed.Load(); d != 2 || r != 1 {
		t.Fatalf("after a closing response: %d connections (%d resumed), want 2 (1 resumed)", d, r)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				post(t, c, srv.URL+"/x", "y")
			}
		}()
	}
	wg.Wait()
	if d := stats.dials.Load(); d > 2+4 {
		t.Errorf("%d connections made for 8 goroutines over 4 clients, want at most 6", d)
	}
	if m := most.Load(); m > 4 {
		t.Errorf("%d requests in flight at once, want at most 4", m)
	}
	if !strings.Contains(stats.String(), "http/1.1 (no ALPN)") {
		t.Errorf("protocols: %s", stats)
	}
	if _, err := c.Get("http://127.0.0.1:1/"); err == nil {
		t.Error("a plain http URL was accepted")
	}
}

// TestStdClientHTTP1: the pooled net/http client also speaks HTTP/1.1 to a
// server offering HTTP/2.
func TestStdClientHTTP1(t *testing.T) {
	var inFlight, most atomic.Int64
	srv, cfg := testServer(t, &inFlight, &most)
	stats := &connStats{}
	c := stdClient(clientTLSFor(cfg, 2), 2, stats)
	if got := post(t, c, srv.URL+"/x", "z"); got != "HTTP/1.1 z" {
		t.Fatalf("answer %q", got)
	}
}
