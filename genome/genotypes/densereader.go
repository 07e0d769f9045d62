package genotypes

import (
	"context"
	"fmt"
	"slices"
)

// How the dense read gets its rows: the row groups of calls holding a
// batch's sites are decoded one at a time into reused scratch
// (readPageCols), and only the rows at the sites asked for, of the blocks
// asked for, are copied into the read's rowArena. A read's memory is so
// the rows it returns (at most 2 bits a sample and 12 bytes of
// difference list per exception a site), plus one row group's scratch,
// not the row groups it touched: a window of scattered loci touching many
// 8,192-site chunks no longer holds them all.

// rowRef locates a stored row in a read's arena; noRow when the block has
// no row at the site (no exceptions).
type rowRef int32

const noRow rowRef = -1

// rowArena holds the rows of one batch's read, in segments that are
// never moved or copied as the arena grows (growing one slice copied the
// rows again and again: a third of the read's CPU) and are kept for the
// next read by reset.
type rowArena struct {
	words [][]int64 // segments of arenaWords words
	ints  [][]int32 // segments of arenaInts values
	nw    int       // segments of words in use, the last one partly
	ni    int
	rows  []arenaRow
}

// Segment sizes: a row's words (planeWords) or lists (at most 3 × 0xFFFF
// values) never straddle two segments.
const (
	arenaWords = 1 << 15
	arenaInts  = 1 << 18
)

// arenaRow is a row in the arena: its plane words at words (-1 for a
// difference list), and its levels, samples and codes one after another
// from ints (segment ints / arenaInts).
type arenaRow struct {
	words         int32
	ints          int32
	nlv, nsm, ncd uint16
}

func (a *rowArena) reset() {
	a.nw, a.ni, a.rows = 0, 0, a.rows[:0]
	for i := range a.words {
		a.words[i] = a.words[i][:0]
	}
	for i := range a.ints {
		a.ints[i] = a.ints[i][:0]
	}
}

// segment returns the segment in use with room for n more values,
// starting the next one when it has not.
func segment[T int32 | int64](segs *[][]T, inUse *int, size, n int) (int, []T) {
	if *inUse > 0 && len((*segs)[*inUse-1])+n <= size {
		return *inUse - 1, (*segs)[*inUse-1]
	}
	if *inUse == len(*segs) {
		*segs = append(*segs, make([]T, 0, size))
	}
	*inUse++
	return *inUse - 1, (*segs)[*inUse-1]
}

// add copies row r into the arena.
func (a *rowArena) add(r callsRow) (rowRef, error) {
	if len(r.levels) > 0xFFFF || len(r.samples) > 0xFFFF || len(r.codes) > 0xFFFF {
		return noRow, fmt.Errorf("genotypes: calls row of %d samples", len(r.samples))
	}
	if len(a.rows) >= 1<<31-1 || len(a.ints) >= (1<<31-1)/arenaInts || len(a.words) >= (1<<31-1)/arenaWords {
		return noRow, fmt.Errorf("genotypes: dense read of too many rows")
	}
	ar := arenaRow{words: -1, nlv: uint16(len(r.levels)), nsm: uint16(len(r.samples)), ncd: uint16(len(r.codes))}
	if r.words != nil {
		k, seg := segment(&a.words, &a.nw, arenaWords, planeWords)
		ar.words = int32(k*arenaWords + len(seg))
		a.words[k] = append(seg, r.words...)
	}
	if n := len(r.levels) + len(r.samples) + len(r.codes); n > 0 {
		k, seg := segment(&a.ints, &a.ni, arenaInts, n)
		ar.ints = int32(k*arenaInts + len(seg))
		seg = append(seg, r.levels...)
		seg = append(seg, r.samples...)
		a.ints[k] = append(seg, r.codes...)
	}
	a.rows = append(a.rows, ar)
	return rowRef(len(a.rows) - 1), nil
}

// row returns row r of the arena.
func (a *rowArena) row(r rowRef) callsRow {
	ar := a.rows[r]
	var ints []int32
	if n := int(ar.nlv) + int(ar.nsm) + int(ar.ncd); n > 0 {
		i := int(ar.ints)
		ints = a.ints[i/arenaInts][i%arenaInts : i%arenaInts+n]
	}
	l, s := int(ar.nlv), int(ar.nsm)
	out := callsRow{samples: ints[l : l+s : l+s], codes: ints[l+s:]}
	if ar.words >= 0 {
		w := int(ar.words)
		out.words, out.levels = a.words[w/arenaWords][w%arenaWords:w%arenaWords+planeWords], ints[:l:l]
	}
	return out
}

// row returns the stored row r (empty for noRow).
func (db *denseBatch) row(r rowRef) callsRow {
	if r < 0 {
		return callsRow{}
	}
	return db.arena.row(r)
}

// release gives the batch's rows back to the read's buffers.
func (db *denseBatch) release() {
	if db.bySite != nil {
		db.buf.giveSiteRead(db.bySite)
		db.bySite = nil
	}
	if db.arena != nil {
		db.buf.giveArena(db.arena)
		db.arena = nil
	}
}

// denseScratch is what a DenseBuffers keeps of the dense read between
// reads: page decoders' scratch, free arenas and site-major reads (one of
// each a read at a time).
type denseScratch struct {
	pages     []*pageScratch
	arenas    []*rowArena
	siteReads []*siteRead
}

// takeScratch takes a page scratch out of p (a new one when p is nil or
// keeps none).
func (p *DenseBuffers) takeScratch() *pageScratch {
	if sc := takeKept(p, pagesOf); sc != nil {
		return sc
	}
	return &pageScratch{}
}

// giveScratch gives sc back to p.
func (p *DenseBuffers) giveScratch(sc *pageScratch) { keepFor(p, sc, pagesOf) }

func pagesOf(h *denseScratch) *[]*pageScratch { return &h.pages }

// takeArena returns an empty arena, reused from p's when it has one.
func (p *DenseBuffers) takeArena() *rowArena {
	if a := takeKept(p, arenasOf); a != nil {
		a.reset()
		return a
	}
	return &rowArena{}
}

// giveArena gives a back to p for a later read.
func (p *DenseBuffers) giveArena(a *rowArena) { keepFor(p, a, arenasOf) }

func arenasOf(h *denseScratch) *[]*rowArena { return &h.arenas }

// takeKept pops a value kept in p's list that list picks; nil when p is
// nil or keeps none.
func takeKept[T any](p *DenseBuffers, list func(*denseScratch) *[]*T) *T {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		return nil
	}
	l := list(p.held)
	if len(*l) == 0 {
		return nil
	}
	v := (*l)[len(*l)-1]
	*l = (*l)[:len(*l)-1]
	return v
}

// keepFor keeps v in p's list that list picks, for a later read (nothing
// when p is nil).
func keepFor[T any](p *DenseBuffers, v *T, list func(*denseScratch) *[]*T) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held == nil {
		p.held = &denseScratch{}
	}
	l := list(p.held)
	*l = append(*l, v)
}

// rgBlock is a row group of a calls file and the block of samples it
// holds (an index in denseBatch.blocks).
type rgBlock struct{ g, block int }

// readRows reads, file by file, the row groups of calls that hold the
// batch's sites for its blocks, and keeps their rows at those sites (a
// site's block without a row has noRow).
func (db *denseBatch) readRows(ctx context.Context) error {
	db.rows = slices.Grow(db.rows[:0], len(db.sites)*len(db.blocks))[:len(db.sites)*len(db.blocks)]
	for i := range db.rows {
		db.rows[i] = noRow
	}
	chunks := db.b.chunksOf(db.sites)
	rgsOf := map[int][]rgBlock{} // calls file → row groups
	var files []int
	for i, bw := range db.blocks {
		f := int(bw.first) / samplesPerCallsFile
		if _, ok := rgsOf[f]; !ok {
			files = append(files, f)
		}
		for _, g := range db.b.rowGroupsIn(bw.first, chunks) {
			rgsOf[f] = append(rgsOf[f], rgBlock{g, i})
		}
	}
	sc := db.buf.takeScratch()
	defer db.buf.giveScratch(sc)
	db.arena = db.buf.takeArena()
	for _, f := range files {
		if f >= len(db.b.calls) {
			return fmt.Errorf("genotypes: batch %s has no calls file %d", db.b.b.ID, f)
		}
		if err := db.readFile(ctx, db.b.calls[f], rgsOf[f], sc); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// readFile reads row groups rgs of one calls file and keeps their rows
// at the batch's sites.
func (db *denseBatch) readFile(ctx context.Context, path string, rgs []rgBlock, sc *pageScratch) error {
	slices.SortFunc(rgs, func(a, b rgBlock) int { return a.g - b.g })
	x, err := db.b.callsIdx.get(path)
	if err != nil {
		return err
	}
	f, err := openCalls(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, rb := range rgs {
		if err := ctx.Err(); err != nil {
			return err
		}
		c, err := readPageCols(f, x, rb.g, db.blocks[rb.block].planes(), sc)
		if err != nil {
			return fmt.Errorf("genotypes: %s: row group %d: %w", path, rb.g, err)
		}
		if err := db.keepRows(c, rb.block); err != nil {
			return fmt.Errorf("genotypes: %s: row group %d: %w", path, rb.g, err)
		}
	}
	return nil
}

// keepRows copies the rows of c at the batch's sites into its arena and
// indexes them by site and block. The rows are in site order.
func (db *denseBatch) keepRows(c *pageCols, block int) error {
	first := db.blocks[block].first
	k := 0
	for i, site := range c.site {
		if c.from[i] != first {
			return fmt.Errorf("genotypes: calls row of samples from %d in the row group of block %d", c.from[i], first)
		}
		if i > 0 && site <= c.site[i-1] {
			return fmt.Errorf("genotypes: calls rows out of site order (%d after %d)", site, c.site[i-1])
		}
		for k < len(db.sites) && db.sites[k] < site {
			k++
		}
		if k == len(db.sites) {
			break
		}
		if db.sites[k] != site {
			continue
		}
		r, err := db.arena.add(c.row(i))
		if err != nil {
			return err
		}
		db.rows[k*len(db.blocks)+block] = r
	}
	return nil
}

// planes returns the mask of the plane words holding the block's samples
// asked for.
func (bw *blockWant) planes() uint {
	if bw.whole >= 0 {
		return allPlanes
	}
	var m uint
	for _, off := range bw.offs {
		m |= 1 << (off / 32)
	}
	return m
}
