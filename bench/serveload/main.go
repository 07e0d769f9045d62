// Command serveload is the load test of `varamu serve` (issue 10): CDS Hooks
// order-sign requests for random annotated patients of a store, from N
// concurrent clients (vegeta as a library; by default at maximum effort:
// each client sends its next request when the previous one is answered, so
// the latency is the clients over the throughput; -rate offers a fixed
// number of requests per second among them instead), over TLS with
// the dev-ca professional's client certificate. It prints requests, errors,
// p50, p99 and max per run, then the time from a store commit to the new
// generation being served (/healthz).
//
// Usage: serveload -store DIR -ca DIR -url https://127.0.0.1:8443 [-clients 200,1000] [-duration 30s] [-rate 1000]
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/store"
)

func main() {
	storeDir := flag.String("store", "", "annotated store the server serves")
	caDir := flag.String("ca", "", "varamu dev-ca output directory")
	url := flag.String("url", "https://127.0.0.1:8443", "server URL")
	clients := flag.String("clients", "200,1000", "concurrent clients per run, comma-separated")
	dur := flag.Duration("duration", 30*time.Second, "length of each run")
	rate := flag.Int("rate", 0, "requests per second offered by all clients together (0: as fast as they are answered)")
	flag.Parse()
	if err := run(*storeDir, *caDir, *url, *clients, *dur, *rate); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

func run(storeDir, caDir, url, clients string, dur time.Duration, rate int) error {
	ctx := context.Background()
	st, err := store.Open(storeDir, store.Config{})
	if err != nil {
		return err
	}
	pgx, err := server.LoadPGx(ctx, st)
	if err != nil {
		return err
	}
	people, err := allowed(ctx, st, pgx.People())
	if err != nil {
		return err
	}
	if len(people) == 0 {
		return fmt.Errorf("%s: no annotated people with return-of-results consent", storeDir)
	}
	fmt.Printf("%d annotated patients whose results a professional may see (return-of-results consent, record open)\n", len(people))
	tlsCfg, err := clientTLS(caDir)
	if err != nil {
		return err
	}
	for _, c := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil {
			return err
		}
		m := attack(url, tlsCfg, people, n, dur, rate)
		offered := "as fast as answered"
		if rate > 0 {
			offered = fmt.Sprintf("%d/s offered", rate)
		}
		fmt.Printf("order-sign, %d clients, %s, %v: %d requests (%.0f/s), %d errors %v, p50 %v, p99 %v, max %v\n",
			n, offered, dur, m.Requests, m.Throughput, errorsOf(m), m.StatusCodes, m.Latencies.P50.Round(time.Microsecond*10),
			m.Latencies.P99.Round(time.Microsecond*10), m.Latencies.Max.Round(time.Microsecond*10))
		for _, e := range m.Errors {
			fmt.Printf("  error: %s\n", e)
		}
	}
	d, err := reload(ctx, st, url, tlsCfg)
	if err != nil {
		return err
	}
	fmt.Printf("commit to served: %v\n", d.Round(time.Millisecond))
	return nil
}

// allowed keeps the people whose results a treating professional may see
// now, by the consent state access decides on (a parent's consent lapses
// when the child comes of age), so that every request of the load test is
// a success by design.
func allowed(ctx context.Context, st *store.Store, people []string) ([]string, error) {
	dir, err := access.LoadDirectory(ctx, st)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, p := range people {
		h, err := dir.Consent(ctx, p)
		if err != nil {
			return nil, err
		}
		if h == nil {
			continue
		}
		s := h.StateAt(time.Now())
		if s.ReturnOfResults && !s.RecordClosed && !s.Withdrawn {
			out = append(out, p)
		}
	}
	return out, nil
}

func errorsOf(m *vegeta.Metrics) uint64 {
	var n uint64
	for code, c := range m.StatusCodes {
		if code != "200" {
			n += uint64(c)
		}
	}
	return n
}

func clientTLS(dir string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "professional.pem"), filepath.Join(dir, "professional.key"))
	if err != nil {
		return nil, err
	}
	pem, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS13}, nil
}

var drugs = []string{"clopidogrel", "simvastatin", "codeine", "warfarin", "omeprazole", "sertraline"}

func attack(url string, cfg *tls.Config, people []string, clients int, dur time.Duration, rate int) *vegeta.Metrics {
	hdr := http.Header{"Content-Type": []string{"application/json"}}
	targeter := func(t *vegeta.Target) error {
		p := people[rand.IntN(len(people))]
		d := drugs[rand.IntN(len(drugs))]
		body, _ := json.Marshal(map[string]any{"hook": "order-sign", "hookInstance": strconv.FormatUint(rand.Uint64(), 16),
			"context": map[string]any{"userId": "Practitioner/load", "patientId": p, "draftOrders": map[string]any{"resourceType": "Bundle",
				"entry": []any{map[string]any{"resource": map[string]any{"resourceType": "MedicationRequest", "id": "mr", "medicationCodeableConcept": map[string]any{"text": d}}}}}}})
		*t = vegeta.Target{Method: "POST", URL: url + "/cds-services/varamu-pgx-order-sign", Body: body, Header: hdr}
		return nil
	}
	a := vegeta.NewAttacker(vegeta.TLSConfig(cfg), vegeta.Workers(uint64(clients)), vegeta.MaxWorkers(uint64(clients)),
		vegeta.Connections(clients), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second))
	var m vegeta.Metrics
	for res := range a.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, dur, fmt.Sprintf("%d clients", clients)) {
		m.Add(res)
	}
	m.Close()
	return &m
}

// reload commits an empty store transaction and times until /healthz
// reports the new generation.
func reload(ctx context.Context, st *store.Store, url string, cfg *tls.Config) (time.Duration, error) {
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	gen := func() (int64, error) {
		resp, err := c.Get(url + "/healthz")
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		var h struct{ Generation int64 }
		b, _ := io.ReadAll(resp.Body)
		return h.Generation, json.Unmarshal(b, &h)
	}
	before, err := gen()
	if err != nil {
		return 0, err
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return 0, err
	}
	t0 := time.Now()
	if err := tx.Commit("bench: new generation", nil); err != nil {
		return 0, err
	}
	for time.Since(t0) < 10*time.Minute {
		g, err := gen()
		if err != nil {
			return 0, err
		}
		if g > before {
			return time.Since(t0), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, fmt.Errorf("new generation not served within 10 minutes")
}
