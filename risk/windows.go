package risk

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/varamu/varamu/genome"
)

// chunkStarter is a siteSource that can tell where the store's chunks of
// calls begin (genotypes.Store.ChunkStarts): windows cut there decode each
// chunk's row groups once.
type chunkStarter interface {
	chunkStarts(ctx context.Context) ([]genome.Locus, error)
}

func (s storeSource) chunkStarts(ctx context.Context) ([]genome.Locus, error) {
	return s.gs.ChunkStarts(ctx)
}

// windowsOf splits the sorted loci into windows of at most maxLoci (the
// memory budget's, windows()), cutting, once a window holds half of that,
// at the first locus that begins a chunk of the store's calls. A window
// cut inside a chunk makes the chunk be read and decoded twice (at 20,000
// x 1,000,000 with 13,336-locus windows over 8,192-site chunks, 1.6 times
// on average). Sources that cannot tell their chunks get windows().
func (sc *scorer) windowsOf(ctx context.Context, src siteSource) ([]window, error) {
	cs, ok := src.(chunkStarter)
	if !ok || sc.nLoci() <= sc.maxLoci() {
		return sc.windows(), nil
	}
	c, err := newCutter(ctx, cs, sc.maxLoci())
	if err != nil {
		return nil, err
	}
	return c.cut(sc.nLoci(), sc.locus, true), nil
}

// cutter cuts the sorted loci into windows as windowsOf says, a part of
// the loci at a time: b is the first chunk start after the loci cut.
type cutter struct {
	maxLoci int
	starts  []locusKey // sorted
	b       int
}

// newCutter returns a cutter of windows of up to maxLoci at the chunk
// starts of cs.
func newCutter(ctx context.Context, cs chunkStarter, maxLoci int) (*cutter, error) {
	starts, err := cs.chunkStarts(ctx)
	if err != nil {
		return nil, err
	}
	keys := make([]locusKey, len(starts))
	for i, l := range starts {
		keys[i] = keyOfLocus(l)
	}
	slices.SortFunc(keys, comparePositions)
	return &cutter{maxLoci: maxLoci, starts: keys}, nil
}

// cut cuts loci 0 to n-1 (locus(i)) into windows. When final, the last
// window ends at n; else the loci after the last cut are left out (to be
// cut again, first, with the loci after them).
func (c *cutter) cut(n int, locus func(int) genome.Locus, final bool) []window {
	var out []window
	from, b, bCut := 0, c.b, c.b
	for i := range n {
		k := keyOfLocus(locus(i))
		crossed := false // a chunk starts after locus i-1, at or before i
		for b < len(c.starts) && comparePositions(c.starts[b], k) <= 0 {
			crossed = i > from
			b++
		}
		if m := i - from; m >= c.maxLoci || crossed && m >= c.maxLoci/2 {
			out = append(out, window{from, i})
			from, bCut = i, b
		}
	}
	if !final {
		c.b = bCut
		return out
	}
	c.b = b
	if from < n {
		out = append(out, window{from, n})
	}
	return out
}

// comparePositions orders loci by chromosome and position, however the
// chromosome is written.
func comparePositions(a, b locusKey) int {
	if c := cmp.Compare(a.rank, b.rank); c != 0 {
		return c
	}
	if c := strings.Compare(a.name, b.name); c != 0 {
		return c
	}
	return cmp.Compare(a.pos, b.pos)
}
