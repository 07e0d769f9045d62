package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// gcHeadroom is the least allocation the collector lets pass between two
// collections while serving: each collection marks the whole live heap
// (mostly the loaded store), so its CPU per request is the bytes a request
// allocates times the live heap over the headroom. With a fixed GOGC a
// smaller live heap is collected proportionally more often and saves
// nothing; a headroom of its own keeps collections rare whatever the heap.
//
// 4 GiB, measured at 200,000 people (one run each; live heap ~480 MB, 200 closed-loop
// clients, 30 s each, quiet machine): with 2 GiB a collection came every
// ~7.5 s and p99 was 50.4 ms; with GOGC 850 (about 4 GiB) one came every
// ~14 s and p99 was 46.3 ms, for an RSS of ~4.7 GB instead of ~2.8 GB.
// Each collection's ~400 ms of marking is where the slowest requests
// gather.
const gcHeadroom = 4 << 30

// servingGC is GOGC while serving when gcHeadroom asks for no more.
const servingGC = 200

// gcPercentFor returns the GOGC that gives live bytes of live heap at
// least gcHeadroom of headroom, and never less than servingGC (at most
// 2,000: a tiny heap needs no more).
func gcPercentFor(live uint64) int {
	if live == 0 {
		return servingGC
	}
	pct := int(min(100*uint64(gcHeadroom)/live, 2000))
	return max(pct, servingGC)
}

// keepGCHeadroom sets GOGC by gcPercentFor from the live heap every 5 s
// until ctx ends, unless $GOGC sets it. The live heap changes with store
// generations; a change under 10% is left alone.
func keepGCHeadroom(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	cur := servingGC
	set := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if pct := gcPercentFor(sample[0].Value.Uint64()); pct*10 < cur*9 || pct*10 > cur*11 {
			debug.SetGCPercent(pct)
			cur = pct
		}
	}
	set()
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			set()
		}
	}
}
