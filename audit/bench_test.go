package audit

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// appendCase is one BenchmarkAppend workload: writers goroutines, each
// appending per entries and keeping at most depth of them outstanding
// (depth 1: one access decision waits for its entry, as Decide does).
type appendCase struct {
	name                string
	writers, depth, per int
}

var appendCases = []appendCase{
	{"decision/writers=1", 1, 1, 200},
	{"decision/writers=64", 64, 1, 100},
	{"pipelined/writers=1", 1, 8192, 40000},
	{"pipelined/writers=64", 64, 512, 1000},
}

// BenchmarkAppend measures appends per second and the latency from
// submitting an entry to its being durable (what logging adds to one
// access decision: p50, p99), for one and 64 writers, each waiting for
// every entry (decision) or keeping many outstanding (pipelined); in-tree/s
// counts until every entry is also integrated into the tree and covered
// by a published checkpoint (Flush). Each
// iteration appends the case's fixed number of entries to a new log; run
// it with -benchtime 1x (bench/audit.sh). The log's Config comes from
// $VARAMU_BENCH_BATCH_AGE and $VARAMU_BENCH_CHECKPOINT_INTERVAL (Go
// durations; empty means the default) for A/B runs, and
// $VARAMU_BENCH_DIRECT=1 hands entries to tessera's queue directly, as
// before the journal (the A of bench/audit.sh).
func BenchmarkAppend(b *testing.B) {
	opt := benchConfig(b)
	for _, c := range appendCases {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				benchAppend(b, opt, c)
			}
		})
	}
}

func benchConfig(b *testing.B) Config {
	var opt Config
	for env, d := range map[string]*time.Duration{"VARAMU_BENCH_BATCH_AGE": &opt.BatchMaxAge, "VARAMU_BENCH_CHECKPOINT_INTERVAL": &opt.CheckpointInterval} {
		if s := os.Getenv(env); s != "" {
			v, err := time.ParseDuration(s)
			if err != nil {
				b.Fatalf("%s: %v", env, err)
			}
			*d = v
		}
	}
	opt.direct = os.Getenv("VARAMU_BENCH_DIRECT") != ""
	return opt
}

func benchAppend(b *testing.B, opt Config, c appendCase) {
	dir := filepath.Join(b.TempDir(), "store")
	l, err := OpenWith(dir, opt)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	var mu sync.Mutex
	var lat []time.Duration
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range c.writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine, err := appendPipelined(l, "bench-"+strconv.Itoa(w), c.per, c.depth)
			if err != nil {
				b.Error(err)
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	if err := l.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	inTree := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/el.Seconds(), "entries/s")
	b.ReportMetric(float64(len(lat))/inTree.Seconds(), "in-tree/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// appendPipelined appends n entries as actor, keeping at most depth
// outstanding, and returns each entry's submit-to-durable latency.
func appendPipelined(l *Log, actor string, n, depth int) ([]time.Duration, error) {
	ctx := context.Background()
	type sent struct {
		p  Pending
		t0 time.Time
	}
	lat := make([]time.Duration, 0, n)
	queue := make([]sent, 0, depth)
	wait := func() error {
		if _, err := queue[0].p.Wait(); err != nil {
			return err
		}
		lat = append(lat, time.Since(queue[0].t0))
		queue = queue[1:]
		return nil
	}
	for i := range n {
		if len(queue) == depth {
			if err := wait(); err != nil {
				return nil, err
			}
		}
		t0 := time.Now()
		p, err := l.Submit(ctx, entry(people[i%2], actor, true, i%60))
		if err != nil {
			return nil, err
		}
		queue = append(queue, sent{p, t0})
	}
	for len(queue) > 0 {
		if err := wait(); err != nil {
			return nil, err
		}
	}
	return lat, nil
}

// BenchmarkLeaf is the CPU an entry costs before tessera sees it: the
// person's HMAC commitment and the leaf's JSON.
func BenchmarkLeaf(b *testing.B) {
	keys, err := loadOrCreateKeys(filepath.Join(b.TempDir(), "keys"), "bench")
	if err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		e := entry(people[i%2], "doc", true, i%60)
		e.Subject = keys.Commit(e.Person)
		if _, err := keys.leaf(e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDisk is the raw durability cost on the disk under the log:
// fsync after appending 4 KiB to a file, and one file replaced the way
// tessera's POSIX storage replaces each entry bundle, hash tile and tree
// state (a temporary file written with O_SYNC, renamed into place, its
// directory fsynced). A batch replaces 3 to 5 such files.
func BenchmarkDisk(b *testing.B) {
	buf := make([]byte, 4096)
	b.Run("fsync", func(b *testing.B) {
		f, err := os.Create(filepath.Join(b.TempDir(), "f"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		for range b.N {
			if _, err := f.Write(buf); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("replace-file", func(b *testing.B) {
		dir := b.TempDir()
		for i := range b.N {
			if err := replaceSynced(dir, i, buf); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// replaceSynced replaces dir/file as tessera's POSIX storage does.
func replaceSynced(dir string, i int, buf []byte) error {
	tmp := filepath.Join(dir, "file.tmp"+strconv.Itoa(i))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_SYNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(buf); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, "file")); err != nil {
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
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
		rep, err := VerifyLog(ctx, dir, VerifyConfig{})
		if err != nil {
			b.Fatal(err)
		}
		if rep.Entries != uint64(n) {
			b.Fatalf("%d entries", rep.Entries)
		}
	}
	b.ReportMetric(float64(n), "entries")
}
