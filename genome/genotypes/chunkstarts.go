package genotypes

import (
	"context"

	"github.com/varamu/varamu/genome"
)

// ChunkStarts returns the locus of the first site of every chunk of calls
// (Batch.ChunkSites sites) of every batch, batch by batch in site order.
// A reader of many loci that splits them into windows at these loci
// decodes each chunk's row groups once; a window cutting a chunk in two
// decodes it twice. They are positions of the store's sites, no sample's
// data, so no permit is asked for. It loads the batches' site indexes.
func (s *Store) ChunkStarts(ctx context.Context) ([]genome.Locus, error) {
	var out []genome.Locus
	for _, b := range s.batches {
		x, err := b.index(ctx)
		if err != nil {
			return nil, err
		}
		step := int64(max(b.b.ChunkSites, 1))
		for site := int64(0); site < b.b.Sites && site < int64(len(x.pos)); site += step {
			out = append(out, genome.Locus{Chrom: x.chromName(int32(site)), Pos: x.pos[site]})
		}
	}
	return out, ctx.Err()
}
