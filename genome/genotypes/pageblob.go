package genotypes

import (
	"encoding/binary"
	"fmt"
)

// The page decoder's reading of a required BYTE_ARRAY column written
// PLAIN (the site-major table's rows, sitecalls.go): each value a 4-byte
// little-endian length and its bytes, no levels. Anything else is refused.

// blobOut is a decoded BYTE_ARRAY column chunk: value i is
// data[off[i]:off[i+1]].
type blobOut struct {
	off  []int32
	data []byte
}

// at returns value i.
func (o *blobOut) at(i int) []byte { return o.data[o.off[i]:o.off[i+1]] }

// decodeBlobChunk decodes the pages in b, a whole column chunk of a
// required BYTE_ARRAY column of sh.levels values, each at most maxValue
// bytes, into out (reset first).
func decodeBlobChunk(d *chunkDecoder, b []byte, sh colShape, maxValue int64, out *blobOut) error {
	out.off, out.data = append(out.off[:0], 0), out.data[:0]
	if sh.maxDef != 0 || sh.maxRep != 0 {
		return fmt.Errorf("%w: a byte array column with levels", errChunk)
	}
	var values int64
	for len(b) > 0 {
		h, n, err := parsePageHeader(b)
		if err != nil {
			return err
		}
		b = b[n:]
		if int64(h.compressed) > int64(len(b)) {
			return fmt.Errorf("%w: page of %d bytes past the chunk's end", errChunk, h.compressed)
		}
		body := b[:h.compressed]
		b = b[h.compressed:]
		if h.typ != pageData && h.typ != pageDataV2 {
			return fmt.Errorf("%w: page of type %d in a byte array column", errChunk, h.typ)
		}
		if values += int64(h.numValues); values > sh.levels || h.numValues < 0 {
			return fmt.Errorf("%w: more values than the %d in the metadata", errChunk, sh.levels)
		}
		// Checked before anything is allocated for it: a damaged header
		// cannot ask for gigabytes.
		if int64(h.uncompressed) > int64(h.numValues)*(maxValue+4)+4096 {
			return fmt.Errorf("%w: page of %d bytes for %d values of at most %d", errChunk, h.uncompressed, h.numValues, maxValue)
		}
		if err := blobPage(d, body, h, sh, maxValue, out); err != nil {
			return err
		}
	}
	if int64(len(out.off)-1) != sh.levels {
		return fmt.Errorf("%w: %d values for %d in the metadata", errChunk, len(out.off)-1, sh.levels)
	}
	return nil
}

// blobPage appends the values of one data page (v1 or v2, no levels).
func blobPage(d *chunkDecoder, body []byte, h pageHeader, sh colShape, maxValue int64, out *blobOut) error {
	switch {
	case h.typ == pageData && !h.hasData, h.typ == pageDataV2 && !h.hasDataV2:
		return fmt.Errorf("%w: page of type %d without its header", errChunk, h.typ)
	case h.encoding != encPlain:
		return fmt.Errorf("%w: byte array encoding %d", errChunk, h.encoding)
	case h.typ == pageDataV2 && (h.repBytes != 0 || h.defBytes != 0):
		return fmt.Errorf("%w: levels in a required byte array column", errChunk)
	}
	data := body
	if h.typ == pageData || h.v2Compressed {
		var err error
		if data, err = d.decompress(body, h.uncompressed, sh.codec); err != nil {
			return err
		}
	}
	for range h.numValues {
		if len(data) < 4 {
			return fmt.Errorf("%w: byte array value cut short", errChunk)
		}
		n := binary.LittleEndian.Uint32(data)
		if int64(n) > maxValue || int(n) > len(data)-4 {
			return fmt.Errorf("%w: byte array value of %d bytes (at most %d, %d left)", errChunk, n, maxValue, len(data)-4)
		}
		out.data = append(out.data, data[4:4+n]...)
		out.off = append(out.off, int32(len(out.data)))
		data = data[4+n:]
	}
	if len(data) != 0 {
		return fmt.Errorf("%w: %d bytes after a page's values", errChunk, len(data))
	}
	return nil
}
