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
// Each client holds one connection (the transport's connections per host
// are capped at the clients: without the cap Go's HTTP client dials a
// spare connection whenever a request finds none idle and closes it when
// its pool is full, which at 1,000 clients made ~200 TLS handshakes a
// second on both sides). With -server-pid it prints the server's and its
// own CPU time per request. Each run also prints the audit journal's
// fdatasyncs during it (their number, mean and how many were slow), read
// from the server's /metrics.
//
// Usage: serveload -store DIR -ca DIR -url https://127.0.0.1:8443 [-clients 200,1000] [-duration 30s] [-rate 1000] [-server-pid PID] [-reload=false]
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
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
	serverPID := flag.Int("server-pid", 0, "the server's process id, to split the CPU time between it and this generator (0: not split)")
	commit := flag.Bool("reload", true, "after the runs, time an empty store commit until the server serves it")
	peopleFile := flag.String("people", "", "file of the patients to ask for, one a line: read when it exists, else found in the store and written (several runs on one store need not find them again)")
	flag.Parse()
	if err := run(*storeDir, *caDir, *url, *clients, *dur, *rate, *serverPID, *commit, *peopleFile); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

func run(storeDir, caDir, url, clients string, dur time.Duration, rate, serverPID int, commit bool, peopleFile string) error {
	ctx := context.Background()
	st, err := store.Open(storeDir, store.Config{})
	if err != nil {
		return err
	}
	people, err := patients(ctx, st, peopleFile)
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
		before, err := readCPU(serverPID)
		if err != nil {
			return err
		}
		load0 := loadAvg()
		syncs0, err := readSyncs(url, tlsCfg)
		if err != nil {
			return err
		}
		m, kinds := attack(url, tlsCfg, people, n, dur, rate)
		after, err := readCPU(serverPID)
		if err != nil {
			return err
		}
		syncs, err := readSyncs(url, tlsCfg)
		if err != nil {
			return err
		}
		offered := "as fast as answered"
		if rate > 0 {
			offered = fmt.Sprintf("%d/s offered", rate)
		}
		fmt.Printf("order-sign, %d clients, %s, %v: %d requests (%.0f/s), %d errors %v, p50 %v, p99 %v, max %v\n",
			n, offered, dur, m.Requests, m.Throughput, errorsOf(m), m.StatusCodes, m.Latencies.P50.Round(time.Microsecond*10),
			m.Latencies.P99.Round(time.Microsecond*10), m.Latencies.Max.Round(time.Microsecond*10))
		printErrors(kinds)
		fmt.Printf("  %s; load average %s before, %s after\n", after.sub(before).perRequest(m.Requests), load0, loadAvg())
		fmt.Printf("  %s\n", syncs.since(syncs0))
	}
	if !commit {
		return nil
	}
	d, err := reload(ctx, st, url, tlsCfg)
	if err != nil {
		return err
	}
	fmt.Printf("commit to served: %v\n", d.Round(time.Millisecond))
	return nil
}

// patients are the people to ask for: those of file when it exists, else
// the annotated people a professional may see now (written to file when
// one is named).
func patients(ctx context.Context, st *store.Store, file string) ([]string, error) {
	if file != "" {
		if b, err := os.ReadFile(file); err == nil {
			return strings.Fields(string(b)), nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	pgx, err := server.LoadPGx(ctx, st)
	if err != nil {
		return nil, err
	}
	people, err := allowed(ctx, st, pgx.People())
	if err != nil || file == "" {
		return people, err
	}
	return people, os.WriteFile(file, []byte(strings.Join(people, "\n")+"\n"), 0o644)
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

// printErrors prints the errors by kind, most frequent first.
func printErrors(kinds map[string]int) {
	keys := make([]string, 0, len(kinds))
	for k := range kinds {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return kinds[keys[i]] > kinds[keys[j]] || kinds[keys[i]] == kinds[keys[j]] && keys[i] < keys[j]
	})
	for _, k := range keys {
		fmt.Printf("  error ×%d: %s\n", kinds[k], k)
	}
}

// errorKind is an error's text without the addresses and ports that make
// each occurrence unique.
func errorKind(e string) string { return addrRe.ReplaceAllString(e, "ADDR") }

var addrRe = regexp.MustCompile(`\d+\.\d+\.\d+\.\d+:\d+`)

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

func attack(url string, cfg *tls.Config, people []string, clients int, dur time.Duration, rate int) (*vegeta.Metrics, map[string]int) {
	targeter := orderSignTargeter(url, people)
	// MaxBody(0): the response is read to its end (the connection is
	// reused) but not kept; only the status is checked.
	a := vegeta.NewAttacker(vegeta.TLSConfig(cfg), vegeta.Workers(uint64(clients)), vegeta.MaxWorkers(uint64(clients)),
		vegeta.Connections(clients), vegeta.MaxConnections(clients), vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second),
		vegeta.MaxBody(0))
	var m vegeta.Metrics
	kinds := map[string]int{}
	for res := range a.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, dur, fmt.Sprintf("%d clients", clients)) {
		m.Add(res)
		if res.Error != "" {
			kinds[errorKind(res.Error)]++
		} else if res.Code != http.StatusOK {
			kinds[fmt.Sprintf("status %d", res.Code)]++
		}
	}
	m.Close()
	return &m, kinds
}

// orderSignTargeter returns a targeter of order-sign requests for random
// people and drugs. A body is the same JSON a json.Marshal of the request
// gives, appended from pieces quoted once (marshalling a map per request
// cost the generator as much CPU as the TLS).
func orderSignTargeter(url string, people []string) vegeta.Targeter {
	hdr := http.Header{"Content-Type": []string{"application/json"}}
	url += "/cds-services/varamu-pgx-order-sign"
	quoted := make([][]byte, len(people))
	for i, p := range people {
		quoted[i], _ = json.Marshal(p)
	}
	var drugJSON [][]byte
	for _, d := range drugs {
		q, _ := json.Marshal(d)
		drugJSON = append(drugJSON, q)
	}
	return func(t *vegeta.Target) error {
		b := make([]byte, 0, 320)
		b = append(b, `{"context":{"draftOrders":{"entry":[{"resource":{"id":"mr","medicationCodeableConcept":{"text":`...)
		b = append(b, drugJSON[rand.IntN(len(drugJSON))]...)
		b = append(b, `},"resourceType":"MedicationRequest"}}],"resourceType":"Bundle"},"patientId":`...)
		b = append(b, quoted[rand.IntN(len(quoted))]...)
		b = append(b, `,"userId":"Practitioner/load"},"hook":"order-sign","hookInstance":"`...)
		b = strconv.AppendUint(b, rand.Uint64(), 16)
		b = append(b, `"}`...)
		*t = vegeta.Target{Method: "POST", URL: url, Body: b, Header: hdr}
		return nil
	}
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
