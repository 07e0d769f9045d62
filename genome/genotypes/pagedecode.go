package genotypes

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unsafe"

	"github.com/klauspost/compress/zstd"
)

// The dense read's decoder of a Parquet column chunk of calls.parquet:
// its pages parsed (pageheader.go), decompressed into a reused buffer, and
// their levels and values decoded straight into reused slices. It reads
// the encodings the calls writer uses (PLAIN, dictionary, delta binary
// packed; RLE levels) in data pages v1 and v2, zstd or uncompressed, and
// refuses anything else with an error: it never guesses.

// errChunk is a column chunk the dense read cannot decode.
var errChunk = errors.New("genotypes: bad calls column chunk")

// Codecs of a column chunk the decoder reads.
const (
	codecNone = iota
	codecZstd
)

// chunkDecoder decodes column chunks, keeping its buffers from one to the
// next. It is used by one goroutine at a time.
type chunkDecoder struct {
	zd   *zstd.Decoder
	page []byte  // a decompressed page
	idx  []int32 // dictionary indices of a page
	d32  []int32 // dictionary of the current chunk
	d64  []int64
}

// chunkOut is a decoded column chunk: one rep and def level per level
// (nil when the column has none) and the non-null values.
type chunkOut[T int32 | int64] struct {
	def, rep []int32
	v        []T
}

func (o *chunkOut[T]) reset() { o.def, o.rep, o.v = o.def[:0], o.rep[:0], o.v[:0] }

// colShape is what decoding a column chunk needs besides its bytes.
type colShape struct {
	codec          int8
	maxDef, maxRep int16
	levels         int64 // levels in the chunk (its num_values)
}

// decodeChunk decodes the pages in b, a whole column chunk, into out
// (reset first).
func decodeChunk[T int32 | int64](d *chunkDecoder, b []byte, sh colShape, out *chunkOut[T]) error {
	out.reset()
	if sh.levels == 0 {
		// An empty chunk: its pages, if any, are not read (arrow's
		// writer gives an empty row group's chunks a data page offset
		// of 0, the file's magic, which its own reader never reads).
		return nil
	}
	dict := dictOf[T](d)
	*dict = (*dict)[:0]
	haveDict := false
	var levels int64 // in the data pages so far
	for len(b) > 0 {
		h, n, err := parsePageHeader(b)
		if err != nil {
			return err
		}
		b = b[n:]
		if int64(h.compressed) > int64(len(b)) {
			return fmt.Errorf("%w: page of %d bytes past the chunk's end", errChunk, h.compressed)
		}
		// Sizes are checked against the metadata's level count before
		// anything is allocated for them: a damaged header cannot ask
		// for gigabytes.
		if int64(h.uncompressed) > maxPageBytes(sh.levels) {
			return fmt.Errorf("%w: page of %d bytes for %d levels", errChunk, h.uncompressed, sh.levels)
		}
		if h.typ == pageData || h.typ == pageDataV2 {
			if levels += int64(h.numValues); levels > sh.levels {
				return fmt.Errorf("%w: more levels than the %d in the metadata", errChunk, sh.levels)
			}
		}
		body := b[:h.compressed]
		b = b[h.compressed:]
		switch {
		case h.typ == pageDictionary && h.hasDict:
			if err := dictPage(d, body, h, sh, dict); err != nil {
				return err
			}
			haveDict = true
		case h.typ == pageData && h.hasData:
			if err := dataPageV1(d, body, h, sh, out, dict, haveDict); err != nil {
				return err
			}
		case h.typ == pageDataV2 && h.hasDataV2:
			if err := dataPageV2(d, body, h, sh, out, dict, haveDict); err != nil {
				return err
			}
		case h.typ == pageData || h.typ == pageDataV2 || h.typ == pageDictionary:
			return fmt.Errorf("%w: page of type %d without its header", errChunk, h.typ)
		}
	}
	got := int64(len(out.v))
	if sh.maxDef > 0 {
		got = int64(len(out.def))
	}
	if got != sh.levels {
		return fmt.Errorf("%w: %d levels for %d in the metadata", errChunk, got, sh.levels)
	}
	return nil
}

// maxPageBytes bounds the uncompressed size of a page of a chunk of
// levels levels: at most 8 bytes a value and 2 of levels, plus headers.
func maxPageBytes(levels int64) int64 { return 16*levels + 4096 }

func dictOf[T int32 | int64](d *chunkDecoder) *[]T {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return (*[]T)(unsafe.Pointer(&d.d32))
	}
	return (*[]T)(unsafe.Pointer(&d.d64))
}

// decompress returns the uncompressed bytes of body, of size bytes.
func (d *chunkDecoder) decompress(body []byte, size int32, codec int8) ([]byte, error) {
	switch codec {
	case codecNone:
		if int(size) != len(body) {
			return nil, fmt.Errorf("%w: uncompressed page of %d bytes said to be %d", errChunk, len(body), size)
		}
		return body, nil
	case codecZstd:
		if d.zd == nil {
			zd, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(false))
			if err != nil {
				return nil, fmt.Errorf("genotypes: zstd: %w", err)
			}
			d.zd = zd
		}
		if cap(d.page) < int(size) {
			d.page = make([]byte, 0, max(int(size), 2*cap(d.page)))
		}
		out, err := d.zd.DecodeAll(body, d.page[:0])
		if err != nil {
			return nil, fmt.Errorf("%w: zstd: %w", errChunk, err)
		}
		if len(out) != int(size) {
			return nil, fmt.Errorf("%w: page of %d bytes said to be %d", errChunk, len(out), size)
		}
		d.page = out[:0]
		return out, nil
	}
	return nil, fmt.Errorf("%w: codec %d", errChunk, codec)
}

// dictPage decodes a dictionary page into dict.
func dictPage[T int32 | int64](d *chunkDecoder, body []byte, h pageHeader, sh colShape, dict *[]T) error {
	data, err := d.decompress(body, h.uncompressed, sh.codec)
	if err != nil {
		return err
	}
	if h.encoding != encPlain && h.encoding != encPlainDict {
		return fmt.Errorf("%w: dictionary encoding %d", errChunk, h.encoding)
	}
	*dict, err = appendPlain((*dict)[:0], data, int(h.numValues))
	return err
}

// dataPageV1 decodes a v1 data page: levels and values compressed
// together, each level run prefixed by its length.
func dataPageV1[T int32 | int64](d *chunkDecoder, body []byte, h pageHeader, sh colShape, out *chunkOut[T], dict *[]T, haveDict bool) error {
	data, err := d.decompress(body, h.uncompressed, sh.codec)
	if err != nil {
		return err
	}
	n := int(h.numValues)
	if sh.maxRep > 0 {
		if data, err = levelsV1(data, h.repEncoding, sh.maxRep, n, &out.rep); err != nil {
			return err
		}
	}
	nv := n
	if sh.maxDef > 0 {
		if data, err = levelsV1(data, h.defEncoding, sh.maxDef, n, &out.def); err != nil {
			return err
		}
		nv = countDefined(out.def[len(out.def)-n:], int32(sh.maxDef))
	}
	return appendValues(d, data, h.encoding, nv, out, *dict, haveDict)
}

// dataPageV2 decodes a v2 data page: levels uncompressed, then the values,
// compressed or not.
func dataPageV2[T int32 | int64](d *chunkDecoder, body []byte, h pageHeader, sh colShape, out *chunkOut[T], dict *[]T, haveDict bool) error {
	lv := int(h.repBytes) + int(h.defBytes)
	if lv > len(body) {
		return fmt.Errorf("%w: levels of %d bytes in a page of %d", errChunk, lv, len(body))
	}
	n := int(h.numValues)
	var err error
	if sh.maxRep > 0 {
		if out.rep, err = appendHybrid(out.rep, body[:h.repBytes], bitWidth(sh.maxRep), n, int32(sh.maxRep)); err != nil {
			return err
		}
	}
	nv := n
	if sh.maxDef > 0 {
		if out.def, err = appendHybrid(out.def, body[h.repBytes:lv], bitWidth(sh.maxDef), n, int32(sh.maxDef)); err != nil {
			return err
		}
		nv = countDefined(out.def[len(out.def)-n:], int32(sh.maxDef))
	}
	vals := body[lv:]
	if h.v2Compressed {
		if vals, err = d.decompress(vals, h.uncompressed-int32(lv), sh.codec); err != nil {
			return err
		}
	}
	return appendValues(d, vals, h.encoding, nv, out, *dict, haveDict)
}

// levelsV1 decodes n RLE levels (4-byte length, then the hybrid runs) at
// the start of data into *dst and returns the rest of data.
func levelsV1(data []byte, enc int32, maxLevel int16, n int, dst *[]int32) ([]byte, error) {
	if enc != encRLE {
		return nil, fmt.Errorf("%w: level encoding %d", errChunk, enc)
	}
	if len(data) < 4 {
		return nil, fmt.Errorf("%w: levels cut short", errChunk)
	}
	m := binary.LittleEndian.Uint32(data)
	if uint64(m) > uint64(len(data)-4) {
		return nil, fmt.Errorf("%w: levels of %d bytes in %d", errChunk, m, len(data)-4)
	}
	var err error
	*dst, err = appendHybrid(*dst, data[4:4+m], bitWidth(maxLevel), n, int32(maxLevel))
	return data[4+m:], err
}

func bitWidth(maxLevel int16) int { return bits.Len16(uint16(maxLevel)) }

// countDefined counts the levels equal to maxDef (a value each).
func countDefined(def []int32, maxDef int32) int {
	n := 0
	for _, d := range def {
		if d == maxDef {
			n++
		}
	}
	return n
}

// appendValues decodes nv values of a page in encoding enc.
func appendValues[T int32 | int64](d *chunkDecoder, data []byte, enc int32, nv int, out *chunkOut[T], dict []T, haveDict bool) error {
	var err error
	switch enc {
	case encPlain:
		out.v, err = appendPlain(out.v, data, nv)
	case encPlainDict, encRLEDict:
		if !haveDict {
			return fmt.Errorf("%w: dictionary-encoded page without a dictionary", errChunk)
		}
		out.v, err = appendDict(d, out.v, data, nv, dict)
	case encDeltaBin:
		out.v, err = appendDelta(out.v, data, nv)
	default:
		err = fmt.Errorf("%w: value encoding %d", errChunk, enc)
	}
	return err
}

// appendPlain appends n little-endian values from data.
func appendPlain[T int32 | int64](dst []T, data []byte, n int) ([]T, error) {
	var z T
	size := int(unsafe.Sizeof(z))
	if n < 0 || n > len(data)/size {
		return dst, fmt.Errorf("%w: %d plain values in %d bytes", errChunk, n, len(data))
	}
	at := len(dst)
	dst = growLen(dst, n)
	for i := range n {
		if size == 4 {
			dst[at+i] = T(int32(binary.LittleEndian.Uint32(data[4*i:])))
		} else {
			dst[at+i] = T(int64(binary.LittleEndian.Uint64(data[8*i:])))
		}
	}
	return dst, nil
}

// growLen returns s extended by n elements (their values unspecified).
func growLen[T any](s []T, n int) []T {
	if need := len(s) + n; need > cap(s) {
		ns := make([]T, len(s), max(need, 2*cap(s)))
		copy(ns, s)
		s = ns
	}
	return s[:len(s)+n]
}

// appendDict appends n values given as dictionary indices (a bit-width
// byte, then hybrid runs).
func appendDict[T int32 | int64](d *chunkDecoder, dst []T, data []byte, n int, dict []T) ([]T, error) {
	if n == 0 {
		return dst, nil
	}
	if len(data) < 1 || data[0] > 32 {
		return dst, fmt.Errorf("%w: dictionary indices' bit width", errChunk)
	}
	var err error
	d.idx, err = appendHybrid(d.idx[:0], data[1:], int(data[0]), n, int32(len(dict)-1))
	if err != nil {
		return dst, err
	}
	at := len(dst)
	dst = growLen(dst, n)
	for i, k := range d.idx {
		dst[at+i] = dict[k]
	}
	return dst, nil
}

// appendHybrid appends n values of the RLE / bit-packed hybrid encoding
// of width w in data, each checked to be at most maxV (and not negative).
func appendHybrid(dst []int32, data []byte, w, n int, maxV int32) ([]int32, error) {
	if w > 32 {
		return dst, fmt.Errorf("%w: bit width %d", errChunk, w)
	}
	at := len(dst)
	dst = growLen(dst, n)
	out := dst[at:]
	for len(out) > 0 {
		h, k := binary.Uvarint(data)
		if k <= 0 {
			return dst, fmt.Errorf("%w: hybrid run header cut short", errChunk)
		}
		data = data[k:]
		if h&1 == 0 { // RLE run
			cnt, nb := h>>1, (w+7)/8
			if cnt == 0 || len(data) < nb {
				return dst, fmt.Errorf("%w: bad RLE run", errChunk)
			}
			var v uint32
			for i := range nb {
				v |= uint32(data[i]) << (8 * i)
			}
			data = data[nb:]
			if int32(v) > maxV || int32(v) < 0 {
				return dst, fmt.Errorf("%w: value %d above %d", errChunk, v, maxV)
			}
			m := int(min(cnt, uint64(len(out))))
			for i := range m {
				out[i] = int32(v)
			}
			out = out[m:]
			continue
		}
		groups := h >> 1
		if groups == 0 || groups > uint64(len(data)) {
			return dst, fmt.Errorf("%w: bad bit-packed run", errChunk)
		}
		nbytes := int(groups) * w
		if nbytes > len(data) {
			return dst, fmt.Errorf("%w: bit-packed run cut short", errChunk)
		}
		m := min(int(groups)*8, len(out))
		if err := unpack(data[:nbytes], w, out[:m], maxV); err != nil {
			return dst, err
		}
		data = data[nbytes:]
		out = out[m:]
	}
	return dst, nil
}

// unpack reads len(dst) values of w bits, least significant first, from
// b (which holds at least len(dst)*w bits), each at most maxV.
func unpack(b []byte, w int, dst []int32, maxV int32) error {
	if w == 0 {
		clear(dst)
		return nil
	}
	if w <= 8 {
		return unpackNarrow(b, w, dst, maxV)
	}
	return unpackWide(b, w, dst, maxV)
}

// unpackWide is unpack a value at a time.
func unpackWide(b []byte, w int, dst []int32, maxV int32) error {
	mask := uint64(1)<<w - 1
	var acc uint64
	var nb, j int
	bad := false
	for i := range dst {
		for nb < w {
			acc |= uint64(b[j]) << nb
			j++
			nb += 8
		}
		v := int32(acc & mask)
		bad = bad || v > maxV || v < 0
		dst[i] = v
		acc >>= w
		nb -= w
	}
	if bad {
		return fmt.Errorf("%w: packed value above %d", errChunk, maxV)
	}
	return nil
}

// unpackNarrow is unpack for widths up to 8 bits (levels, most
// dictionary indices), a group of 8 values (w bytes) at a time.
func unpackNarrow(b []byte, w int, dst []int32, maxV int32) error {
	if maxV < 0 {
		return fmt.Errorf("%w: packed values where none may be", errChunk)
	}
	mask := uint64(1)<<w - 1
	var over uint64 // values above maxV, or'ed: nonzero is an error
	i, j := 0, 0
	var tmp [8]byte
	for ; i < len(dst); i, j = i+8, j+w {
		var x uint64
		if j+8 <= len(b) {
			x = binary.LittleEndian.Uint64(b[j:])
		} else {
			copy(tmp[:], b[j:min(j+w, len(b))])
			x = binary.LittleEndian.Uint64(tmp[:])
			clear(tmp[:])
		}
		n := min(8, len(dst)-i)
		for k := range n {
			v := (x >> (k * w)) & mask
			over |= v &^ uint64(maxV) // cheap: maxV+1 is rarely a power of two, checked exactly below
			dst[i+k] = int32(v)
		}
	}
	if over != 0 {
		for _, v := range dst {
			if v > maxV {
				return fmt.Errorf("%w: packed value above %d", errChunk, maxV)
			}
		}
	}
	return nil
}

// appendDelta appends n values of DELTA_BINARY_PACKED data (widths up to
// 32 bits for int32, 64 for int64; arithmetic wraps as the writer's).
func appendDelta[T int32 | int64](dst []T, data []byte, n int) ([]T, error) {
	r := thriftReader{b: data}
	blockSize, minis, total := r.uvarint(), r.uvarint(), r.uvarint()
	first := r.varint()
	if r.err != nil || minis == 0 || blockSize == 0 || blockSize%minis != 0 || (blockSize/minis)%32 != 0 || blockSize > 1<<16 {
		return dst, fmt.Errorf("%w: bad delta header", errChunk)
	}
	if total != uint64(n) {
		return dst, fmt.Errorf("%w: %d delta values for %d", errChunk, total, n)
	}
	if n == 0 {
		return dst, nil
	}
	var z T
	maxW := int(unsafe.Sizeof(z)) * 8
	per := int(blockSize / minis)
	at := len(dst)
	dst = growLen(dst, n)
	out := dst[at:]
	out[0] = T(first)
	prev, k := T(first), 1
	for k < n {
		minDelta := T(r.varint())
		if r.err != nil || uint64(len(data)-r.pos) < minis {
			return dst, fmt.Errorf("%w: delta block cut short", errChunk)
		}
		widths := data[r.pos : r.pos+int(minis)]
		r.pos += int(minis)
		for _, w := range widths {
			if k >= n {
				break
			}
			if int(w) > maxW {
				return dst, fmt.Errorf("%w: delta bit width %d", errChunk, w)
			}
			nbytes := per * int(w) / 8
			if nbytes > len(data)-r.pos {
				return dst, fmt.Errorf("%w: delta miniblock cut short", errChunk)
			}
			k, prev = unpackDeltas(data[r.pos:r.pos+nbytes], int(w), per, out, k, prev, minDelta)
			r.pos += nbytes
		}
	}
	return dst, nil
}

// unpackDeltas adds a miniblock of per deltas of w bits to prev, writing
// the values to out from k on (as many as fit), and returns the next k and
// the last value.
func unpackDeltas[T int32 | int64](b []byte, w, per int, out []T, k int, prev, minDelta T) (int, T) {
	var acc uint64
	var nb uint
	j := 0
	for i := 0; i < per && k < len(out); i++ {
		var v uint64
		if w > 0 {
			got := 0
			for got < w { // a value of up to 64 bits, in pieces
				if nb == 0 {
					acc, nb = uint64(b[j]), 8
					j++
				}
				take := min(uint(w-got), nb)
				v |= (acc & (1<<take - 1)) << got
				acc >>= take
				nb -= take
				got += int(take)
			}
		}
		prev += minDelta + T(v)
		out[k] = prev
		k++
	}
	return k, prev
}
