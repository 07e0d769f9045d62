package risk

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/varamu/varamu/risk/pgs"
)

// matchColumns are the columns of a chunk of risk_matches rows, filled
// as plain slices and handed to arrow as they are (no builder call per
// row and column); reused from one chunk to the next. The record made of
// them (record) is valid until the next fill.
type matchColumns struct {
	v      pgs.Columns
	rsOff  []int32
	rsData []byte
	// orient, ref, alts, alt and reason are dictionary indices; zeros
	// those of the columns of one value (score_id, score_version).
	orient, ref, alts, alt, reason, zeros []int32
	index, missing                        []int64
	freq                                  []float64
	freqValid, dom, rec                   []byte // bitmaps
	freqNulls                             int
	// reasons is the dictionary of reason: fixedReasons, then the allele
	// mismatches' texts of the chunk, each once (reasonAt).
	reasons  []string
	reasonAt map[string]int32
}

// fixedReasons are the reasons every chunk's dictionary of reason starts
// with: none, no site, then ambiguousWhys.
var fixedReasons = append([]string{"", whyNoSiteText}, ambiguousWhys[:]...)

// fill makes the columns of r's variants from to to-1.
func (c *matchColumns) fill(r *ScoreResult, from, to int) {
	n := to - from
	c.v.Reset()
	r.Variants.AppendColumns(&c.v, from, to)
	c.rsOff, c.rsData = append(c.rsOff[:0], 0), c.rsData[:0]
	for j := from; j < to; j++ {
		c.rsData = r.Variants.AppendRsID(c.rsData, j)
		c.rsOff = append(c.rsOff, int32(len(c.rsData)))
	}
	c.orient, c.ref, c.alts, c.alt, c.reason = c.orient[:0], c.ref[:0], c.alts[:0], c.alt[:0], c.reason[:0]
	c.index, c.missing, c.freq = c.index[:0], c.missing[:0], c.freq[:0]
	c.freqValid, c.freqNulls = bitmap(c.freqValid, n), 0
	c.startReasons()
	for j := from; j < to; j++ {
		m := r.matches.at(j)
		c.orient = append(c.orient, int32(m.orient))
		c.reason = append(c.reason, c.reasonOf(r, j, m.why))
		c.ref, c.alts, c.alt = append(c.ref, int32(m.ref)), append(c.alts, int32(m.alts)), append(c.alt, int32(m.alt))
		c.index, c.missing = append(c.index, int64(m.index)), append(c.missing, int64(m.missing))
		c.freq = append(c.freq, m.freq)
		if !math.IsNaN(m.freq) && !math.IsInf(m.freq, 0) {
			c.freqValid[(j-from)/8] |= 1 << ((j - from) % 8)
		} else {
			c.freqNulls++
		}
	}
	c.dom, c.rec = bitsOf(c.dom, c.v.Dominant), bitsOf(c.rec, c.v.Recessive)
	for len(c.zeros) < n {
		c.zeros = append(c.zeros, 0)
	}
}

// startReasons resets the dictionary of reason to fixedReasons.
func (c *matchColumns) startReasons() {
	c.reasons = append(c.reasons[:0], fixedReasons...)
	if c.reasonAt == nil {
		c.reasonAt = map[string]int32{}
	}
	clear(c.reasonAt)
	for i, s := range fixedReasons {
		c.reasonAt[s] = int32(i)
	}
}

// reasonOf returns the index of variant j's reason (why) in c.reasons,
// adding an allele mismatch's text.
func (c *matchColumns) reasonOf(r *ScoreResult, j int, why uint8) int32 {
	switch why {
	case whyNone:
		return 0
	case whyNoSite:
		return 1
	case whyMismatch:
		text := r.matches.why(j)
		i, ok := c.reasonAt[text]
		if !ok {
			i = int32(len(c.reasons))
			c.reasons = append(c.reasons, text)
			c.reasonAt[text] = i
		}
		return i
	}
	return 2 + int32(why-whyAmbiguous)
}

// bitmap returns a zeroed bitmap of n bits in b's memory, padded to 64
// bytes (as arrow pads its buffers).
func bitmap(b []byte, n int) []byte {
	size := (n + 511) / 512 * 64
	if cap(b) < size {
		return make([]byte, size)
	}
	b = b[:size]
	clear(b)
	return b
}

// bitsOf returns the bitmap of bs in b's memory.
func bitsOf(b []byte, bs []bool) []byte {
	b = bitmap(b, len(bs))
	for i, x := range bs {
		if x {
			b[i/8] |= 1 << (i % 8)
		}
	}
	return b
}

// record returns the rows as a record of matchesSchema, its dictionary
// columns indices into d's dictionaries and the chunk's reasons.
func (c *matchColumns) record(d *matchDicts) arrow.RecordBatch {
	n := len(c.orient)
	reasons := stringArray(memory.DefaultAllocator, c.reasons)
	defer reasons.Release()
	dict := func(idx []int32, values arrow.Array) arrow.Array {
		ia := fixedArray(arrow.PrimitiveTypes.Int32, n, arrow.GetBytes(idx[:n]), nil, 0)
		defer ia.Release()
		return array.NewDictionaryArray(dictString, ia, values)
	}
	i64 := func(v []int64) arrow.Array {
		return fixedArray(arrow.PrimitiveTypes.Int64, n, arrow.GetBytes(v), nil, 0)
	}
	f64 := func(v []float64, valid []byte, nulls int) arrow.Array {
		return fixedArray(arrow.PrimitiveTypes.Float64, n, arrow.GetBytes(v), valid, nulls)
	}
	bools := func(b []byte) arrow.Array { return fixedArray(arrow.FixedWidthTypes.Boolean, n, b, nil, 0) }
	var valid []byte
	if c.freqNulls > 0 {
		valid = c.freqValid
	}
	cols := []arrow.Array{
		dict(c.zeros, d.id), dict(c.zeros, d.version), i64(c.v.Line), stringColumn(c.rsOff, c.rsData), dict(c.v.Chrom, d.chrom),
		i64(c.v.Pos), dict(c.v.Effect, d.alleles), dict(c.v.Other, d.alleles),
		f64(c.v.Weight, nil, 0), bools(c.dom), bools(c.rec),
		dict(c.orient, d.orients), dict(c.reason, reasons), dict(c.ref, d.store), dict(c.alts, d.store), dict(c.alt, d.store),
		i64(c.index), f64(c.freq, valid, c.freqNulls), i64(c.missing),
	}
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	return array.NewRecordBatch(matchesSchema, cols, int64(n))
}

// fixedArray is an array of n values of type t over values (and
// validity, a bitmap, when nulls > 0), which it does not copy.
func fixedArray(t arrow.DataType, n int, values, validity []byte, nulls int) arrow.Array {
	var vb *memory.Buffer
	if nulls > 0 {
		vb = memory.NewBufferBytes(validity)
	}
	data := array.NewData(t, n, []*memory.Buffer{vb, memory.NewBufferBytes(values)}, nil, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// stringColumn is a string array of offsets off over data, not copied.
func stringColumn(off []int32, data []byte) arrow.Array {
	d := array.NewData(arrow.BinaryTypes.String, len(off)-1,
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.GetBytes(off)), memory.NewBufferBytes(data)}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d)
}
