package server_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/store"
)

// TestPGxHeapPerPatient: the annotation results the server holds cost at
// most a bounded heap per annotated person. A row's strings share the
// memory of the column chunk they were read from, so keeping one string of
// a row kept the whole chunk: in this 400-person fixture ~59 KB of heap per
// person (at 20,000 people 280 MB of the server's 345 MB heap were column
// chunks); with the kept strings copied ~2.7 KB, most of it the tables of
// distinct results, which grow slower than the people.
func TestPGxHeapPerPatient(t *testing.T) {
	b := fixture(t)
	ctx := context.Background()
	st, err := store.Open(b.dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	before := heapInUse()
	p, err := server.LoadPGx(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	held := heapInUse() - before
	n := len(p.People())
	runtime.KeepAlive(p)
	if n < 100 {
		t.Fatalf("only %d annotated people in the fixture", n)
	}
	perPerson := held / int64(n)
	t.Logf("%d annotated people, %d bytes of heap each", n, perPerson)
	if perPerson > 8000 {
		t.Errorf("the annotation results hold %d bytes of heap per annotated person, want at most 8000", perPerson)
	}
}

// heapInUse is the live heap after a full collection.
func heapInUse() int64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
