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
	maxLoci := sc.maxLoci()
	cs, ok := src.(chunkStarter)
	if !ok || sc.nLoci() <= maxLoci {
		return sc.windows(), nil
	}
	starts, err := cs.chunkStarts(ctx)
	if err != nil {
		return nil, err
	}
	keys := make([]locusKey, len(starts))
	for i, l := range starts {
		keys[i] = keyOfLocus(l)
	}
	slices.SortFunc(keys, comparePositions)
	var out []window
	from, b := 0, 0
	for i := range sc.nLoci() {
		k := keyOfLocus(sc.locus(i))
		crossed := false // a chunk starts after locus i-1, at or before i
		for b < len(keys) && comparePositions(keys[b], k) <= 0 {
			crossed = i > from
			b++
		}
		if n := i - from; n >= maxLoci || crossed && n >= maxLoci/2 {
			out = append(out, window{from, i})
			from = i
		}
	}
	return append(out, window{from, sc.nLoci()}), nil
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
