package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/store"
)

// allowedPeople are the annotated people of the fixture whose results a
// treating professional may see now, by the consent state access decides
// on (a parent's consent lapses when the child comes of age).
func allowedPeople(tb testing.TB, dir string) []string {
	tb.Helper()
	ctx := context.Background()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		tb.Fatal(err)
	}
	pgx, err := server.LoadPGx(ctx, st)
	if err != nil {
		tb.Fatal(err)
	}
	directory, err := access.LoadDirectory(ctx, st)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, p := range pgx.People() {
		h, err := directory.Consent(ctx, p)
		if err != nil {
			tb.Fatal(err)
		}
		if h == nil {
			continue
		}
		if s := h.StateAt(time.Now()); s.ReturnOfResults && !s.RecordClosed && !s.Withdrawn {
			out = append(out, p)
		}
	}
	return out
}

// BenchmarkOrderSign is the load test's request (order-sign for a random
// allowed patient, one draft order) over real TLS with keep-alive client
// connections, from 1 and from 100 concurrent clients: profile the serving
// path with -cpuprofile. It reports the p50, p99 and max latency.
func BenchmarkOrderSign(b *testing.B) {
	r := start(b, nil)
	// Not the professional themself: treating oneself is refused.
	people := slices.DeleteFunc(allowedPeople(b, fixture(b).dir), func(p string) bool { return p == r.People["professional"].Isikukood })
	for _, clients := range []int{1, 100} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			c := r.as(b, "professional")
			c.Transport.(*http.Transport).MaxIdleConnsPerHost = clients
			before := auditMetrics(b, c, r.URL)
			lat := orderSignLoad(b, c, r.URL, people, clients)
			after := auditMetrics(b, c, r.URL)
			if n := after[1] - before[1]; n > 0 {
				b.ReportMetric((after[0]-before[0])/n*1000, "append-ms")
				b.ReportMetric((after[3]-before[3])/(after[2]-before[2]), "reqs/append")
			}
			slices.Sort(lat)
			if n := len(lat); n > 0 {
				b.ReportMetric(float64(lat[n/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lat[n*99/100].Microseconds())/1000, "p99-ms")
				b.ReportMetric(float64(lat[n-1].Microseconds())/1000, "max-ms")
			}
		})
	}
}

// orderSignLoad sends b.N order-sign requests from clients goroutines and
// returns their latencies.
func orderSignLoad(b *testing.B, c *http.Client, url string, people []string, clients int) []time.Duration {
	drugs := []string{"clopidogrel", "simvastatin", "codeine", "warfarin", "omeprazole", "sertraline"}
	var mu sync.Mutex
	var lat []time.Duration
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for next.Add(1) <= int64(b.N) {
				person := people[rand.IntN(len(people))]
				body := orderSign(person, "", "", drugs[rand.IntN(len(drugs))])
				t0 := time.Now()
				resp, err := c.Post(url+"/cds-services/varamu-pgx-order-sign", "application/json", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("%s: status %d", person, resp.StatusCode)
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	b.StopTimer()
	return lat
}

// auditMetrics scrapes /metrics: the sum and count of the audit append
// time and of the requests per append.
func auditMetrics(b *testing.B, c *http.Client, url string) [4]float64 {
	resp, err := c.Get(url + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var out [4]float64
	for _, line := range strings.Split(string(body), "\n") {
		for i, name := range []string{"varamu_audit_append_seconds_sum ", "varamu_audit_append_seconds_count ", "varamu_audit_batch_requests_count ", "varamu_audit_batch_requests_sum "} {
			if v, ok := strings.CutPrefix(line, name); ok {
				out[i], _ = strconv.ParseFloat(v, 64)
			}
		}
	}
	return out
}
