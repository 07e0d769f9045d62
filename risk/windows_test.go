package risk

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/risk/pgs"
)

// chunkedSource is a memSource whose store's chunks start every step
// positions from 1 (written "1", as a store may name chr1).
type chunkedSource struct {
	memSource
	step, n int
}

func (c chunkedSource) chunkStarts(context.Context) ([]genome.Locus, error) {
	var out []genome.Locus
	for p := 1; p <= c.n; p += c.step {
		out = append(out, genome.Locus{Chrom: "1", Pos: int64(p)})
	}
	return out, nil
}

// TestWindowsCutAtChunkStarts: with a source that tells its chunks,
// windows end where a chunk starts once they hold half the budget's loci
// (each chunk is read once), never exceed the budget's, cover every locus
// once in order, and score as one window does.
func TestWindowsCutAtChunkStarts(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const samples, positions = 300, 1000
	recs := randomRecords(rng, positions, samples)
	s := &pgs.Score{Path: "s.txt", SHA256: strings.Repeat("0", 64), Header: pgs.Header{ID: "S"}}
	for p := 1; p <= positions; p++ {
		s.Variants.Append(pgs.Variant{Chrom: "chr1", Pos: int64(p), EffectAllele: "G", OtherAllele: "A", Weight: rng.NormFloat64(), EffectFreq: math.NaN()})
	}
	names := make([]string, samples)
	for i := range names {
		names[i] = fmt.Sprint("S", i)
	}
	c := &cohort{names: names, scored: samples, ref: make([]bool, samples)}
	for i := range c.ref {
		c.ref[i] = true
	}
	perLocus := int64(samples/2 + 64)
	for _, step := range []int{100, 70, 400} {
		cfg := Config{MemoryBudget: lanes * perLocus * 150} // 150 loci a window at most
		cfg.defaults()
		r := newResult(s, "GRCh38", c)
		sc := newScorer([]*ScoreResult{r}, c, &cfg)
		src := chunkedSource{recs, step, positions}
		ws, err := sc.windowsOf(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		next := 0
		for _, w := range ws {
			if w.from != next || w.to <= w.from || w.to-w.from > 150 {
				t.Fatalf("step %d: windows %v", step, ws)
			}
			// A window ends at a chunk start (locus i is position i+1)
			// unless it is full or the last.
			if w.to != positions && w.to-w.from != 150 && w.to%step != 0 {
				t.Fatalf("step %d: window %v ends inside a chunk", step, w)
			}
			next = w.to
		}
		if next != positions {
			t.Fatalf("step %d: windows end at %d of %d loci", step, next, positions)
		}
		if step == 100 && len(ws) != 10 {
			t.Fatalf("step 100: %d windows, want 10 of one chunk each: %v", len(ws), ws)
		}
		if err := sc.run(context.Background(), src); err != nil {
			t.Fatal(err)
		}
		want := denseSums(recs, r, false)
		for i, got := range r.Samples {
			if math.Abs(got.Sum-want[i].Sum) > 1e-9*max(1, math.Abs(want[i].Sum)) {
				t.Fatalf("step %d sample %d: sum %v, want %v", step, i, got.Sum, want[i].Sum)
			}
		}
	}
}
