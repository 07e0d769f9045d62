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
// The generator's HTTP client (-transport) is by default "direct": HTTP/1.1
// over at most one kept-alive TLS connection per client, each request
// written with Request.Write and read with http.ReadResponse on the
// connection it took, with no reader and writer goroutines per connection
// (net/http's Transport, -transport std, hands every request between three
// goroutines: ~50 µs of the generator's CPU per request of ~165). TLS
// sessions are cached and resumed across connections and runs, and the
// protocol is checked (no ALPN offer of h2): each run prints the
// connections made, resumed and their protocol. vegeta is the library
// either way: it paces the clients, makes the requests from the targeter
// and keeps the metrics. With -server-pid it prints the server's and its
// own CPU time per request. Each run also prints the audit journal's
// fdatasyncs during it (their number, mean and how many were slow), read
// from the server's /metrics, and how many requests took over 50 ms in
// each second of the run; -commit-at commits an empty generation during
// each run and reports the 5 s after it apart (a reload's stall).
//
// Usage: serveload -store DIR -ca DIR -url https://127.0.0.1:8443 [-clients 200,1000] [-duration 30s] [-rate 1000] [-server-pid PID] [-reload=false] [-commit-at 10s] [-transport direct|std|vegeta] [-cpuprofile FILE]
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
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/store"
)

// config is the command line.
type config struct {
	storeDir, caDir, url, clients, peopleFile, transport string
	dur, commitAt                                        time.Duration
	rate, serverPID                                      int
	reload                                               bool
}

func main() {
	var c config
	flag.StringVar(&c.storeDir, "store", "", "annotated store the server serves")
	flag.StringVar(&c.caDir, "ca", "", "varamu dev-ca output directory")
	flag.StringVar(&c.url, "url", "https://127.0.0.1:8443", "server URL")
	flag.StringVar(&c.clients, "clients", "200,1000", "concurrent clients per run, comma-separated")
	flag.DurationVar(&c.dur, "duration", 30*time.Second, "length of each run")
	flag.IntVar(&c.rate, "rate", 0, "requests per second offered by all clients together (0: as fast as they are answered)")
	flag.IntVar(&c.serverPID, "server-pid", 0, "the server's process id, to split the CPU time between it and this generator (0: not split)")
	flag.BoolVar(&c.reload, "reload", true, "after the runs, time an empty store commit until the server serves it")
	flag.DurationVar(&c.commitAt, "commit-at", 0, "commit an empty store generation this long into each run and report the requests of the 5 s after it apart (0: none)")
	flag.StringVar(&c.transport, "transport", "direct", "the generator's HTTP client: direct (one connection per request in flight, no transport goroutines), std (net/http's, pooled to the clients), vegeta (vegeta's own)")
	flag.StringVar(&c.peopleFile, "people", "", "file of the patients to ask for, one a line: read when it exists, else found in the store and written (several runs on one store need not find them again)")
	cpuProfile := flag.String("cpuprofile", "", "write the generator's CPU profile of the runs to this file")
	flag.Parse()
	if *cpuProfile != "" {
		stop, err := startProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "serveload:", err)
			os.Exit(1)
		}
		defer stop()
	}
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
}

// startProfile starts the CPU profile into file; the returned function
// stops it.
func startProfile(file string) (func(), error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

func run(c config) error {
	ctx := context.Background()
	st, err := store.Open(c.storeDir, store.Config{})
	if err != nil {
		return err
	}
	people, err := patients(ctx, st, c.peopleFile)
	if err != nil {
		return err
	}
	if len(people) == 0 {
		return fmt.Errorf("%s: no annotated people with return-of-results consent", c.storeDir)
	}
	fmt.Printf("%d annotated patients whose results a professional may see (return-of-results consent, record open)\n", len(people))
	tlsCfg, err := clientTLS(c.caDir)
	if err != nil {
		return err
	}
	var counts []int
	for _, f := range strings.Split(c.clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return err
		}
		counts = append(counts, n)
	}
	o := runOpts{transport: c.transport, tls: clientTLSFor(tlsCfg, slices.Max(counts)), stats: &connStats{}, commitAt: c.commitAt,
		commit: func() error { return commitEmpty(ctx, st) }}
	for _, n := range counts {
		if err := runOne(c, o, people, n, tlsCfg); err != nil {
			return err
		}
	}
	if !c.reload {
		return nil
	}
	d, err := reload(ctx, st, c.url, tlsCfg)
	if err != nil {
		return err
	}
	fmt.Printf("commit to served: %v\n", d.Round(time.Millisecond))
	return nil
}

// runOne makes one run of n clients and prints its figures.
func runOne(c config, o runOpts, people []string, n int, tlsCfg *tls.Config) error {
	before, err := readCPU(c.serverPID)
	if err != nil {
		return err
	}
	load0 := loadAvg()
	syncs0, err := readSyncs(c.url, tlsCfg)
	if err != nil {
		return err
	}
	res, err := attack(c.url, o, people, n, c.dur, c.rate)
	if err != nil {
		return err
	}
	after, err := readCPU(c.serverPID)
	if err != nil {
		return err
	}
	syncs, err := readSyncs(c.url, tlsCfg)
	if err != nil {
		return err
	}
	offered := "as fast as answered"
	if c.rate > 0 {
		offered = fmt.Sprintf("%d/s offered", c.rate)
	}
	m := &res.all
	fmt.Printf("order-sign, %d clients, %s, %v, %s transport: %d requests (%.0f/s), %d errors %v, %s\n",
		n, offered, c.dur, c.transport, m.Requests, m.Throughput, errorsOf(m), m.StatusCodes, latencies(m))
	printErrors(res.kinds)
	if res.committed.Load() != 0 {
		fmt.Printf("  in the 5 s after the commit at %v: %d requests, %s\n", c.commitAt, res.afterCommit.Requests, latencies(&res.afterCommit))
	}
	fmt.Printf("  requests over 50 ms by second of the run:%s\n", res.slowSeconds())
	fmt.Printf("  %s; load average %s before, %s after\n", after.sub(before).perRequest(m.Requests), load0, loadAvg())
	fmt.Printf("  %s; %s\n", syncs.since(syncs0), o.stats)
	return nil
}

// latencies says p50, p99 and max of m.
func latencies(m *vegeta.Metrics) string {
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	return fmt.Sprintf("p50 %v, p99 %v, max %v", r(m.Latencies.P50), r(m.Latencies.P99), r(m.Latencies.Max))
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

// runOpts are how a run is made.
type runOpts struct {
	transport string // vegeta (its own default client), std or direct
	tls       *tls.Config
	stats     *connStats
	// commitAt, when > 0, commits an empty store generation that long
	// into the run (commit), to see the requests around its reload.
	commitAt time.Duration
	commit   func() error
}

// runResult is a run's metrics: all requests, those sent in the 5 s
// after a commit (when one was made), and how many took over 50 ms in
// each second of the run.
type runResult struct {
	all, afterCommit vegeta.Metrics
	committed        atomic.Int64 // Unix nanoseconds of the commit's start (0: none yet)
	slowBySecond     []int
	kinds            map[string]int
}

// slowLatency is what the goal (p99 < 50 ms) calls slow.
const slowLatency = 50 * time.Millisecond

func attack(url string, o runOpts, people []string, clients int, dur time.Duration, rate int) (*runResult, error) {
	targeter := orderSignTargeter(url, people)
	// MaxBody(0): the response is read to its end (the connection is
	// reused) but not kept; only the status is checked.
	opts := []func(*vegeta.Attacker){vegeta.Workers(uint64(clients)), vegeta.MaxWorkers(uint64(clients)), vegeta.MaxBody(0)}
	switch o.transport {
	case "vegeta":
		opts = append(opts, vegeta.TLSConfig(o.tls), vegeta.Connections(clients), vegeta.MaxConnections(clients),
			vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second), vegeta.HTTP2(false))
	case "std":
		opts = append(opts, vegeta.Client(stdClient(o.tls, clients, o.stats)))
	case "direct":
		opts = append(opts, vegeta.Client(&http.Client{Transport: newDirectTransport(o.tls, clients, o.stats)}))
	default:
		return nil, fmt.Errorf("-transport %q: want vegeta, std or direct", o.transport)
	}
	a := vegeta.NewAttacker(opts...)
	res := &runResult{kinds: map[string]int{}, slowBySecond: make([]int, int(dur/time.Second)+2)}
	var commitErr error
	done := make(chan struct{})
	if o.commitAt > 0 {
		go func() {
			defer close(done)
			time.Sleep(o.commitAt)
			res.committed.Store(time.Now().UnixNano())
			commitErr = o.commit()
		}()
	} else {
		close(done)
	}
	began := time.Now()
	for r := range a.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, dur, fmt.Sprintf("%d clients", clients)) {
		res.add(r, began)
	}
	<-done
	res.all.Close()
	res.afterCommit.Close()
	return res, commitErr
}

// add counts one result.
func (res *runResult) add(r *vegeta.Result, began time.Time) {
	res.all.Add(r)
	if c := res.committed.Load(); c != 0 && r.Timestamp.UnixNano() >= c && r.Timestamp.UnixNano() < c+int64(5*time.Second) {
		res.afterCommit.Add(r)
	}
	if r.Latency > slowLatency {
		if sec := int(r.Timestamp.Sub(began) / time.Second); sec >= 0 && sec < len(res.slowBySecond) {
			res.slowBySecond[sec]++
		}
	}
	if r.Error != "" {
		res.kinds[errorKind(r.Error)]++
	} else if r.Code != http.StatusOK {
		res.kinds[fmt.Sprintf("status %d", r.Code)]++
	}
}

// slowSeconds lists the seconds of the run with requests over 50 ms, as
// "second:count".
func (res *runResult) slowSeconds() string {
	var b strings.Builder
	for sec, n := range res.slowBySecond {
		if n > 0 {
			fmt.Fprintf(&b, " %d:%d", sec, n)
		}
	}
	if b.Len() == 0 {
		return " none"
	}
	return b.String()
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

// commitEmpty commits a store transaction that changes nothing: a new
// generation for the server to load.
func commitEmpty(ctx context.Context, st *store.Store) error {
	tx, err := st.Begin(ctx)
	if err != nil {
		return err
	}
	return tx.Commit("bench: new generation", nil)
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
	t0 := time.Now()
	if err := commitEmpty(ctx, st); err != nil {
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
