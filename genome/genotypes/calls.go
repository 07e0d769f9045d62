package genotypes

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/store"
)

// The calls encoding (layout 7). A calls file holds samplesPerCallsFile
// samples in blocks of samplesPerBlock; its row groups are two-dimensional
// chunks, one per (chunk of Batch.ChunkSites sites, block of samples), in
// site-chunk order then block order, every one written even when empty, so
// that chunk c of block k is row group c*blocksInFile + k. A row group has
// one row per site where some sample of the block differs from the site's
// expected genotype (its default, in haploid form for a haploid sample),
// in site order. A row encodes those exceptions either
//
//   - sparse: samples (the ascending offsets in the block, gap-coded: the
//     first offset, then each one's distance from the one before) and
//     codes, with the plane columns null, or
//   - dense: a 2-bit plane with one value per sample of the block (0: the
//     expected genotype; 1-3: levels[0-2], the block's three most common
//     exception codes at the site) plus samples/codes for the remaining
//     exceptions (their plane value is 0),
//
// whichever is smaller (as PLINK 2 .pgen chooses between a dense row and a
// difference list). The plane is planeWords columns plane0 … plane7, one
// 64-bit word of 32 samples each (words past the block's width are 0), so
// that a read of one sample decodes one of them: its column chunk is an
// eighth of the plane's bytes (layout 5 kept the plane as one list per row,
// which a one-sample lookup decoded whole). Codes are stored PhaseRelative
// to the site default. Layout 7 gap-codes the samples lists (layout 6 held
// the offsets themselves): the gaps' skewed distribution compresses where
// uniform offsets do not. Readers undo it once per row group (ungapRows).
var callsSchema = arrow.NewSchema(callsFields(), nil)

// Calls columns before the plane columns.
const (
	callsSite = iota
	callsFrom
	callsLevels
	callsSamples
	callsCodes
	callsPlane0
)

// planeWords is the number of plane columns: 32 samples each.
const planeWords = samplesPerBlock / 32

func callsFields() []arrow.Field {
	f := []arrow.Field{
		{Name: "site", Type: arrow.PrimitiveTypes.Int32},
		{Name: "sample_from", Type: arrow.PrimitiveTypes.Int32},
		{Name: "levels", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{Name: "samples", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{Name: "codes", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
	}
	for k := range planeWords {
		f = append(f, arrow.Field{Name: planeColumn(k), Type: arrow.PrimitiveTypes.Int64, Nullable: true})
	}
	return f
}

// planeColumn names plane column k (samples 32k … 32k+31 of a block).
func planeColumn(k int) string { return fmt.Sprintf("plane%d", k) }

// callsColumns returns the calls columns a read of the block offsets offs
// needs: the lists and the plane words holding offs (every word for nil).
func callsColumns(offs []int32) []int {
	cols := []int{callsSite, callsFrom, callsLevels, callsSamples, callsCodes}
	if offs == nil {
		for k := range planeWords {
			cols = append(cols, callsPlane0+k)
		}
		return cols
	}
	for _, off := range offs {
		if c := callsPlane0 + int(off/32); !slices.Contains(cols, c) {
			cols = append(cols, c)
		}
	}
	slices.Sort(cols)
	return cols
}

// SamplesPerBlock is the sample width of a calls chunk: a one-sample
// lookup decodes the rows of its block only. A row's sample_from is a
// multiple of it.
const SamplesPerBlock = 256

const samplesPerBlock = SamplesPerBlock

// samplesPerCallsFile bounds a calls file (and its footer).
const samplesPerCallsFile = 1024

// maxChunkSites and minChunkSites bound Batch.ChunkSites. A chunk is a row
// group per block, and zstd compresses each column chunk on its own: on
// bench/run's 2,000 x 100,000 files 8,192 sites gave stores of 18.38 and
// 18.65 MB (LD, independent sites) against 18.67 and 18.95 MB with 4,096,
// for 19% more CPU in a 650-site region x 50 samples (0.206 against
// 0.173 s), whose chunk is now twice as tall.
const (
	maxChunkSites = 8192
	minChunkSites = 256
)

// chunkSitesFor is the chunk height for a batch of n samples under a memory
// budget: the buffered rows of one chunk (at most 2 bits per genotype in
// dense rows, more in difference lists) stay within about a quarter of it.
func chunkSitesFor(n int, budget int64) int {
	c := maxChunkSites
	for c > minChunkSites && int64(c)*int64(n) > budget {
		c /= 2
	}
	return c
}

// exc is one genotype differing from its site's expected genotype.
type exc struct {
	sample int32
	code   int32
}

// callsWriter streams the calls of a batch, site by site.
type callsWriter struct {
	tx      *store.Txn
	batchID string
	nSample int
	chunk   int
	mem     memory.Allocator
	files   []*callsFile
	inChunk int
	dense   int64       // dense rows written
	rows    int64       // rows written
	counts  []codeCount // topLevels' tally, reused
	bySite  *siteCallsWriter
}

// callsFile is one calls file being written: a builder per block.
type callsFile struct {
	f      *os.File
	rel    string
	pw     *pqarrow.FileWriter
	first  int
	blocks []*array.RecordBuilder
}

func newCallsWriter(tx *store.Txn, batchID string, nSample, chunk int, siteCalls bool, mem memory.Allocator) (*callsWriter, error) {
	w := &callsWriter{tx: tx, batchID: batchID, nSample: nSample, chunk: chunk, mem: mem}
	for first := 0; first < nSample; first += samplesPerCallsFile {
		f, rel, err := tx.Create(fmt.Sprintf("genome/%s/calls-%05d.parquet", batchID, first/samplesPerCallsFile))
		if err != nil {
			w.release()
			return nil, err
		}
		pw, err := pqarrow.NewFileWriter(callsSchema, f, callsProps(), pqarrow.DefaultWriterProps())
		if err != nil {
			f.Close()
			w.release()
			return nil, err
		}
		cf := &callsFile{f: f, rel: rel, pw: pw, first: first}
		for b := first; b < min(first+samplesPerCallsFile, nSample); b += samplesPerBlock {
			cf.blocks = append(cf.blocks, array.NewRecordBuilder(mem, callsSchema))
		}
		w.files = append(w.files, cf)
	}
	if !siteCalls {
		return w, nil
	}
	var err error
	if w.bySite, err = newSiteCallsWriter(tx, batchID, nSample, mem); err != nil {
		w.release()
		return nil, err
	}
	return w, nil
}

// release frees the builders and closes the files (after an error).
func (w *callsWriter) release() {
	for _, cf := range w.files {
		for _, b := range cf.blocks {
			b.Release()
		}
		cf.blocks = nil
		if cf.f != nil {
			cf.f.Close()
		}
	}
	if w.bySite != nil {
		w.bySite.release()
	}
}

// addSite adds the exceptions of one site (sorted by sample).
func (w *callsWriter) addSite(site int32, excs []exc) error {
	if w.bySite != nil {
		w.bySite.add(site, excs)
	}
	for len(excs) > 0 {
		block := int(excs[0].sample) / samplesPerBlock
		from := int32(block * samplesPerBlock)
		n := 1
		for n < len(excs) && excs[n].sample < from+samplesPerBlock {
			n++
		}
		cf := w.files[block*samplesPerBlock/samplesPerCallsFile]
		b := cf.blocks[(block*samplesPerBlock-cf.first)/samplesPerBlock]
		w.appendRow(b, site, from, min(samplesPerBlock, w.nSample-int(from)), excs[:n])
		excs = excs[n:]
	}
	w.inChunk++
	if w.inChunk == w.chunk {
		return w.flush()
	}
	return nil
}

// appendRow encodes the exceptions of one block at site, dense or sparse.
func (w *callsWriter) appendRow(b *array.RecordBuilder, site, from int32, width int, excs []exc) {
	w.rows++
	b.Field(callsSite).(*array.Int32Builder).Append(site)
	b.Field(callsFrom).(*array.Int32Builder).Append(from)
	ll := b.Field(callsLevels).(*array.ListBuilder)
	sl := b.Field(callsSamples).(*array.ListBuilder)
	cl := b.Field(callsCodes).(*array.ListBuilder)
	ll.Append(true)
	sl.Append(true)
	cl.Append(true)
	sv := sl.ValueBuilder().(*array.Int32Builder)
	cv := cl.ValueBuilder().(*array.Int32Builder)
	// A row is dense when its listed exceptions (about 8 bits each, a gap
	// and a code) would cost more than 0.8 bits a sample of the plane plus
	// its leftovers. Measured with gap-coded lists (layout 7) and
	// 8,192-site chunks, whole store of bench/run's 2,000 x 100,000 files:
	// independent sites 0.6 gave 18.86 MB, 0.8 18.65, 1.0 18.53, 1.2 18.49;
	// LD 0.4 (layout 6's) 18.85, 0.8 18.38, 1.2 18.22. Above 0.8 the store
	// shrinks but a one-sample lookup decodes longer lists: 1 sample x
	// 2,000 positions took 0.261 s CPU at 1.2 against 0.226 s at 0.8, as
	// layout 6 (0.226 s) and 0.4 (0.233 s).
	var levels []int32
	leftover := len(excs)
	if 32*len(excs) > width {
		levels, leftover = topLevels(&w.counts, excs)
	}
	if levels == nil || 8*len(excs) <= width*8/10+8*leftover {
		for k := range planeWords {
			b.Field(callsPlane0 + k).AppendNull()
		}
		prev := from
		for _, e := range excs {
			sv.Append(e.sample - prev)
			cv.Append(e.code)
			prev = e.sample
		}
		return
	}
	w.dense++
	lv := ll.ValueBuilder().(*array.Int32Builder)
	lv.AppendValues(levels, nil)
	var words [planeWords]int64
	prev := int32(0)
	for _, e := range excs {
		off := e.sample - from
		k := slices.Index(levels, e.code)
		if k < 0 {
			sv.Append(off - prev)
			cv.Append(e.code)
			prev = off
			continue
		}
		words[off/32] |= int64(k+1) << (2 * (off % 32))
	}
	for k, word := range words {
		b.Field(callsPlane0 + k).(*array.Int64Builder).Append(word)
	}
}

// callsProps are the calls files' writer properties: dictionaries for the
// lists, no statistics but the site's (min and max of bit words or list
// elements say nothing). BYTE_STREAM_SPLIT on the plane words and the
// samples gaps would save 1.9% more (bench/run's LD file with 4,096-site
// chunks: 18.31 against 18.67 MB), but DuckDB reads it only for FLOAT and
// DOUBLE.
func callsProps() *parquet.WriterProperties {
	props := []parquet.WriterProperty{
		parquet.WithMaxRowGroupLength(1 << 30),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor("codes.list.element", true),
		parquet.WithDictionaryFor("levels.list.element", true),
		parquet.WithEncodingFor("site", parquet.Encodings.DeltaBinaryPacked),
		parquet.WithDictionaryFor("samples.list.element", true),
		parquet.WithStatsFor("samples.list.element", false),
		parquet.WithStatsFor("codes.list.element", false),
		parquet.WithStatsFor("levels.list.element", false),
	}
	for k := range planeWords {
		props = append(props, parquet.WithStatsFor(planeColumn(k), false))
	}
	return parquetProps(props...)
}

// codeCount is how many exceptions of a row have one code.
type codeCount struct {
	code int32
	n    int
}

// topLevels returns the (up to) three most common codes of excs, most
// common first, and how many exceptions have another code.
func topLevels(counts *[]codeCount, excs []exc) ([]int32, int) {
	// A block's exceptions at a site have few distinct codes: a linear
	// tally beats a map (the map was 6% of an ingest's CPU).
	all := (*counts)[:0]
	for _, e := range excs {
		k := 0
		for k < len(all) && all[k].code != e.code {
			k++
		}
		if k == len(all) {
			all = append(all, codeCount{e.code, 0})
		}
		all[k].n++
	}
	*counts = all
	slices.SortFunc(all, func(a, b codeCount) int {
		if d := cmp.Compare(b.n, a.n); d != 0 {
			return d
		}
		return cmp.Compare(a.code, b.code)
	})
	left := len(excs)
	var levels []int32
	for _, x := range all[:min(3, len(all))] {
		levels = append(levels, x.code)
		left -= x.n
	}
	return levels, left
}

// flush writes the current chunk: one row group per block of every file.
func (w *callsWriter) flush() error {
	for _, cf := range w.files {
		for _, b := range cf.blocks {
			rec := b.NewRecordBatch()
			err := cf.pw.Write(rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
	}
	w.inChunk = 0
	if w.bySite == nil {
		return nil
	}
	return w.bySite.flush()
}

// close writes the last chunk, closes the files and adds them to the
// transaction.
func (w *callsWriter) close() error {
	if w.inChunk > 0 {
		if err := w.flush(); err != nil {
			return err
		}
	}
	for _, cf := range w.files {
		for _, b := range cf.blocks {
			b.Release()
		}
		cf.blocks = nil
		err := cf.pw.Close() // closes cf.f
		cf.f = nil
		if err != nil {
			return err
		}
		rows := min(cf.first+samplesPerCallsFile, w.nSample) - cf.first
		w.tx.Add(TableCalls, cf.rel, w.batchID, int64(rows))
	}
	if w.bySite == nil {
		return nil
	}
	err := w.bySite.close(w.tx, w.batchID)
	w.bySite = nil
	return err
}

// sampleCalls holds one sample's exceptions: sorted sites and their codes
// (PhaseRelative).
type sampleCalls struct {
	sites, codes []int32
}

// code returns the sample's genotype code at site, given the site default
// and the code expected when the calls hold no exception.
func (c *sampleCalls) code(site, def, expected int32) int32 {
	i, ok := slices.BinarySearch(c.sites, site)
	if ok {
		return PhaseRelative(c.codes[i], def)
	}
	return expected
}

// readCallsGroup decodes, from row groups rgs of a calls file (chunks of
// one block of samples, in site order), the exceptions of the wanted
// samples idxs of that block.
func readCallsGroup(ctx context.Context, fr *pqarrow.FileReader, path string, rgs []int, idxs []int32) (map[int32]*sampleCalls, error) {
	out := noCalls(idxs)
	offs := make([]int32, len(idxs))
	for i, idx := range idxs {
		offs[i] = idx % samplesPerBlock
	}
	tbl, err := fr.ReadRowGroups(ctx, callsColumns(offs), rgs)
	if err != nil {
		return nil, fmt.Errorf("genotypes: %s: %w", path, err)
	}
	defer tbl.Release()
	rr := array.NewTableReader(tbl, 1<<20)
	defer rr.Release()
	for rr.Next() {
		decodeCalls(rr.RecordBatch(), idxs, out)
	}
	return out, nil
}

// decodeCalls appends the exceptions of samples idxs in the rows of rec.
func decodeCalls(rec arrow.RecordBatch, idxs []int32, out map[int32]*sampleCalls) {
	c := newCallsCols(rec)
	for i, site := range c.site {
		r := c.row(i)
		for _, idx := range idxs {
			if code, ok := r.code(idx - c.from[i]); ok {
				sc := out[idx]
				sc.sites = append(sc.sites, site)
				sc.codes = append(sc.codes, code)
			}
		}
	}
}
