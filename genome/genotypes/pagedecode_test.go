package genotypes

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// decoderSchema covers what the calls writer produces and more: flat and
// nullable columns, lists, in every encoding the decoder reads.
var decoderSchema = arrow.NewSchema([]arrow.Field{
	{Name: "plain32", Type: arrow.PrimitiveTypes.Int32},
	{Name: "delta32", Type: arrow.PrimitiveTypes.Int32},
	{Name: "delta64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "opt64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "dict32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "list32", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
	{Name: "nlist32", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
	{Name: "list64", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)},
}, nil)

// decoderFile writes rows random rows of decoderSchema as a Parquet file
// with the given page version and codec, small pages, and returns it.
func decoderFile(t testing.TB, rng *rand.Rand, rows int, v2 bool, codec compress.Compression) []byte {
	version := parquet.DataPageV1
	if v2 {
		version = parquet.DataPageV2
	}
	props := parquet.NewWriterProperties(
		parquet.WithDataPageVersion(version),
		parquet.WithCompression(codec),
		parquet.WithDataPageSize(512),
		parquet.WithMaxRowGroupLength(int64(rows/2+1)),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor("dict32", true),
		parquet.WithDictionaryFor("list32.list.element", true),
		parquet.WithDictionaryFor("nlist32.list.element", true),
		parquet.WithEncodingFor("delta32", parquet.Encodings.DeltaBinaryPacked),
		parquet.WithEncodingFor("delta64", parquet.Encodings.DeltaBinaryPacked),
	)
	b := array.NewRecordBuilder(memory.DefaultAllocator, decoderSchema)
	defer b.Release()
	int32s := func() int32 {
		switch rng.IntN(4) {
		case 0:
			return int32(rng.Uint32())
		case 1:
			return []int32{math.MinInt32, math.MaxInt32, 0, -1}[rng.IntN(4)]
		}
		return int32(rng.IntN(300))
	}
	int64s := func() int64 {
		if rng.IntN(3) == 0 {
			return []int64{math.MinInt64, math.MaxInt64, 0, -1}[rng.IntN(4)]
		}
		return int64(rng.Uint64() >> rng.IntN(64))
	}
	for range rows {
		b.Field(0).(*array.Int32Builder).Append(int32s())
		b.Field(1).(*array.Int32Builder).Append(int32s())
		for _, f := range []int{2, 3} {
			if rng.IntN(3) == 0 {
				b.Field(f).AppendNull()
			} else {
				b.Field(f).(*array.Int64Builder).Append(int64s())
			}
		}
		if rng.IntN(4) == 0 {
			b.Field(4).AppendNull()
		} else {
			b.Field(4).(*array.Int32Builder).Append(int32(rng.IntN(5)))
		}
		for _, f := range []int{5, 6, 7} {
			lb := b.Field(f).(*array.ListBuilder)
			if f == 6 && rng.IntN(4) == 0 {
				lb.AppendNull()
				continue
			}
			lb.Append(true)
			for range rng.IntN(6) {
				if f == 7 {
					lb.ValueBuilder().(*array.Int64Builder).Append(int64s())
				} else {
					lb.ValueBuilder().(*array.Int32Builder).Append(int32(rng.IntN(40)))
				}
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(decoderSchema, &buf, props, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// chunkBytes returns column col of row group g of a Parquet file and its
// shape.
func chunkBytes(t testing.TB, pf *file.Reader, data []byte, g, col int) ([]byte, colShape) {
	cc, err := pf.MetaData().RowGroup(g).ColumnChunk(col)
	if err != nil {
		t.Fatal(err)
	}
	off := cc.DataPageOffset()
	if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && cc.DictionaryPageOffset() < off {
		off = cc.DictionaryPageOffset()
	}
	d := pf.MetaData().Schema.Column(col)
	sh := colShape{maxDef: d.MaxDefinitionLevel(), maxRep: d.MaxRepetitionLevel(), levels: cc.NumValues()}
	if cc.Compression() == compress.Codecs.Zstd {
		sh.codec = codecZstd
	}
	return data[off : off+cc.TotalCompressedSize()], sh
}

// arrowChunk reads column col of row group g with arrow's column reader:
// its values and, when the column has them, its levels.
func arrowChunk[T int32 | int64](t testing.TB, pf *file.Reader, g, col int, n int64) chunkOut[T] {
	cr, err := pf.RowGroup(g).Column(col)
	if err != nil {
		t.Fatal(err)
	}
	vals, def, rep := make([]T, n), make([]int16, n), make([]int16, n)
	var got int64
	var nv int
	switch r := cr.(type) {
	case *file.Int32ColumnChunkReader:
		got, nv, err = r.ReadBatch(n, any(vals).([]int32), def, rep)
	case *file.Int64ColumnChunkReader:
		got, nv, err = r.ReadBatch(n, any(vals).([]int64), def, rep)
	}
	if err != nil || got != n {
		t.Fatalf("arrow read %d of %d levels: %v", got, n, err)
	}
	var out chunkOut[T]
	out.v = vals[:nv]
	d := cr.Descriptor()
	if d.MaxDefinitionLevel() > 0 {
		for _, x := range def {
			out.def = append(out.def, int32(x))
		}
	}
	if d.MaxRepetitionLevel() > 0 {
		for _, x := range rep {
			out.rep = append(out.rep, int32(x))
		}
	}
	return out
}

func checkChunk[T int32 | int64](t *testing.T, d *chunkDecoder, pf *file.Reader, data []byte, g, col int) {
	b, sh := chunkBytes(t, pf, data, g, col)
	var got chunkOut[T]
	if err := decodeChunk(d, b, sh, &got); err != nil {
		t.Fatalf("row group %d column %d: %v", g, col, err)
	}
	want := arrowChunk[T](t, pf, g, col, sh.levels)
	if !slices.Equal(got.v, want.v) || !slices.Equal(got.def, want.def) || !slices.Equal(got.rep, want.rep) {
		t.Fatalf("row group %d column %d: decoded\n%v %v %v\narrow\n%v %v %v", g, col, got.v, got.def, got.rep, want.v, want.def, want.rep)
	}
}

// TestDecodeChunkEqualsArrow holds the dense read's column chunk decoder
// equal to arrow's column readers on random files of every encoding,
// page version and codec it reads.
func TestDecodeChunkEqualsArrow(t *testing.T) {
	for seed := range uint64(6) {
		for _, v2 := range []bool{false, true} {
			for _, codec := range []compress.Compression{compress.Codecs.Zstd, compress.Codecs.Uncompressed} {
				t.Run(fmt.Sprintf("seed%d/v2=%v/%s", seed, v2, codec), func(t *testing.T) {
					rng := rand.New(rand.NewPCG(seed, 7))
					data := decoderFile(t, rng, 50+rng.IntN(3000), v2, codec)
					pf, err := file.NewParquetReader(bytes.NewReader(data))
					if err != nil {
						t.Fatal(err)
					}
					var d chunkDecoder // reused across chunks, as the dense read does
					for g := range pf.NumRowGroups() {
						for col := range pf.MetaData().Schema.NumColumns() {
							if pf.MetaData().Schema.Column(col).PhysicalType() == parquet.Types.Int64 {
								checkChunk[int64](t, &d, pf, data, g, col)
							} else {
								checkChunk[int32](t, &d, pf, data, g, col)
							}
						}
					}
				})
			}
		}
	}
}

// TestDecodeChunkRefusesDamage: a chunk cut short, a page past its end, a
// level count other than the metadata's, an unknown codec: each an error.
func TestDecodeChunkRefusesDamage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := decoderFile(t, rng, 400, false, compress.Codecs.Zstd)
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b, sh := chunkBytes(t, pf, data, 0, 5)
	var d chunkDecoder
	var out chunkOut[int32]
	cases := map[string]func() ([]byte, colShape){
		"cut short":      func() ([]byte, colShape) { return b[:len(b)-3], sh },
		"header only":    func() ([]byte, colShape) { return b[:5], sh },
		"more levels":    func() ([]byte, colShape) { s := sh; s.levels++; return b, s },
		"unknown codec":  func() ([]byte, colShape) { s := sh; s.codec = 9; return b, s },
		"not compressed": func() ([]byte, colShape) { s := sh; s.codec = codecNone; return b, s },
		"flipped byte": func() ([]byte, colShape) {
			c := slices.Clone(b)
			c[len(c)/2] ^= 0xFF
			return c, sh
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			c, s := f()
			if err := decodeChunk(&d, c, s, &out); err == nil {
				t.Fatal("decoded a damaged chunk")
			}
		})
	}
}

// FuzzDecodeChunk: any bytes as a column chunk of any shape decode or give
// an error, never panic, and a decoded chunk has the levels it says.
func FuzzDecodeChunk(f *testing.F) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, v2 := range []bool{false, true} {
		data := decoderFile(f, rng, 200, v2, compress.Codecs.Zstd)
		pf, err := file.NewParquetReader(bytes.NewReader(data))
		if err != nil {
			f.Fatal(err)
		}
		for col := range pf.MetaData().Schema.NumColumns() {
			b, sh := chunkBytes(f, pf, data, 0, col)
			f.Add(b, uint8(sh.maxDef), uint8(sh.maxRep), sh.levels, sh.codec == codecZstd)
		}
	}
	var d chunkDecoder // one zstd decoder for every input, as a reader keeps it
	f.Fuzz(func(t *testing.T, b []byte, maxDef, maxRep uint8, levels int64, zstd bool) {
		sh := colShape{maxDef: int16(maxDef % 4), maxRep: int16(maxRep % 3), levels: levels % (1 << 16)}
		if zstd {
			sh.codec = codecZstd
		}
		var o32 chunkOut[int32]
		if err := decodeChunk(&d, b, sh, &o32); err == nil && sh.maxDef > 0 && int64(len(o32.def)) != sh.levels {
			t.Fatalf("%d levels decoded for %d", len(o32.def), levels)
		}
		var o64 chunkOut[int64]
		_ = decodeChunk(&d, b, sh, &o64)
	})
}

// FuzzPageHeader: any bytes parse as a page header or give an error,
// never panic nor read past them.
func FuzzPageHeader(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	data := decoderFile(f, rng, 100, true, compress.Codecs.Zstd)
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		f.Fatal(err)
	}
	for col := range pf.MetaData().Schema.NumColumns() {
		b, _ := chunkBytes(f, pf, data, 0, col)
		f.Add(b[:min(len(b), 64)])
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, n, err := parsePageHeader(b)
		if err == nil && (n <= 0 || n > len(b)) {
			t.Fatalf("header of %d bytes in %d", n, len(b))
		}
	})
}

// TestUnpackNarrowEqualsWide: the 8-values-at-a-time unpacking of widths
// up to 8 bits gives what the value-at-a-time one does, values above the
// maximum refused by both.
func TestUnpackNarrowEqualsWide(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for w := 1; w <= 8; w++ {
		for _, n := range []int{1, 7, 8, 9, 63, 200} {
			b := make([]byte, (n*w+7)/8)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			for _, maxV := range []int32{1<<w - 1, int32(rng.IntN(1 << w)), -1} {
				got, want := make([]int32, n), make([]int32, n)
				errN, errW := unpackNarrow(b, w, got, maxV), unpackWide(b, w, want, maxV)
				if (errN == nil) != (errW == nil) || errN == nil && !slices.Equal(got, want) {
					t.Fatalf("w %d n %d max %d: narrow %v %v, wide %v %v", w, n, maxV, got, errN, want, errW)
				}
			}
		}
	}
}
