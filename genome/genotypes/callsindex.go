package genotypes

import (
	"fmt"
	"os"
	"sync"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// The dense read locates the column chunks of calls files through a
// compact index of each file's footer, made once per file and kept by the
// batch (32 bytes a column chunk: a 1,000,000-site batch's calls file of
// 1,024 samples has 492 row groups of 13 columns, 205 KB), instead of
// parsing the footer on every window (a score reads each file once per
// window of loci).

// callsChunk is where one column chunk of a calls file lies.
type callsChunk struct {
	off, size int64 // its pages' bytes
	levels    int64 // its num_values
	codec     int8
}

// callsIndex is the compact footer of one calls file (or site-major
// calls file: its columns are given by a fileColumns).
type callsIndex struct {
	rows  []int64      // rows of each row group
	cols  []callsChunk // row group g's columns: cols[g*len(shape):]
	shape []colShape
	size  int64 // the file's
}

// callsColumnsN is the number of columns of a calls file.
const callsColumnsN = callsPlane0 + planeWords

// chunk returns column col of row group g.
func (x *callsIndex) chunk(g, col int) callsChunk { return x.cols[g*len(x.shape)+col] }

// fileColumns is what an index checks of a file's columns: their physical
// types, and the most levels a row may have (a bound on a damaged
// footer's sizes).
type fileColumns struct {
	what         string // "calls", "site calls"
	physical     []parquet.Type
	levelsPerRow func(samples int64) int64
}

// callsFileColumns are a calls file's columns.
var callsFileColumns = fileColumns{what: "calls", physical: callsPhysicals(),
	levelsPerRow: func(int64) int64 { return samplesPerBlock + 1 }}

// callsIndexes keeps the calls files' indexes of a batch.
type callsIndexes struct {
	mu sync.Mutex
	m  map[string]*callsIndex
}

// get returns the index of the calls file at path, made on first use.
func (c *callsIndexes) get(path string) (*callsIndex, error) {
	return c.getOf(path, &callsFileColumns, 0)
}

// getOf returns the index of the file at path with columns fc, made on
// first use (samples bounds its rows' levels).
func (c *callsIndexes) getOf(path string, fc *fileColumns, samples int64) (*callsIndex, error) {
	c.mu.Lock()
	x := c.m[path]
	c.mu.Unlock()
	if x != nil {
		return x, nil
	}
	x, err := newCallsIndex(path, fc, samples)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*callsIndex{}
	}
	c.m[path] = x
	c.mu.Unlock()
	return x, nil
}

// callsPhysicals are the physical types of the calls columns.
func callsPhysicals() []parquet.Type {
	var out []parquet.Type
	for col := range callsColumnsN {
		t := parquet.Types.Int32
		if col >= callsPlane0 {
			t = parquet.Types.Int64
		}
		out = append(out, t)
	}
	return out
}

// newCallsIndex reads the footer of the file at path and checks its
// columns are those of fc.
func newCallsIndex(path string, fc *fileColumns, samples int64) (*callsIndex, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, fmt.Errorf("genotypes: %s: %w", path, err)
	}
	defer pf.Close()
	md := pf.MetaData()
	ncol := len(fc.physical)
	if n := md.Schema.NumColumns(); n != ncol {
		return nil, fmt.Errorf("genotypes: %s: %s file of %d columns, want %d", path, fc.what, n, ncol)
	}
	x := &callsIndex{size: md.GetSourceFileSize(), shape: make([]colShape, ncol)}
	for col := range ncol {
		d := md.Schema.Column(col)
		if d.PhysicalType() != fc.physical[col] {
			return nil, fmt.Errorf("genotypes: %s: %s column %d is %s, want %s", path, fc.what, col, d.PhysicalType(), fc.physical[col])
		}
		x.shape[col] = colShape{maxDef: d.MaxDefinitionLevel(), maxRep: d.MaxRepetitionLevel()}
	}
	if st, err := os.Stat(path); err == nil {
		x.size = st.Size()
	}
	for g := range md.NumRowGroups() {
		rg := md.RowGroup(g)
		rows := rg.NumRows()
		if rows < 0 || rows > maxChunkSites*4 {
			return nil, fmt.Errorf("genotypes: %s: %s row group %d of %d rows", path, fc.what, g, rows)
		}
		x.rows = append(x.rows, rows)
		for col := range ncol {
			cc, err := rg.ColumnChunk(col)
			if err != nil {
				return nil, fmt.Errorf("genotypes: %s: row group %d: %w", path, g, err)
			}
			c := callsChunk{off: cc.DataPageOffset(), size: cc.TotalCompressedSize(), levels: cc.NumValues()}
			if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && cc.DictionaryPageOffset() < c.off {
				c.off = cc.DictionaryPageOffset()
			}
			switch cc.Compression() {
			case compress.Codecs.Zstd:
				c.codec = codecZstd
			case compress.Codecs.Uncompressed:
				c.codec = codecNone
			default:
				return nil, fmt.Errorf("genotypes: %s: %s column %d compressed with %s", path, fc.what, col, cc.Compression())
			}
			// A row's list holds at most a block's (or batch's) samples.
			if c.off < 0 || c.size < 0 || c.off+c.size > x.size || c.levels < 0 || c.levels > rows*fc.levelsPerRow(samples) {
				return nil, fmt.Errorf("genotypes: %s: row group %d column %d lies outside the file", path, g, col)
			}
			x.cols = append(x.cols, c)
		}
	}
	return x, nil
}
