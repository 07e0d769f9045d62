package server_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/store"
)

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestOpenAPIValidates(t *testing.T) {
	r := start(t, nil)
	status, body := get(t, r.client(nil), r.URL+"/openapi.json")
	if status != 200 {
		t.Fatalf("status %d", status)
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json does not validate: %v", err)
	}
	for _, p := range []string{"/cds-services", "/cds-services/varamu-pgx-order-sign", "/fhir/$find-subject-haplotypes", "/fhir/Patient/{id}/$pgx-report", "/healthz", "/metrics"} {
		if doc.Paths.Find(p) == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	r := start(t, nil)
	c := r.client(nil)
	status, body := get(t, c, r.URL+"/healthz")
	var h struct {
		Status     string
		Generation int64
	}
	if status != 200 || json.Unmarshal([]byte(body), &h) != nil || h.Status != "ok" || h.Generation == 0 {
		t.Fatalf("healthz: %d %s", status, body)
	}
	get(t, c, r.URL+"/cds-services")
	status, body = get(t, c, r.URL+"/metrics")
	for _, want := range []string{"varamu_http_requests_total{route=\"GET /cds-services\",status=\"200\"} 1", "varamu_store_generation", "varamu_http_request_seconds_bucket"} {
		if status != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestNewGenerationServedWithoutRestart commits a new store generation
// while requests run: every request is answered (from one generation or
// the other, never an error) and the new one is served within the poll
// interval.
func TestNewGenerationServedWithoutRestart(t *testing.T) {
	r := start(t, nil)
	b := fixture(t)
	c := r.as(t, "professional")
	patient := r.People["patient"].Isikukood
	before := r.Srv.Snapshot().Generation
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := c.Get(r.URL + "/fhir/$find-subject-haplotypes?subject=" + patient + "&genes=CYP2C19")
				if err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					mu.Lock()
					failures = append(failures, resp.Status)
					mu.Unlock()
				}
			}
		}()
	}
	st, err := store.Open(b.dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := st.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	committed := time.Now()
	if err := tx.Commit("test: new generation", nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.Srv.Snapshot().Generation == before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	served := time.Since(committed)
	close(stop)
	wg.Wait()
	if g := r.Srv.Snapshot().Generation; g != before+1 {
		t.Fatalf("generation %d served, want %d", g, before+1)
	}
	if len(failures) > 0 {
		t.Errorf("%d requests failed during the switch, first: %s", len(failures), failures[0])
	}
	t.Logf("new generation served %v after its commit", served.Round(time.Millisecond))
	_, body := get(t, r.client(nil), r.URL+"/healthz")
	if !strings.Contains(body, `"generation":`) {
		t.Errorf("healthz: %s", body)
	}
}

// TestDrainOnShutdown: when the serving context ends (SIGTERM in varamu
// serve), an in-flight request finishes and new connections are refused.
func TestDrainOnShutdown(t *testing.T) {
	b := fixture(t)
	r := start(t, nil)
	_ = b
	// A second server over the same configuration with a slow endpoint.
	var slow = make(chan struct{})
	cfg := serverConfig(t, r)
	s, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.Handle("GET /slow", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(slow)
		time.Sleep(300 * time.Millisecond)
		w.Write([]byte("done"))
	}), server.PathDoc{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, 5*time.Second) }()
	url := "https://" + ln.Addr().String()
	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := r.client(nil).Get(url + "/slow")
		if err != nil {
			res <- result{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		res <- result{status: resp.StatusCode, body: string(b)}
	}()
	<-slow
	cancel()
	got := <-res
	if got.err != nil || got.status != 200 || got.body != "done" {
		t.Errorf("in-flight request not drained: %+v", got)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := r.client(nil).Get(url + "/healthz"); err == nil {
		t.Error("a new request was served after shutdown")
	}
}

// TestSlowClientCutOff: a client that never finishes its headers, or its
// body, is cut off at the configured timeouts.
func TestSlowClientCutOff(t *testing.T) {
	r := start(t, func(c *server.Config) {
		c.ReadHeaderTimeout = 300 * time.Millisecond
		c.ReadTimeout = 600 * time.Millisecond
	})
	for name, partial := range map[string]string{
		"headers": "GET /healthz HTTP/1.1\r\nHost: x\r\n",
		"body":    "POST /cds-services/varamu-pgx-order-sign HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"hook\":",
	} {
		t.Run(name, func(t *testing.T) {
			conn := r.dialAs(t, "professional")
			conn.Write([]byte(partial))
			start := time.Now()
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			b, err := io.ReadAll(conn)
			if time.Since(start) > 4*time.Second {
				t.Fatalf("connection still open after %v (%v)", time.Since(start), err)
			}
			if strings.Contains(string(b), "200 OK") {
				t.Errorf("slow request answered: %s", b)
			}
		})
	}
}

// TestSpareConnectionWaitsLikeIdle: a connection whose client completed the
// TLS handshake ahead of need (Go's HTTP client pools a spare connection
// whenever it dialled one it then did not need) waits for its first
// request as long as a kept-alive connection waits for its next one, not
// only the header timeout: at 1,000 clients net/http closed such
// connections at the 5 s header timeout while the client was writing a
// request on them, which it saw as EOF. The header timeout still counts
// from the request's first bytes, and a connection that never sends is
// closed at the idle timeout.
func TestSpareConnectionWaitsLikeIdle(t *testing.T) {
	r := start(t, func(c *server.Config) {
		c.ReadHeaderTimeout = 200 * time.Millisecond
		c.IdleTimeout = 1500 * time.Millisecond
	})
	t.Run("request after the header timeout", func(t *testing.T) {
		conn := r.dialAs(t, "professional")
		time.Sleep(600 * time.Millisecond) // three header timeouts
		if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("a request on a spare connection: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("status %d", resp.StatusCode)
		}
	})
	t.Run("never a request", func(t *testing.T) {
		conn := r.dialAs(t, "professional")
		start := time.Now()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := io.ReadAll(conn)
		if d := time.Since(start); d < time.Second || d > 4*time.Second {
			t.Errorf("a connection without a request closed after %v (%v), want the idle timeout", d, err)
		}
	})
}

// TestDrainDoesNotWaitForFreshConnections: a connection that finished its
// TLS handshake but never sent a request (a client's spare pooled
// connection) has nothing in flight; the drain must not wait for it until
// its deadline (net/http alone would wait 5 s, the whole drain here).
func TestDrainDoesNotWaitForFreshConnections(t *testing.T) {
	fixture(t)
	r := start(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(context.Background(), serverConfig(t, r))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln, 2*time.Second) }()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{RootCAs: r.Pool, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Handshake(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // the server has seen the connection
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("drain with a fresh connection open: %v", err)
	}
}
