package genotypes

import (
	"context"
	"fmt"
	"math"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/store"
)

// batchWriter writes one batch's Parquet files.
type batchWriter struct {
	tx      *store.Txn
	name    string
	batchID string
	hdr     *vcf.Header
	nSample int

	sites    int64
	variants int64
	exc      int64
	contigs  []string
	lastChr  string
	lastPos  int64
	seenChr  map[string]bool
	atPos    map[string]int // REF>ALT of the records at lastPos, to their lines

	vf    *os.File
	vrel  string
	vw    *pqarrow.FileWriter
	vb    *array.RecordBuilder
	ff    *os.File
	frel  string
	fw    *pqarrow.FileWriter
	fb    *array.RecordBuilder
	fRows int64

	haploid map[string]*haploidSet
	calls   *callsWriter
	siteExc []exc // the current site's exceptions
	mem     memory.Allocator
}

// parquetProps are the store's house Parquet settings (store.ParquetProps)
// with extra applied after them.
func parquetProps(extra ...parquet.WriterProperty) *parquet.WriterProperties {
	return store.ParquetProps("varamu genotypes", extra...)
}

func newBatchWriter(tx *store.Txn, name, batchID string, h *vcf.Header, chunk int, siteCalls bool) (*batchWriter, error) {
	w := &batchWriter{tx: tx, name: name, batchID: batchID, hdr: h, nSample: len(h.Samples),
		seenChr: map[string]bool{}, mem: memory.DefaultAllocator}
	var err error
	w.vf, w.vrel, err = tx.Create("genome/" + batchID + "/variants.parquet")
	if err != nil {
		return nil, err
	}
	w.vw, err = pqarrow.NewFileWriter(variantsSchema, w.vf, parquetProps(
		parquet.WithMaxRowGroupLength(variantsPerRowGroup),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor("chrom", true),
		parquet.WithDictionaryFor("filter", true),
		parquet.WithDictionaryFor("qual", true),
		parquet.WithEncodingFor("pos", parquet.Encodings.DeltaBinaryPacked),
		parquet.WithEncodingFor("end", parquet.Encodings.DeltaBinaryPacked),
		parquet.WithEncodingFor("site", parquet.Encodings.DeltaBinaryPacked),
		// INFO text is most of the variants file: zstd's best level (19)
		// saves 23% of it (723 to 556 KB on bench/run's 100,000-site
		// file) for 0.26 s more CPU per 2.8 MB of text.
		parquet.WithCompressionLevelFor("info", 19),
	), pqarrow.DefaultWriterProps())
	if err != nil {
		return nil, err
	}
	w.vb = array.NewRecordBuilder(w.mem, variantsSchema)
	w.calls, err = newCallsWriter(tx, batchID, w.nSample, chunk, siteCalls, w.mem)
	if err != nil {
		return nil, err
	}
	return w, nil
}

func (w *batchWriter) cleanup() {
	if w.vb != nil {
		w.vb.Release()
	}
	if w.fb != nil {
		w.fb.Release()
	}
	if w.vf != nil {
		w.vf.Close()
	}
	if w.ff != nil {
		w.ff.Close()
	}
	if w.calls != nil {
		w.calls.release()
	}
}

func (w *batchWriter) addChunk(c *chunk) error {
	for i := range c.sites {
		s := &c.sites[i]
		if s.chrom != w.lastChr {
			if w.seenChr[s.chrom] {
				return &vcf.ParseError{File: w.name, Line: s.line, Column: "CHROM",
					Err: fmt.Errorf("%s appears again after %s: %w", s.chrom, w.lastChr, ErrUnsorted)}
			}
			if err := w.checkContig(s); err != nil {
				return err
			}
			w.seenChr[s.chrom] = true
			w.contigs = append(w.contigs, s.chrom)
			w.lastChr, w.lastPos = s.chrom, 0
		}
		if s.pos < w.lastPos {
			return &vcf.ParseError{File: w.name, Line: s.line, Column: "POS",
				Err: fmt.Errorf("%s:%d comes after %s:%d: %w", s.chrom, s.pos, s.chrom, w.lastPos, ErrUnsorted)}
		}
		if l := w.hdr.ContigLength(s.chrom); l > 0 && s.pos > l {
			return &vcf.ParseError{File: w.name, Line: s.line, Column: "POS",
				Err: fmt.Errorf("%d is past the end of %s (length %d in the header)", s.pos, s.chrom, l)}
		}
		if err := w.checkDuplicate(s); err != nil {
			return err
		}
		w.lastPos = s.pos
		if w.sites >= math.MaxInt32 {
			return fmt.Errorf("genotypes: batch has more than %d records; split the file", math.MaxInt32)
		}
		siteIdx := int32(w.sites)
		w.sites++
		if err := w.appendVariant(siteIdx, s); err != nil {
			return err
		}
		phase := s.def & phaseBit
		w.siteExc = w.siteExc[:0]
		add := func(sample int32, code int32) {
			// stored relative to the site's phase; see PhaseRelative
			w.siteExc = append(w.siteExc, exc{sample, code ^ phase})
		}
		if s.codes == nil {
			for _, e := range c.exc[s.excFrom:s.excTo] {
				add(e.sample, e.code)
			}
		} else {
			// Sex chromosome: compare with the ploidy-adjusted default.
			hs := w.haploid[s.chrom]
			if hs == nil {
				hs = w.findHaploid(s.chrom, siteIdx, s.def, s.codes)
			}
			hapDef := HaploidForm(s.def)
			for i, code := range s.codes {
				want := s.def
				if hs != nil && hs.samples[i] {
					want = hapDef
				}
				if code != want {
					add(int32(i), code)
				}
			}
		}
		w.exc += int64(len(w.siteExc))
		if err := w.calls.addSite(siteIdx, w.siteExc); err != nil {
			return err
		}
		if s.hasFmt {
			if err := w.appendFormat(siteIdx, s); err != nil {
				return err
			}
		}
	}
	return nil
}

func nullable(b *array.StringBuilder, s string) {
	if s == "." || s == "" {
		b.AppendNull()
	} else {
		b.Append(s)
	}
}

func (w *batchWriter) appendVariant(siteIdx int32, s *site) error {
	vb := w.vb
	n := len(s.alts)
	rows := n
	if rows == 0 {
		rows = 1
	}
	for k := range rows {
		vb.Field(0).(*array.Int32Builder).Append(siteIdx)
		vb.Field(1).(*array.Int16Builder).Append(int16(min(k+1, n)))
		vb.Field(2).(*array.Int16Builder).Append(int16(n))
		vb.Field(3).(*array.StringBuilder).Append(s.chrom)
		vb.Field(4).(*array.Int64Builder).Append(s.pos)
		vb.Field(5).(*array.Int64Builder).Append(s.end)
		nullable(vb.Field(6).(*array.StringBuilder), s.id)
		vb.Field(7).(*array.StringBuilder).Append(s.ref)
		if n == 0 {
			vb.Field(8).(*array.StringBuilder).AppendNull()
		} else {
			vb.Field(8).(*array.StringBuilder).Append(s.alts[k])
		}
		nullable(vb.Field(9).(*array.StringBuilder), s.qual)
		nullable(vb.Field(10).(*array.StringBuilder), s.filter)
		nullable(vb.Field(11).(*array.StringBuilder), s.info)
		vb.Field(12).(*array.BooleanBuilder).Append(s.block)
		vb.Field(13).(*array.Int32Builder).Append(s.def)
		w.variants++
	}
	if vb.Field(0).Len() >= variantsPerRowGroup {
		return w.flushVariants()
	}
	return nil
}

func (w *batchWriter) flushVariants() error {
	rec := w.vb.NewRecordBatch()
	defer rec.Release()
	if rec.NumRows() == 0 {
		return nil
	}
	return w.vw.Write(rec)
}

func (w *batchWriter) appendFormat(siteIdx int32, s *site) error {
	if w.fw == nil {
		var err error
		w.ff, w.frel, err = w.tx.Create("genome/" + w.batchID + "/format.parquet")
		if err != nil {
			return err
		}
		w.fw, err = pqarrow.NewFileWriter(formatSchema, w.ff, parquetProps(), pqarrow.DefaultWriterProps())
		if err != nil {
			return err
		}
		w.fb = array.NewRecordBuilder(w.mem, formatSchema)
	}
	fb := w.fb
	fb.Field(0).(*array.Int32Builder).Append(siteIdx)
	appendList32(fb.Field(1).(*array.ListBuilder), s.gqs)
	appendList32(fb.Field(2).(*array.ListBuilder), s.dps)
	lb := fb.Field(3).(*array.ListBuilder)
	if s.pss == nil {
		lb.AppendNull()
	} else {
		lb.Append(true)
		lb.ValueBuilder().(*array.Int64Builder).AppendValues(s.pss, nil)
	}
	appendList32(fb.Field(4).(*array.ListBuilder), s.ads)
	appendListF(fb.Field(5).(*array.ListBuilder), s.dss)
	appendListF(fb.Field(6).(*array.ListBuilder), s.gps)
	w.fRows++
	// Bound the buffered values, whatever the sample count.
	if fb.Field(0).Len()*w.nSample >= 4<<20 {
		return w.flushFormat()
	}
	return nil
}

func appendList32(lb *array.ListBuilder, v []int32) {
	if v == nil {
		lb.AppendNull()
		return
	}
	lb.Append(true)
	lb.ValueBuilder().(*array.Int32Builder).AppendValues(v, nil)
}

func appendListF(lb *array.ListBuilder, v []float32) {
	if v == nil {
		lb.AppendNull()
		return
	}
	lb.Append(true)
	lb.ValueBuilder().(*array.Float32Builder).AppendValues(v, nil)
}

func (w *batchWriter) flushFormat() error {
	rec := w.fb.NewRecordBatch()
	defer rec.Release()
	if rec.NumRows() == 0 {
		return nil
	}
	return w.fw.Write(rec)
}

// haploidSet is the set of samples haploid on a chromosome from a site on.
type haploidSet struct {
	from    int32
	samples []bool
}

// HaploidForm returns the haploid genotype with the first allele of code:
// what a hemizygous sample shows where diploid samples show code.
func HaploidForm(code int32) int32 {
	if code&genome.NoGT != 0 {
		return code
	}
	a, _ := genome.DecodeGT(code, nil)
	return genome.EncodeHaploid(a[0])
}

// findHaploid fixes the haploid samples of chrom at the first site where
// the majority genotype is diploid and some samples are haploid.
func (w *batchWriter) findHaploid(chrom string, site, def int32, codes []int32) *haploidSet {
	if a, _ := genome.DecodeGT(def, nil); len(a) != 2 {
		return nil
	}
	var hs *haploidSet
	for i, code := range codes {
		if a, _ := genome.DecodeGT(code, nil); len(a) == 1 {
			if hs == nil {
				hs = &haploidSet{from: site, samples: make([]bool, w.nSample)}
			}
			hs.samples[i] = true
		}
	}
	if hs != nil {
		if w.haploid == nil {
			w.haploid = map[string]*haploidSet{}
		}
		w.haploid[chrom] = hs
	}
	return hs
}

func (w *batchWriter) writePloidy() error {
	if len(w.haploid) == 0 {
		return nil
	}
	return w.writeSmallTable(TablePloidy, "ploidy.parquet", ploidySchema, func(b *array.RecordBuilder) {
		for _, chrom := range w.contigs {
			hs := w.haploid[chrom]
			if hs == nil {
				continue
			}
			for i, h := range hs.samples {
				if h {
					b.Field(0).(*array.StringBuilder).Append(chrom)
					b.Field(1).(*array.Int32Builder).Append(hs.from)
					b.Field(2).(*array.Int32Builder).Append(int32(i))
				}
			}
		}
	})
}

// finish writes the remaining files and adds them to the transaction.
func (w *batchWriter) finish(ctx context.Context) (*BatchResult, error) {
	if err := w.flushVariants(); err != nil {
		return nil, err
	}
	if err := w.vw.Close(); err != nil {
		return nil, err
	}
	w.vf = nil
	w.tx.Add(TableVariants, w.vrel, w.batchID, w.variants)
	if w.fw != nil {
		if err := w.flushFormat(); err != nil {
			return nil, err
		}
		if err := w.fw.Close(); err != nil {
			return nil, err
		}
		w.ff = nil
		w.tx.Add(TableFormat, w.frel, w.batchID, w.fRows)
	}
	if err := w.writePloidy(); err != nil {
		return nil, err
	}
	if err := w.writeSamples(); err != nil {
		return nil, err
	}
	if err := w.calls.close(); err != nil {
		return nil, err
	}
	w.calls = nil
	return &BatchResult{Batch: w.batchID, Samples: w.nSample, Sites: w.sites, Variants: w.variants,
		Genotypes: w.sites * int64(w.nSample), Exceptions: w.exc}, nil
}

func (w *batchWriter) writeSamples() error {
	return w.writeSmallTable(TableSamples, "samples.parquet", samplesSchema, func(b *array.RecordBuilder) {
		for i, s := range w.hdr.Samples {
			b.Field(0).(*array.Int32Builder).Append(int32(i))
			b.Field(1).(*array.StringBuilder).Append(s)
		}
	})
}

// writeSmallTable writes one table of the batch, built in one record batch
// by fill, as a single Parquet file.
func (w *batchWriter) writeSmallTable(table, name string, schema *arrow.Schema, fill func(b *array.RecordBuilder)) error {
	f, rel, err := w.tx.Create("genome/" + w.batchID + "/" + name)
	if err != nil {
		return err
	}
	defer f.Close()
	b := array.NewRecordBuilder(w.mem, schema)
	defer b.Release()
	fill(b)
	rec := b.NewRecordBatch()
	defer rec.Release()
	pw, err := pqarrow.NewFileWriter(schema, f, parquetProps(), pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	if err := pw.Write(rec); err != nil {
		return err
	}
	if err := pw.Close(); err != nil {
		return err
	}
	w.tx.Add(table, rel, w.batchID, rec.NumRows())
	return nil
}
