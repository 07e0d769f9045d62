package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// BenchmarkAppend appends one entry per Append (one access decision) from
// 1 and from 64 goroutines, reporting entries/s and the latency of an
// Append (the time logging adds to a decision): p50 and p99.
func BenchmarkAppend(b *testing.B) {
	for _, writers := range []int{1, 64} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "store")
			l, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			ctx := context.Background()
			var mu sync.Mutex
			var lat []time.Duration
			var wg sync.WaitGroup
			per := (b.N + writers - 1) / writers
			b.ResetTimer()
			start := time.Now()
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					mine := make([]time.Duration, 0, per)
					for i := range per {
						t0 := time.Now()
						if _, err := l.Append(ctx, entry(people[i%2], "bench-"+strconv.Itoa(w), true, i%60)); err != nil {
							b.Error(err)
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
			el := time.Since(start)
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(len(lat))/el.Seconds(), "entries/s")
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkVerify verifies a log of $VARAMU_BENCH_ENTRIES entries (default
// 100000; bench/audit.sh uses 1,000,000), built once in batches.
func BenchmarkVerify(b *testing.B) {
	n := 100000
	if s := os.Getenv("VARAMU_BENCH_ENTRIES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	dir := filepath.Join(b.TempDir(), "store")
	l, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	t0 := time.Now()
	for i := 0; i < n; i += 4096 {
		batch := make([]*Entry, 0, 4096)
		for j := i; j < min(n, i+4096); j++ {
			batch = append(batch, entry(people[j%2], "doc-"+strconv.Itoa(j%97), j%3 != 0, j%60))
		}
		if _, err := l.Append(ctx, batch...); err != nil {
			b.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d entries in %s (%.0f entries/s in batches of 4096)", n, time.Since(t0).Round(time.Millisecond), float64(n)/time.Since(t0).Seconds())
	b.ResetTimer()
	for range b.N {
		rep, err := VerifyLog(ctx, dir, VerifyOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Entries != uint64(n) {
			b.Fatalf("%d entries", rep.Entries)
		}
	}
	b.ReportMetric(float64(n), "entries")
}
