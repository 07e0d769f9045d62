package genotypes

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/parquet"
)

// The dense read of a whole batch from the site-major table
// (sitecalls.go): when the samples asked for of a batch are all of its
// samples, in batch order at consecutive positions, its sites' rows are
// read one a site from the batch's site_calls file instead of one a block
// from its calls files. The rows decode as the calls files' do (callsRow,
// with the batch's sample indices as offsets and ceil(samples/32) words).

// siteRead is the read of a batch's rows from its site-major table: at[k]
// locates the row of site sites[k]. Only those rows are kept (copied out
// of each row group before the next is read), so a read's memory is the
// rows asked for plus one row group, not the row groups it touched.
type siteRead struct {
	at      []siteRowAt // where the row of sites[k] is in words and ints
	words   []int64     // the rows' planes, one after another
	ints    []int32     // the rows' levels, code tables, samples and code indices
	n, nw   int         // the batch's samples, words a plane
	scratch siteScratch
}

// siteRow is one site's row of a site-major read: its plane (nil: none)
// and levels, the distinct codes of its listed exceptions (table), and
// the listed samples (ascending batch indices) with each one's code as an
// index into table. Codes are PhaseRelative to the site default.
type siteRow struct {
	words                  []int64
	levels, table, samples []int32
	cix                    []int32
}

// plane returns the 2-bit plane value of sample i.
func (r *siteRow) plane(i int32) int64 { return (r.words[i/32] >> (2 * (i % 32))) & 3 }

// siteRowAt locates a kept row in siteRead.words and ints (words -1: no
// plane): levels, table, samples and code indices one after another.
type siteRowAt struct {
	words, ints int
	nl, nt, n   int
}

// usesSiteCalls reports whether the read's samples of this batch are all
// of the batch's samples in batch order at consecutive positions, and the
// batch has a site-major table.
func (db *denseBatch) usesSiteCalls() bool {
	if db.b.siteCalls == "" || db.blockReads || len(db.blocks) == 0 || len(db.b.b.Superseded) > 0 {
		return false
	}
	base := db.blocks[0].whole
	total := 0
	for _, bw := range db.blocks {
		if bw.whole < 0 || bw.whole != base+bw.first {
			return false
		}
		total += len(bw.offs)
	}
	return total == db.b.b.Samples
}

// siteCallsFileColumns are a site-major calls file's columns.
var siteCallsFileColumns = fileColumns{what: "site calls",
	physical:     []parquet.Type{parquet.Types.Int32, parquet.Types.ByteArray, parquet.Types.ByteArray},
	levelsPerRow: func(int64) int64 { return 1 }}

// maxExceptionsBytes bounds a row's exceptions value for n samples: three
// levels and n listed exceptions, each with a distinct code (5 bytes a
// number).
func maxExceptionsBytes(n int) int64 { return 5 * (8 + 3*int64(n)) }

// siteScratch is what decoding the row groups of a site-major file reuses.
type siteScratch struct {
	dec   chunkDecoder
	raw   []byte
	site  chunkOut[int32]
	exc   blobOut
	plane blobOut
}

// readSiteRows reads the rows of the batch's sites from its site-major
// table, a row group at a time, keeping only theirs.
func (db *denseBatch) readSiteRows(ctx context.Context) error {
	path := db.b.siteCalls
	x, err := db.b.callsIdx.getOf(path, &siteCallsFileColumns, int64(db.b.b.Samples))
	if err != nil {
		return err
	}
	f, err := openCalls(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sr := db.buf.takeSiteRead()
	sr.n, sr.nw = db.b.b.Samples, planeWordsOf(db.b.b.Samples)
	db.bySite = sr
	var start int64
	for g, rows := range x.rows {
		end := start + rows
		if k := len(sr.at); k < len(db.sites) && int64(db.sites[k]) < end {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := db.keepSiteGroup(f, x, g, int32(start)); err != nil {
				return fmt.Errorf("genotypes: %s: row group %d: %w", path, g, err)
			}
		}
		start = end
	}
	if k := len(sr.at); k < len(db.sites) {
		return fmt.Errorf("genotypes: %s: %d rows, no row for site %d", path, start, db.sites[k])
	}
	return nil
}

// keepSiteGroup decodes row group g of the site-major file f (its rows
// are sites first, first+1, …) and copies its rows at the batch's sites
// into db.bySite.
func (db *denseBatch) keepSiteGroup(f io.ReaderAt, x *callsIndex, g int, first int32) error {
	sr := db.bySite
	sc := &sr.scratch
	rows := int(x.rows[g])
	lo, hi := x.span(g, allPlanes)
	sc.raw = growLen(sc.raw[:0], int(hi-lo))
	if _, err := f.ReadAt(sc.raw, lo); err != nil {
		return err
	}
	chunk := func(col int) ([]byte, colShape) {
		cc, sh := x.chunk(g, col), x.shape[col]
		sh.codec, sh.levels = cc.codec, cc.levels
		if cc.levels == 0 {
			return nil, sh
		}
		return sc.raw[cc.off-lo : cc.off-lo+cc.size], sh
	}
	b, sh := chunk(siteCallsSite)
	if err := decodeChunk(&sc.dec, b, sh, &sc.site); err != nil {
		return fmt.Errorf("site column: %w", err)
	}
	if len(sc.site.v) != rows {
		return fmt.Errorf("%d sites for %d rows", len(sc.site.v), rows)
	}
	b, sh = chunk(siteCallsExceptions)
	if err := decodeBlobChunk(&sc.dec, b, sh, maxExceptionsBytes(db.b.b.Samples), &sc.exc); err != nil {
		return fmt.Errorf("exceptions column: %w", err)
	}
	b, sh = chunk(siteCallsPlane)
	if err := decodeBlobChunk(&sc.dec, b, sh, 8*int64(sr.nw), &sc.plane); err != nil {
		return fmt.Errorf("plane column: %w", err)
	}
	if len(sc.exc.off) != rows+1 || len(sc.plane.off) != rows+1 {
		return fmt.Errorf("%d exceptions and %d planes for %d rows", len(sc.exc.off)-1, len(sc.plane.off)-1, rows)
	}
	return db.keepSiteRows(first)
}

// keepSiteRows copies the decoded rows (sites first, first+1, …) at the
// batch's sites into db.bySite.
func (db *denseBatch) keepSiteRows(first int32) error {
	sr := db.bySite
	sc := &sr.scratch
	for i, s := range sc.site.v {
		if s != first+int32(i) {
			return fmt.Errorf("row %d is site %d, want %d", i, s, first+int32(i))
		}
		k := len(sr.at)
		if k == len(db.sites) {
			break
		}
		if db.sites[k] != s {
			continue
		}
		at, err := sr.keep(sc.exc.at(i), sc.plane.at(i))
		if err != nil {
			return fmt.Errorf("site %d: %w", s, err)
		}
		sr.at = append(sr.at, at)
	}
	return nil
}

// keep copies a row (its exceptions and plane values) into sr, checked
// to stay inside the batch: listed samples ascending and below its
// samples, code indices inside the table, plane values naming a level and
// none past the samples.
func (sr *siteRead) keep(exc, plane []byte) (siteRowAt, error) {
	at := siteRowAt{words: -1, ints: len(sr.ints)}
	if len(plane) > 0 {
		if len(plane) != 8*sr.nw {
			return at, fmt.Errorf("plane of %d bytes, want %d", len(plane), 8*sr.nw)
		}
		at.words = len(sr.words)
		for j := 0; j < len(plane); j += 8 {
			sr.words = append(sr.words, int64(binary.LittleEndian.Uint64(plane[j:])))
		}
	}
	d := exceptionsReader{b: exc}
	at.nl = d.count(3)
	for range at.nl {
		sr.ints = append(sr.ints, d.code())
	}
	at.nt = d.count(len(exc))
	for range at.nt {
		sr.ints = append(sr.ints, d.code())
	}
	at.n = d.count(min(len(exc), sr.n))
	if at.n > 0 && at.nt == 0 && d.err == nil {
		d.err = fmt.Errorf("%d listed exceptions without codes", at.n)
	}
	if d.err == nil {
		sr.ints = d.samples(sr.ints, at.n, sr.n)
		sr.ints = d.codeIndices(sr.ints, at.n, at.nt)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%d bytes after the exceptions", len(d.b))
	}
	if d.err == nil {
		d.err = checkPlane(sr.row(at), sr.n)
	}
	if d.err != nil {
		sr.ints = sr.ints[:at.ints]
		if at.words >= 0 {
			sr.words = sr.words[:at.words]
		}
		return at, d.err
	}
	return at, nil
}

// exceptionsReader reads the varints of an exceptions value, keeping the
// first error (after which every number is 0).
type exceptionsReader struct {
	b   []byte
	err error
}

func (r *exceptionsReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = fmt.Errorf("exceptions value cut short or overlong")
		return 0
	}
	r.b = r.b[n:]
	return x
}

// count reads a number of at most most.
func (r *exceptionsReader) count(most int) int {
	x := r.uvarint()
	if x > uint64(max(most, 0)) {
		if r.err == nil {
			r.err = fmt.Errorf("exceptions value: %d where at most %d", x, most)
		}
		return 0
	}
	return int(x)
}

// code reads a genotype code.
func (r *exceptionsReader) code() int32 {
	x := r.uvarint()
	if x > 1<<32-1 && r.err == nil {
		r.err = fmt.Errorf("exceptions value: code %d", x)
	}
	return int32(uint32(x))
}

// samples appends n gap-coded sample indices, each below most and above
// the one before. Most gaps are one byte: they are read without a call
// (the listed exceptions of a biobank are billions).
func (r *exceptionsReader) samples(dst []int32, n, most int) []int32 {
	at := len(dst)
	dst = growLen(dst, n)
	out := dst[at:]
	b := r.b
	prev := int64(-1)
	for i := range out {
		var gap int64
		if len(b) > 0 && b[0] < 0x80 {
			gap = int64(b[0])
			b = b[1:]
		} else {
			x, k := binary.Uvarint(b)
			if k <= 0 || x > 1<<31 {
				r.err = fmt.Errorf("exceptions value: bad sample gap")
				return dst[:at]
			}
			gap = int64(x)
			b = b[k:]
		}
		if i == 0 {
			gap++ // the first is an index, not a distance
		}
		if gap == 0 || prev+gap >= int64(most) {
			r.err = fmt.Errorf("exceptions value: sample %d after %d (of %d samples)", prev+gap, prev, most)
			return dst[:at]
		}
		prev += gap
		out[i] = int32(prev)
	}
	r.b = b
	return dst
}

// codeIndices appends the code indices of n listed exceptions, each below
// tab.
func (r *exceptionsReader) codeIndices(dst []int32, n, tab int) []int32 {
	at := len(dst)
	dst = growLen(dst, n)
	out := dst[at:]
	b := r.b
	for i := range out {
		var x uint64
		if len(b) > 0 && b[0] < 0x80 {
			x = uint64(b[0])
			b = b[1:]
		} else {
			var k int
			if x, k = binary.Uvarint(b); k <= 0 {
				r.err = fmt.Errorf("exceptions value: bad code index")
				return dst[:at]
			}
			b = b[k:]
		}
		if x >= uint64(tab) {
			r.err = fmt.Errorf("exceptions value: code index %d of %d", x, tab)
			return dst[:at]
		}
		out[i] = int32(x)
	}
	r.b = b
	return dst
}

// row returns the row kept at at (valid until the next row is kept: the
// buffers may move).
func (sr *siteRead) row(at siteRowAt) siteRow {
	v := sr.ints[at.ints:]
	r := siteRow{levels: v[:at.nl:at.nl]}
	v = v[at.nl:]
	r.table, v = v[:at.nt:at.nt], v[at.nt:]
	r.samples, v = v[:at.n:at.n], v[at.n:]
	r.cix = v[:at.n:at.n]
	if at.words >= 0 {
		r.words = sr.words[at.words : at.words+sr.nw : at.words+sr.nw]
	}
	return r
}

// checkPlane refuses a plane that would index outside the row: values
// without levels (or a level past them), values past the n samples.
func checkPlane(r siteRow, n int) error {
	if r.words == nil {
		if len(r.levels) > 0 {
			return fmt.Errorf("%d levels without a plane", len(r.levels))
		}
		return nil
	}
	// A value v needs levels[v-1]: value 3 needs 3 levels, 2 needs 2.
	var has [4]bool
	for _, w := range r.words {
		u := uint64(w)
		lo, hi := u&0x5555555555555555, (u>>1)&0x5555555555555555
		has[1] = has[1] || lo&^hi != 0
		has[2] = has[2] || hi&^lo != 0
		has[3] = has[3] || lo&hi != 0
	}
	for v := len(r.levels) + 1; v < 4; v++ {
		if has[v] {
			return fmt.Errorf("plane value %d with %d levels", v, len(r.levels))
		}
	}
	if n%32 != 0 && uint64(r.words[len(r.words)-1])>>(2*(n%32)) != 0 {
		return fmt.Errorf("plane values past the batch's %d samples", n)
	}
	return nil
}

// reset empties sr for another read, keeping its buffers.
func (sr *siteRead) reset() {
	sr.at, sr.words, sr.ints = sr.at[:0], sr.words[:0], sr.ints[:0]
}

// takeSiteRead returns an empty siteRead, reused from p's when it has one.
func (p *DenseBuffers) takeSiteRead() *siteRead {
	if sr := takeKept(p, siteReadsOf); sr != nil {
		return sr
	}
	return &siteRead{}
}

// giveSiteRead gives sr back to p for a later read.
func (p *DenseBuffers) giveSiteRead(sr *siteRead) {
	sr.reset()
	keepFor(p, sr, siteReadsOf)
}

func siteReadsOf(h *denseScratch) *[]*siteRead { return &h.siteReads }

// siteRow returns the site-major row of site k of the read.
func (db *denseBatch) siteRow(k int) siteRow { return db.bySite.row(db.bySite.at[k]) }

// fillSiteRow decodes the site-major row r into dst, whose positions base
// … base+samples-1 are the batch's samples: the expected genotype, the
// plane's levels, the haploid form of the default for the haploid samples
// the plane leaves expected (hap: per block of db.blocks, their offsets;
// nil for none), then the listed exceptions. Stored codes are phase
// relative to def.
func fillSiteRow[T any](dst []T, db *denseBatch, r siteRow, def int32, exp, hapExp T, hap [][]int32, conv func(int32) T) {
	base := int(db.blocks[0].whole)
	out := dst[base : base+db.b.b.Samples]
	lut := [4]T{exp, exp, exp, exp}
	for l, c := range r.levels {
		lut[l+1] = conv(PhaseRelative(c, def))
	}
	fillPlane(out, r.words, &lut)
	for bi, offs := range hap {
		for _, off := range offs {
			i := db.blocks[bi].first + off
			if r.words == nil || r.plane(i) == 0 {
				out[i] = hapExp
			}
		}
	}
	for i, s := range r.samples {
		out[s] = conv(PhaseRelative(r.table[r.cix[i]], def))
	}
}
