package genotypes

import (
	"context"
	"fmt"
	"math/bits"
	"slices"

	"github.com/varamu/varamu/store"
)

// AddSiteCalls writes the site-major table (sitecalls.go) of every batch
// of the store at dir that has none (batches ingested by a varamu before
// it wrote one) from the batch's calls files, and commits them in one
// transaction: all or nothing, as an ingest. The table's rows are those an
// ingest of the same VCF writes. It returns the batches given a table.
// Nothing leaves the store: the calls are copied inside it, as an ingest
// writes them, so no permit is asked for. progress, when set, is called
// with the sites done and the sites to do.
func AddSiteCalls(ctx context.Context, dir string, progress func(done, total int64)) ([]string, error) {
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return nil, err
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	s, err := FromStore(st)
	if err != nil {
		return nil, err
	}
	var todo []*batchReader
	var total, done int64
	for _, b := range s.batches {
		if b.siteCalls == "" {
			todo = append(todo, b)
			total += b.b.Sites
		}
	}
	var added []string
	for _, b := range todo {
		if err := addBatchSiteCalls(ctx, tx, b, func(n int64) {
			if progress != nil {
				progress(done+n, total)
			}
		}); err != nil {
			return nil, err
		}
		done += b.b.Sites
		added = append(added, b.b.ID)
	}
	if len(added) == 0 {
		return nil, nil
	}
	if err := tx.Commit(fmt.Sprintf("ingest site-calls %v", added), func(*store.Manifest) error { return nil }); err != nil {
		return nil, err
	}
	return added, nil
}

// addBatchSiteCalls writes one batch's site-major table, a chunk of sites
// at a time: the chunk's rows of every block read from the calls files
// and merged into one row a site.
func addBatchSiteCalls(ctx context.Context, tx *store.Txn, b *batchReader, progress func(int64)) error {
	x, err := b.index(ctx)
	if err != nil {
		return err
	}
	w, err := newSiteCallsWriter(tx, b.b.ID, b.b.Samples, b.mem)
	if err != nil {
		return err
	}
	blocks := wholeBlocks(b.b.Samples)
	chunk := int64(max(b.b.ChunkSites, 1))
	var excs []exc
	for from := int64(0); from < b.b.Sites; from += chunk {
		db := &denseBatch{b: b, x: x, blocks: blocks, blockReads: true}
		for site := from; site < min(from+chunk, b.b.Sites); site++ {
			db.sites = append(db.sites, int32(site))
		}
		err := db.readRows(ctx)
		for k := 0; err == nil && k < len(db.sites); k++ {
			if excs, err = db.siteExceptions(k, excs[:0]); err == nil {
				w.add(db.sites[k], excs)
			}
		}
		if err == nil {
			err = w.flush()
		}
		db.release()
		if err != nil {
			w.release()
			return err
		}
		progress(min(from+chunk, b.b.Sites))
	}
	return w.close(tx, b.b.ID)
}

// wholeBlocks are the blocks of a batch of n samples, every sample asked
// for at its batch index.
func wholeBlocks(n int) []*blockWant {
	var out []*blockWant
	for first := int32(0); int(first) < n; first += samplesPerBlock {
		bw := &blockWant{first: first, whole: first}
		for off := range int32(min(samplesPerBlock, n-int(first))) {
			bw.offs = append(bw.offs, off)
			bw.outs = append(bw.outs, first+off)
			bw.posOf[off] = first + off
		}
		for off := len(bw.offs); off < samplesPerBlock; off++ {
			bw.posOf[off] = -1
		}
		out = append(out, bw)
	}
	return out
}

// siteExceptions appends to dst the exceptions of site k of a block read
// of whole blocks, by batch sample index, in order.
func (db *denseBatch) siteExceptions(k int, dst []exc) ([]exc, error) {
	for bi, bw := range db.blocks {
		r := db.row(db.rows[k*len(db.blocks)+bi])
		at := len(dst)
		for wi, word := range r.words {
			for u := uint64(word); u != 0; {
				tz := bits.TrailingZeros64(u) &^ 1
				v := int((u >> tz) & 3)
				if v > len(r.levels) {
					return nil, fmt.Errorf("genotypes: batch %s site %d: plane value %d with %d levels", db.b.b.ID, db.sites[k], v, len(r.levels))
				}
				dst = append(dst, exc{sample: bw.first + int32(wi*32+tz/2), code: r.levels[v-1]})
				u &^= 3 << tz
			}
		}
		for j, off := range r.samples {
			dst = append(dst, exc{sample: bw.first + off, code: r.codes[j]})
		}
		slices.SortFunc(dst[at:], func(a, b exc) int { return int(a.sample - b.sample) })
	}
	return dst, nil
}
