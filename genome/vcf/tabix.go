package vcf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// This file builds a tabix index (.tbi, "The Tabix index file format" in
// the htslib tabix specification, samtools/hts-specs tabix.tex) while the
// BGZF file is written.
//
// biogo/hts v1.4.5 has tabix and csi packages, but they cannot index a VCF
// correctly: tabix.Index.Add never records a name in its name map (every
// record becomes a new reference), its linear index panics when a record
// ends on a 16 kb tile boundary after another record that did; and csi sets
// a bin's left offset to its first record rather than the first record
// overlapping the bin, so htslib would miss a record crossing a 16 kb tile
// boundary. The format is small, so it is written here; the compression
// itself is biogo's bgzf.Writer.

const (
	tbiMinShift  = 14 // 16 kb tiles
	tbiDepth     = 5  // six bin levels
	tbiMaxPos    = 1<<29 - 1
	tbiStatsBin  = 37450 // pseudo-bin holding per-reference statistics
	tbiFormatVCF = 2
)

// vOffset is a BGZF virtual offset: compressed block start << 16 | offset in
// the uncompressed block. While the file is being written the block start is
// replaced by the block's sequence number; resolve maps it to the file offset
// once every block has been compressed.
type vOffset uint64

func (v vOffset) block() uint64  { return uint64(v) >> 16 }
func (v vOffset) within() uint64 { return uint64(v) & 0xffff }

type tbiChunk struct{ beg, end vOffset }

type tbiRef struct {
	name     string
	bins     map[uint32][]tbiChunk
	linear   []vOffset // per 16 kb tile: first record overlapping it; unsetOffset when none yet
	first    vOffset
	last     vOffset
	nRecords uint64
	lastBeg  int64
}

const unsetOffset = ^vOffset(0)

// tbiIndex accumulates index entries for records added in file order.
type tbiIndex struct {
	refs []*tbiRef
}

// add records a VCF record covering the 0-based half-open interval
// [beg, end) on chrom, stored between the virtual offsets vbeg and vend.
func (x *tbiIndex) add(chrom string, beg, end int64, vbeg, vend vOffset) error {
	if beg < 0 || end > tbiMaxPos+1 || end <= beg {
		return fmt.Errorf("tabix index: %s:%d-%d outside the range a .tbi can index (1-%d)", chrom, beg+1, end, tbiMaxPos)
	}
	var ref *tbiRef
	if n := len(x.refs); n > 0 && x.refs[n-1].name == chrom {
		ref = x.refs[n-1]
	} else {
		for _, r := range x.refs {
			if r.name == chrom {
				return fmt.Errorf("tabix index: records of %s are not contiguous", chrom)
			}
		}
		ref = &tbiRef{name: chrom, bins: make(map[uint32][]tbiChunk), first: vbeg}
		x.refs = append(x.refs, ref)
	}
	if beg < ref.lastBeg {
		return fmt.Errorf("tabix index: %s:%d after %s:%d: records are not sorted", chrom, beg+1, chrom, ref.lastBeg+1)
	}
	ref.lastBeg = beg

	bin := reg2bin(beg, end)
	chunks := ref.bins[bin]
	if n := len(chunks); n > 0 && chunks[n-1].end == vbeg {
		chunks[n-1].end = vend
	} else {
		ref.bins[bin] = append(chunks, tbiChunk{vbeg, vend})
	}

	for t := beg >> tbiMinShift; t <= (end-1)>>tbiMinShift; t++ {
		for int64(len(ref.linear)) <= t {
			ref.linear = append(ref.linear, unsetOffset)
		}
		if ref.linear[t] == unsetOffset {
			ref.linear[t] = vbeg
		}
	}
	ref.last = vend
	ref.nRecords++
	return nil
}

// reg2bin is the bin of [beg, end) in the UCSC/SAM binning scheme.
func reg2bin(beg, end int64) uint32 {
	end--
	switch {
	case beg>>14 == end>>14:
		return uint32(((1<<15)-1)/7 + (beg >> 14))
	case beg>>17 == end>>17:
		return uint32(((1<<12)-1)/7 + (beg >> 17))
	case beg>>20 == end>>20:
		return uint32(((1<<9)-1)/7 + (beg >> 20))
	case beg>>23 == end>>23:
		return uint32(((1<<6)-1)/7 + (beg >> 23))
	case beg>>26 == end>>26:
		return uint32(((1<<3)-1)/7 + (beg >> 26))
	}
	return 0
}

// errBlockUnknown means an offset names a block whose file position the
// block tracker never saw.
var errBlockUnknown = errors.New("vcf: tabix index refers to a BGZF block that was not written")

// writeTo writes the index in .tbi layout (uncompressed; the caller
// compresses it with BGZF), resolving block numbers through starts (the file
// offset of every BGZF block, in order).
func (x *tbiIndex) writeTo(w io.Writer, starts []int64) error {
	resolve := func(v vOffset) (uint64, error) {
		b := v.block()
		if b >= uint64(len(starts)) {
			return 0, errBlockUnknown
		}
		return uint64(starts[b])<<16 | v.within(), nil
	}
	var buf []byte
	u32 := func(v uint32) { buf = binary.LittleEndian.AppendUint32(buf, v) }
	u64 := func(v uint64) { buf = binary.LittleEndian.AppendUint64(buf, v) }

	buf = append(buf, 'T', 'B', 'I', 1)
	u32(uint32(len(x.refs)))
	u32(tbiFormatVCF)
	u32(1)   // sequence name column
	u32(2)   // begin column
	u32(0)   // end column: computed from REF
	u32('#') // meta character
	u32(0)   // lines to skip
	var names []byte
	for _, r := range x.refs {
		names = append(names, r.name...)
		names = append(names, 0)
	}
	u32(uint32(len(names)))
	buf = append(buf, names...)

	for _, r := range x.refs {
		keys := make([]uint32, 0, len(r.bins))
		for k := range r.bins {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		u32(uint32(len(keys) + 1)) // + statistics pseudo-bin
		for _, k := range keys {
			u32(k)
			u32(uint32(len(r.bins[k])))
			for _, c := range r.bins[k] {
				b, err := resolve(c.beg)
				if err != nil {
					return err
				}
				e, err := resolve(c.end)
				if err != nil {
					return err
				}
				u64(b)
				u64(e)
			}
		}
		u32(tbiStatsBin)
		u32(2)
		b, err := resolve(r.first)
		if err != nil {
			return err
		}
		e, err := resolve(r.last)
		if err != nil {
			return err
		}
		u64(b)
		u64(e)
		u64(r.nRecords) // mapped: records on this reference
		u64(0)          // unmapped

		u32(uint32(len(r.linear)))
		prev := r.first
		for _, v := range r.linear {
			if v == unsetOffset {
				v = prev
			}
			prev = v
			o, err := resolve(v)
			if err != nil {
				return err
			}
			u64(o)
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		buf = buf[:0]
	}
	u64(0) // records without coordinates
	_, err := w.Write(buf)
	return err
}

// blockTracker sits between the BGZF writer and the output and records the
// file offset at which every BGZF block starts, reading each block's BSIZE
// from its header (SAMv1 section 4.1). It is written to only by the BGZF
// writer's output goroutine; starts is read after the BGZF writer is closed.
type blockTracker struct {
	w         io.Writer
	off       int64 // bytes written so far
	remaining int64 // bytes left in the current block; 0 at a block start
	hdr       [18]byte
	hdrN      int
	starts    []int64
	err       error
}

func (t *blockTracker) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	if err != nil {
		return n, err
	}
	if t.err == nil {
		t.scan(p[:n])
	}
	return n, t.err
}

func (t *blockTracker) scan(p []byte) {
	for len(p) > 0 {
		if t.remaining > 0 {
			k := min(t.remaining, int64(len(p)))
			t.remaining -= k
			t.off += k
			p = p[k:]
			continue
		}
		if t.hdrN == 0 {
			t.starts = append(t.starts, t.off)
		}
		k := copy(t.hdr[t.hdrN:], p)
		t.hdrN += k
		t.off += int64(k)
		p = p[k:]
		if t.hdrN < len(t.hdr) {
			return
		}
		h := t.hdr
		if h[0] != 0x1f || h[1] != 0x8b || h[3]&4 == 0 || h[12] != 'B' || h[13] != 'C' {
			t.err = errors.New("vcf: unexpected BGZF block header from the compressor")
			return
		}
		bsize := int64(binary.LittleEndian.Uint16(h[16:18])) + 1
		t.remaining = bsize - int64(len(t.hdr))
		t.hdrN = 0
	}
}
