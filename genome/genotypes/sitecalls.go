package genotypes

import (
	"encoding/binary"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/store"
)

// The site-major calls (table TableSiteCalls, one file a batch): the same
// exceptions as the calls files, one row per site for all the batch's
// samples, as a PLINK 2 .pgen holds a variant's genotypes in one record.
// The calls files are cut into blocks of samplesPerBlock so that one
// person's lookup reads little; a scan of the whole cohort (a polygenic
// score, a cohort's allele counts) read and merged one row per block and
// site through them, 78 rows a site at 20,000 samples, and that per-row
// cost was most of a score's reading. A scan of every sample of a batch
// reads this table instead: one row a site.
//
// Row i is site i (every site has a row, empty when nobody differs from
// the expected genotype), in row groups of Batch.ChunkSites sites. A row
// holds, as two byte arrays (one value a row, so that a site's thousands
// of exceptions cost no Parquet levels each):
//
//   - exceptions (zstd), all numbers unsigned LEB128 varints: the number of
//     levels and the levels (codes, as uint32); the number of distinct
//     listed codes and those codes; the number of listed exceptions, their
//     batch sample indices (ascending, gap-coded: the first index, then
//     each one's distance from the one before), then each one's code as an
//     index into the distinct codes;
//   - plane (uncompressed), empty for a sparse row, else 2 bits a sample of
//     the batch in little-endian 64-bit words, sample i at bits 2(i%32) of
//     word i/32 (0: the expected genotype or listed; 1-3: levels[0-2], the
//     site's three most common exception codes).
//
// A row is dense (has a plane, and lists the exceptions whose codes are
// not levels) when more than 1 sample in 16 has a level's code. Codes are
// PhaseRelative to the site default, and a haploid sample's expected
// genotype is the default's haploid form, as in the calls files.
//
// The threshold and the plane's codec were measured on bench/risk.sh's
// 20,000 x 1,000,000 store, one score (CPU s user+sys; the machine shared,
// load 3-6): dense above 1 in 4, plane uncompressed: table 1.61 GB,
// 21.3-23.6 s; above 1 in 16, uncompressed: 2.11 GB, 15.9-20.7 s; above 1
// in 16, zstd: 1.44 GB, 20.4-24.2 s, of which 3.4 s in zstd (planes and
// exceptions). A list costs a varint decode a sample, a plane a word of 32
// samples. The plane is stored uncompressed, as a .pgen record is (plink2's
// .pgen of that cohort: 1.68 GB): zstd saves a third of the table and
// costs a tenth of a score's CPU.
var siteCallsSchema = arrow.NewSchema([]arrow.Field{
	{Name: "site", Type: arrow.PrimitiveTypes.Int32},
	{Name: "exceptions", Type: arrow.BinaryTypes.Binary},
	{Name: "plane", Type: arrow.BinaryTypes.Binary},
}, nil)

// Site calls columns.
const (
	siteCallsSite = iota
	siteCallsExceptions
	siteCallsPlane
)

// siteCallsWriter writes a batch's site-major calls, a row a site.
type siteCallsWriter struct {
	f       *os.File
	rel     string
	pw      *pqarrow.FileWriter
	b       *array.RecordBuilder
	nSample int
	rows    int64
	// scratch, reused row to row
	counts []codeCount // topLevels' tally
	words  []uint64    // the plane
	plane  []byte      // its bytes
	left   []exc       // the exceptions a plane leaves listed
	codes  []int32     // distinct listed codes
	buf    []byte      // the exceptions value
}

func newSiteCallsWriter(tx *store.Txn, batchID string, nSample int, mem memory.Allocator) (*siteCallsWriter, error) {
	f, rel, err := tx.Create(fmt.Sprintf("genome/%s/site-calls.parquet", batchID))
	if err != nil {
		return nil, err
	}
	pw, err := pqarrow.NewFileWriter(siteCallsSchema, f, siteCallsProps(), pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return nil, err
	}
	return &siteCallsWriter{f: f, rel: rel, pw: pw, b: array.NewRecordBuilder(mem, siteCallsSchema), nSample: nSample,
		words: make([]uint64, planeWordsOf(nSample))}, nil
}

// planeWordsOf is the number of 64-bit plane words of n samples.
func planeWordsOf(n int) int { return (n + 31) / 32 }

// siteCallsProps: PLAIN byte arrays, no statistics, the plane
// uncompressed.
func siteCallsProps() *parquet.WriterProperties {
	return parquetProps(
		parquet.WithMaxRowGroupLength(1<<30),
		parquet.WithDictionaryDefault(false),
		parquet.WithEncodingFor("site", parquet.Encodings.DeltaBinaryPacked),
		parquet.WithEncodingFor("exceptions", parquet.Encodings.Plain),
		parquet.WithEncodingFor("plane", parquet.Encodings.Plain),
		parquet.WithStatsFor("exceptions", false),
		parquet.WithStatsFor("plane", false),
		parquet.WithCompressionFor("plane", compress.Codecs.Uncompressed),
	)
}

// add appends site's row: its exceptions excs, sorted by sample.
func (w *siteCallsWriter) add(site int32, excs []exc) {
	w.rows++
	w.b.Field(siteCallsSite).(*array.Int32Builder).Append(site)
	// Dense above 1 sample in 16 of a level (see siteCallsSchema).
	var levels []int32
	leftover := len(excs)
	if 16*len(excs) > w.nSample {
		levels, leftover = topLevels(&w.counts, excs)
	}
	listed := excs
	if levels == nil || 16*(len(excs)-leftover) <= w.nSample {
		levels = nil
		w.b.Field(siteCallsPlane).(*array.BinaryBuilder).Append(nil)
	} else {
		listed = w.dense(excs, levels)
	}
	w.buf = appendExceptions(w.buf[:0], levels, listed, &w.codes)
	w.b.Field(siteCallsExceptions).(*array.BinaryBuilder).Append(w.buf)
}

// dense appends the row's plane, returning the exceptions left to list.
func (w *siteCallsWriter) dense(excs []exc, levels []int32) []exc {
	clear(w.words)
	w.left = w.left[:0]
	for _, e := range excs {
		k := indexOf(levels, e.code)
		if k < 0 {
			w.left = append(w.left, e)
			continue
		}
		w.words[e.sample/32] |= uint64(k+1) << (2 * (e.sample % 32))
	}
	w.plane = w.plane[:0]
	for _, x := range w.words {
		w.plane = binary.LittleEndian.AppendUint64(w.plane, x)
	}
	w.b.Field(siteCallsPlane).(*array.BinaryBuilder).Append(w.plane)
	return w.left
}

// appendExceptions appends a row's exceptions value (see siteCallsSchema)
// to dst; codes is scratch for the distinct codes.
func appendExceptions(dst []byte, levels []int32, listed []exc, codes *[]int32) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(levels)))
	for _, c := range levels {
		dst = binary.AppendUvarint(dst, uint64(uint32(c)))
	}
	*codes = (*codes)[:0]
	for _, e := range listed {
		if indexOf(*codes, e.code) < 0 {
			*codes = append(*codes, e.code)
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(*codes)))
	for _, c := range *codes {
		dst = binary.AppendUvarint(dst, uint64(uint32(c)))
	}
	dst = binary.AppendUvarint(dst, uint64(len(listed)))
	prev := int32(0)
	for _, e := range listed {
		dst = binary.AppendUvarint(dst, uint64(e.sample-prev))
		prev = e.sample
	}
	for _, e := range listed {
		dst = binary.AppendUvarint(dst, uint64(indexOf(*codes, e.code)))
	}
	return dst
}

// indexOf is slices.Index for the few levels and codes of a row.
func indexOf(s []int32, code int32) int {
	for k, x := range s {
		if x == code {
			return k
		}
	}
	return -1
}

// flush writes the rows added since the last flush as one row group.
func (w *siteCallsWriter) flush() error {
	rec := w.b.NewRecordBatch()
	defer rec.Release()
	if rec.NumRows() == 0 {
		return nil
	}
	return w.pw.Write(rec)
}

// close writes the last row group, closes the file and adds it to tx.
func (w *siteCallsWriter) close(tx *store.Txn, batchID string) error {
	if err := w.flush(); err != nil {
		w.release()
		return err
	}
	w.b.Release()
	err := w.pw.Close() // closes w.f
	w.f = nil
	if err != nil {
		return err
	}
	tx.Add(TableSiteCalls, w.rel, batchID, w.rows)
	return nil
}

// release frees the builder and closes the file (after an error).
func (w *siteCallsWriter) release() {
	w.b.Release()
	if w.f != nil {
		w.f.Close()
	}
}
