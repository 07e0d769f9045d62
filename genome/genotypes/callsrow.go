package genotypes

import (
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The one decoder of a stored calls row (see callsSchema), shared by the
// per-sample read (decodeCalls) and the dense read (DenseSitesAt): a record
// batch's columns, one row's plane, levels and listed exceptions, the code
// at one block offset, and a block's wanted samples into a caller's values.
// The row encoding is read here only.

// callsRow is one decoded row of calls.parquet (see callsSchema): the
// plane (nil for a difference list), its levels, and the listed
// exceptions (block offsets and codes).
type callsRow struct {
	words                  []int64
	levels, samples, codes []int32
}

// plane returns the 2-bit plane value of block offset off.
func (r callsRow) plane(off int32) int64 { return (r.words[off/32] >> (2 * (off % 32))) & 3 }

// callsCols are the columns of one record batch of calls.parquet. A read
// may hold only some plane columns (callsColumns): the words of the others
// are 0 here, right only for the samples of the words read.
type callsCols struct {
	site, from []int32
	ll, sl, cl *array.List
	dense      []bool  // the row is dense
	dv         []int64 // planeWords words a row
	lv, sv, cv []int32
}

func newCallsCols(rec arrow.RecordBatch) callsCols {
	var c callsCols
	n := int(rec.NumRows())
	c.dense = make([]bool, n)
	c.dv = make([]int64, n*planeWords)
	for i, f := range rec.Schema().Fields() {
		col := rec.Column(i)
		switch f.Name {
		case "site":
			c.site = col.(*array.Int32).Int32Values()
		case "sample_from":
			c.from = col.(*array.Int32).Int32Values()
		case "levels":
			c.ll = col.(*array.List)
			c.lv = c.ll.ListValues().(*array.Int32).Int32Values()
		case "samples":
			c.sl = col.(*array.List)
			c.sv = slices.Clone(c.sl.ListValues().(*array.Int32).Int32Values())
			ungapRows(c.sv, c.sl.Offsets())
		case "codes":
			c.cl = col.(*array.List)
			c.cv = c.cl.ListValues().(*array.Int32).Int32Values()
		default:
			if d, ok := strings.CutPrefix(f.Name, "plane"); ok {
				if k, err := strconv.Atoi(d); err == nil && k >= 0 && k < planeWords {
					c.setPlane(k, col.(*array.Int64))
				}
			}
		}
	}
	return c
}

// setPlane copies plane column k into the rows' words; a non-null word
// marks its row dense.
func (c *callsCols) setPlane(k int, a *array.Int64) {
	vals := a.Int64Values()
	for i, v := range vals {
		if a.IsValid(i) {
			c.dense[i] = true
			c.dv[i*planeWords+k] = v
		}
	}
}

// ungapRows turns the gap-coded samples lists of a row group (layout 7:
// the first offset, then the distance of each from the one before) back
// into block offsets, in place: row i's values are v[off[i]:off[i+1]].
func ungapRows(v, off []int32) {
	for i := 0; i+1 < len(off); i++ {
		row := v[off[i]:off[i+1]]
		for j := 1; j < len(row); j++ {
			row[j] += row[j-1]
		}
	}
}

// row returns row i.
func (c *callsCols) row(i int) callsRow {
	sa, se := c.sl.ValueOffsets(i)
	ca, ce := c.cl.ValueOffsets(i)
	r := callsRow{samples: c.sv[sa:se], codes: c.cv[ca:ce]}
	if c.dense[i] {
		la, le := c.ll.ValueOffsets(i)
		r.words, r.levels = c.dv[i*planeWords:(i+1)*planeWords], c.lv[la:le]
	}
	return r
}

// code returns the stored code (phase relative to the site default) of
// block offset off, and false when the row leaves off at its expected
// genotype.
func (r callsRow) code(off int32) (int32, bool) {
	if k, found := slices.BinarySearch(r.samples, off); found {
		return r.codes[k], true
	}
	if r.words != nil {
		if v := r.plane(off); v != 0 {
			return r.levels[v-1], true
		}
	}
	return 0, false
}

// fillPlane decodes a plane (nil: all expected) into out, the block's
// samples in order, 32 samples a word; a zero word (all expected) is a
// fill.
func fillPlane[T any](out []T, words []int64, lut *[4]T) {
	var expected [32]T
	for j := range expected {
		expected[j] = lut[0]
	}
	for w := 0; w < len(out); w += 32 {
		seg := out[w:min(w+32, len(out))]
		var word uint64
		if words != nil {
			word = uint64(words[w/32])
		}
		if word == 0 {
			copy(seg, expected[:])
			continue
		}
		for j := range seg {
			seg[j] = lut[word&3]
			word >>= 2
		}
	}
}

// fillBlock decodes one block's row (the zero row: no exceptions) for its
// wanted samples: the expected genotype or the plane's level, the haploid
// form of the default for haploid samples the plane leaves expected, then
// the listed exceptions. Stored codes are phase relative to def.
func fillBlock[T any](dst []T, bw *blockWant, r callsRow, def int32, exp, hapExp T, hapOffs []int32, conv func(int32) T) {
	lut := [4]T{exp, exp, exp, exp}
	for l, c := range r.levels {
		lut[l+1] = conv(PhaseRelative(c, def))
	}
	switch {
	case bw.whole >= 0:
		fillPlane(dst[bw.whole:bw.whole+int32(len(bw.offs))], r.words, &lut)
	case r.words == nil:
		for _, o := range bw.outs {
			dst[o] = exp
		}
	default:
		for j, off := range bw.offs {
			dst[bw.outs[j]] = lut[r.plane(off)]
		}
	}
	for _, off := range hapOffs {
		if r.words == nil || r.plane(off) == 0 {
			dst[bw.posOf[off]] = hapExp
		}
	}
	for i, off := range r.samples {
		if o := bw.posOf[off]; o >= 0 {
			dst[o] = conv(PhaseRelative(r.codes[i], def))
		}
	}
}
