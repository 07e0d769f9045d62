package genotypes

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/store"
)

// ErrBuildMismatch is returned when a VCF's genome build differs from the
// store's.
var ErrBuildMismatch = errors.New("genome build differs from the store's")

// ErrDuplicateSample is returned when a sample is already in the store and
// IngestOptions.Replace is not set.
var ErrDuplicateSample = errors.New("sample already in the store")

// ErrUnsorted is returned for records out of order.
var ErrUnknownContig = errors.New("contig is not in the genome build")

// ErrDuplicateRecord is returned (wrapped in a vcf.ParseError) for a record
// with the same position, REF and ALT as an earlier one.
var ErrDuplicateRecord = errors.New("duplicate record")

// ErrSampleName is returned (wrapped) for a sample name the store cannot
// hold: one with a comma (unusable with view -s), a control character, or
// differing from another sample only by letter case.
var ErrSampleName = errors.New("unusable sample name")

// ErrUnsorted is returned (wrapped) for records out of order.
var ErrUnsorted = errors.New("records are not sorted by chromosome and position (sort with bcftools sort)")

// IngestOptions tune Ingest. The zero value is ready to use.
type IngestOptions struct {
	// Replace lets a batch carry samples already in the store; the older
	// copies are marked superseded. The zero value refuses them.
	Replace bool
	// Build is used when a VCF header does not tell its genome build; the
	// zero value makes such a file an error.
	Build genome.Build
	// Workers parse records in parallel; 0 means GOMAXPROCS.
	Workers int
	// MemoryBudget bounds the genotypes held in memory before they are
	// spilled to disk during transposition; 0 means 64 MiB.
	MemoryBudget int64
	// Progress, when set, is called from one goroutine with the number of
	// input bytes read so far and the input size (0 when unknown).
	Progress func(read, total int64)
}

// IngestResult summarises an ingest.
type IngestResult struct {
	Generation int64
	Batches    []BatchResult
}

// BatchResult summarises one ingested file.
type BatchResult struct {
	Batch       string
	Source      string
	Build       genome.Build
	Samples     int
	Sites       int64 // VCF records
	Variants    int64 // rows of variants.parquet (split ALTs)
	Genotypes   int64 // samples × sites
	Exceptions  int64 // genotypes differing from their site default
	StoredBytes int64
}

// Ingest loads VCF files (each becomes one batch) into the store at dir,
// creating it when needed. It commits all files or nothing: on any error the
// store is left exactly as it was.
func Ingest(ctx context.Context, dir string, paths []string, opt IngestOptions) (*IngestResult, error) {
	if len(paths) == 0 {
		return nil, errors.New("ingest: no input files")
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.MemoryBudget <= 0 {
		opt.MemoryBudget = 64 << 20
	}
	st, err := store.Open(dir, store.Options{Create: true})
	if err != nil {
		return nil, err
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var sec Section
	if _, err := tx.Base().Section(SectionKey, &sec); err != nil {
		return nil, err
	}
	if len(sec.Batches) > 0 && sec.Layout != Layout {
		return nil, fmt.Errorf("genome store %s: layout %d, this varamu writes layout %d (ingest into a new store)", dir, sec.Layout, Layout)
	}
	sec.Layout = Layout
	existing, err := existingSamples(st, tx.Base(), &sec)
	if err != nil {
		return nil, err
	}
	res := &IngestResult{}
	for _, path := range paths {
		b := Batch{ID: fmt.Sprintf("b%04d", len(sec.Batches)+1), Sources: []string{filepath.Base(path)}}
		br, err := ingestFile(ctx, tx, path, &sec, &b, existing, opt)
		if err != nil {
			return nil, err
		}
		sec.Batches = append(sec.Batches, b)
		res.Batches = append(res.Batches, *br)
	}
	names := make([]string, len(paths))
	for i, p := range paths {
		names[i] = filepath.Base(p)
	}
	err = tx.Commit("ingest vcf "+strings.Join(names, " "), func(m *store.Manifest) error {
		return m.SetSection(SectionKey, &sec)
	})
	if err != nil {
		return nil, err
	}
	res.Generation = st.Manifest().Generation
	return res, nil
}

// existingSamples maps each live sample name to its batch index.
func existingSamples(st *store.Store, m *store.Manifest, sec *Section) (map[string]int, error) {
	out := map[string]int{}
	files := m.Tables[TableSamples]
	for bi, b := range sec.Batches {
		var f *store.File
		for i := range files {
			if files[i].Part == b.ID {
				f = &files[i]
			}
		}
		if f == nil {
			return nil, fmt.Errorf("genome store: batch %s has no samples file", b.ID)
		}
		names, err := readSampleNames(st.Path(*f))
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			if !slices.Contains(b.Superseded, n) {
				out[n] = bi
			}
		}
	}
	return out, nil
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// site is one parsed record, as the collector needs it.
type site struct {
	line         int
	chrom        string
	pos, end     int64
	id, ref      string
	alts         []string
	qual, filter string
	info         string
	block        bool
	def          int32
	excFrom      int // range in chunk.exc
	excTo        int
	hasFmt       bool
	gqs, dps     []int32
	pss          []int64
	ads          []int32
	dss, gps     []float32
	codes        []int32 // every sample's code, kept on sex chromosomes
}

// phaseBit is the phase bit of a genotype code (genome.EncodeGT).
const phaseBit = 1 << 24

// PhaseRelative converts between a genotype code and its stored form in
// calls.parquet: the phase bit is stored relative to the phase of the
// site's default genotype (XOR), so that in a phased record "0|1" is stored
// like "0/1" in an unphased one, halving the distinct codes to encode. The
// conversion is its own inverse.
func PhaseRelative(code, siteDefault int32) int32 { return code ^ (siteDefault & phaseBit) }

// sexChrom reports whether ploidy varies by sample on chrom.
func sexChrom(chrom string) bool { return chrom == "chrX" || chrom == "chrY" }

type exc struct {
	sample int32
	code   int32
}

type chunk struct {
	seq   int
	sites []site
	exc   []exc
	err   error
	batch *vcf.LineBatch
}

func ingestFile(ctx context.Context, tx *store.Txn, path string, sec *Section, b *Batch, existing map[string]int, opt IngestOptions) (*BatchResult, error) {
	var in io.Reader
	var total int64
	if path == "-" {
		in = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil {
			total = fi.Size()
		}
		in = f
	}
	cr := &countingReader{r: in}
	name := path
	if path == "-" {
		name = "<stdin>"
	}
	r, err := vcf.NewReader(cr, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	h := r.Header()

	build := h.Build
	if build == genome.UnknownBuild {
		build = opt.Build
	}
	if build == genome.UnknownBuild {
		return nil, fmt.Errorf("%s: the header does not tell the genome build (no ##reference, contig lengths or assembly); pass --build GRCh38 or GRCh37", name)
	}
	if opt.Build != "" && h.Build != "" && opt.Build != h.Build {
		return nil, fmt.Errorf("%s: header says %s but --build says %s: %w", name, h.Build, opt.Build, ErrBuildMismatch)
	}
	if sec.Build == "" {
		sec.Build = string(build)
	} else if sec.Build != string(build) {
		return nil, fmt.Errorf("%s: file is %s, the store is %s: %w", name, build, sec.Build, ErrBuildMismatch)
	}
	if len(h.Samples) == 0 {
		return nil, fmt.Errorf("%s: no samples (a sites-only VCF has no genotypes to store)", name)
	}
	if err := checkSampleNames(name, h, existing); err != nil {
		return nil, err
	}
	for _, s := range h.Samples {
		if bi, ok := existing[s]; ok {
			if !opt.Replace {
				return nil, fmt.Errorf("%s: sample %s is in batch %s: %w (use --replace to supersede it)", name, s, sec.Batches[bi].ID, ErrDuplicateSample)
			}
			sec.Batches[bi].Superseded = append(sec.Batches[bi].Superseded, s)
		}
	}
	for _, s := range h.Samples {
		existing[s] = len(sec.Batches)
	}
	b.Samples = len(h.Samples)
	b.GVCF = h.GVCF
	b.Header = h.Meta

	w, err := newBatchWriter(tx, name, b.ID, h, opt.MemoryBudget)
	if err != nil {
		return nil, err
	}
	defer w.cleanup()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs := make(chan *chunk, opt.Workers*2)
	results := make(chan *chunk, opt.Workers*2)
	// Chunks (their line buffers, sites and genotype exceptions) are reused
	// once the collector has consumed them.
	pool := sync.Pool{New: func() any { return &chunk{batch: new(vcf.LineBatch)} }}
	var readErr error
	go func() {
		defer close(jobs)
		for seq := 0; ; seq++ {
			c := pool.Get().(*chunk)
			c.seq, c.sites, c.exc, c.err = seq, c.sites[:0], c.exc[:0], nil
			err := r.ReadBatch(c.batch, 4<<20)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				readErr = err
				return
			}
			select {
			case jobs <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var rec vcf.Record
			var codes []int32
			for c := range jobs {
				codes = parseChunk(h, name, c, &rec, codes)
				select {
				case results <- c:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	pending := map[int]*chunk{}
	next := 0
	var firstErr error
	for c := range results {
		if firstErr != nil {
			continue
		}
		pending[c.seq] = c
		for {
			c, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			if c.err != nil {
				firstErr = c.err
				cancel()
				break
			}
			if err := w.addChunk(c); err != nil {
				firstErr = err
				cancel()
				break
			}
			pool.Put(c)
			if opt.Progress != nil {
				opt.Progress(cr.n.Load(), total)
			}
		}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if readErr != nil {
		return nil, readErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if w.sites == 0 {
		return nil, fmt.Errorf("%s: no records after the header", name)
	}
	br, err := w.finish(ctx)
	if err != nil {
		return nil, err
	}
	br.Source, br.Build = name, build
	b.Sites = w.sites
	b.Contigs = w.contigs
	return br, nil
}

// parseChunk parses every line of c, filling c.sites and c.exc or c.err.
func parseChunk(h *vcf.Header, name string, c *chunk, rec *vcf.Record, codes []int32) []int32 {
	lb := c.batch
	var g genome.Genotype
	for i := range lb.Len() {
		line, no := lb.Line(i)
		if err := vcf.ParseLine(h, name, no, line, rec); err != nil {
			c.err = err
			return codes
		}
		var err error
		codes, err = rec.Codes(codes)
		if err != nil {
			c.err = err
			return codes
		}
		s := site{
			line: no, chrom: rec.Chrom, pos: rec.Pos, end: rec.End(), id: rec.ID, ref: rec.Ref,
			alts: slices.Clone(rec.Alts), qual: rec.Qual, filter: rec.Filter, info: rec.Info,
			block: rec.IsRefBlock(),
		}
		s.def = majority(codes)
		if sexChrom(rec.Chrom) {
			// Where males are haploid they may be the majority; the default
			// is the diploid genotype and haploid samples take its haploid
			// form (see findHaploid).
			s.def = majorityDiploid(codes, s.def)
		}
		s.excFrom = len(c.exc)
		for j, code := range codes {
			if code != s.def {
				c.exc = append(c.exc, exc{int32(j), code})
			}
		}
		s.excTo = len(c.exc)
		if sexChrom(rec.Chrom) {
			s.codes = slices.Clone(codes)
		}
		if hasExtras(rec) {
			if err := parseExtras(rec, &s, &g); err != nil {
				c.err = err
				return codes
			}
		}
		c.sites = append(c.sites, s)
	}
	return codes
}

func hasExtras(rec *vcf.Record) bool {
	for _, k := range rec.Format {
		switch k {
		case "GQ", "DP", "PS", "AD", "DS", "GP":
			return true
		}
	}
	return false
}

// parseExtras decodes the FORMAT fields other than GT for every sample.
func parseExtras(rec *vcf.Record, s *site, g *genome.Genotype) error {
	n := rec.NumSamples()
	s.hasFmt = true
	has := func(k string) bool { return rec.HasFormat(k) }
	nA, nAlt := rec.NumAlleles(), len(rec.Alts)
	nG := nA * (nA + 1) / 2
	if has("GQ") {
		s.gqs = make([]int32, n)
	}
	if has("DP") {
		s.dps = make([]int32, n)
	}
	if has("PS") {
		s.pss = make([]int64, n)
	}
	if has("AD") {
		s.ads = make([]int32, n*nA)
	}
	if has("DS") {
		s.dss = make([]float32, n*nAlt)
	}
	if has("GP") {
		s.gps = make([]float32, n*nG)
	}
	nan := float32(math.NaN())
	for i := range n {
		if err := rec.Genotype(i, g); err != nil {
			return err
		}
		if s.gqs != nil {
			s.gqs[i] = g.GQ
		}
		if s.dps != nil {
			s.dps[i] = g.DP
		}
		if s.pss != nil {
			s.pss[i] = g.PS
		}
		if s.ads != nil {
			fill32(s.ads[i*nA:(i+1)*nA], g.AD, -1)
		}
		if s.dss != nil {
			fillF(s.dss[i*nAlt:(i+1)*nAlt], g.DS, nan)
		}
		if s.gps != nil {
			if len(g.GP) != 0 && len(g.GP) != nG && !(len(g.Alleles) == 1 && len(g.GP) == nA) {
				return &vcf.ParseError{File: rec.File, Line: rec.Line, Column: "GP", Sample: rec.Header().Samples[i],
					Err: fmt.Errorf("%d values, want %d (one per genotype)", len(g.GP), nG)}
			}
			fillF(s.gps[i*nG:(i+1)*nG], g.GP, nan)
		}
	}
	return nil
}

func fill32(dst, src []int32, missing int32) {
	for i := range dst {
		if i < len(src) {
			dst[i] = src[i]
		} else {
			dst[i] = missing
		}
	}
}

func fillF(dst, src []float32, missing float32) {
	for i := range dst {
		if i < len(src) {
			dst[i] = src[i]
		} else {
			dst[i] = missing
		}
	}
}

// majority returns the Boyer–Moore majority candidate of codes: the most
// common code whenever one code covers more than half the samples.
func majority(codes []int32) int32 {
	var cand int32
	count := 0
	for _, c := range codes {
		switch {
		case count == 0:
			cand, count = c, 1
		case c == cand:
			count++
		default:
			count--
		}
	}
	return cand
}

// majorityDiploid is majority over the diploid codes only; fallback when
// there are none.
func majorityDiploid(codes []int32, fallback int32) int32 {
	var cand int32
	count, seen := 0, false
	for _, c := range codes {
		if (c>>12)&0xFFF == 0xFFF || c&genome.NoGT != 0 {
			continue // haploid or no GT
		}
		seen = true
		switch {
		case count == 0:
			cand, count = c, 1
		case c == cand:
			count++
		default:
			count--
		}
	}
	if !seen {
		return fallback
	}
	return cand
}

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

	haploid   map[string]*haploidSet
	perSample [][]uint64 // site<<32 | uint32(code), per sample, since the last spill
	held      int64
	budget    int64
	runs      []spillRun
	tmpDir    string
	mem       memory.Allocator
}

func parquetProps(extra ...parquet.WriterProperty) *parquet.WriterProperties {
	opts := append([]parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(3),
		parquet.WithCreatedBy("varamu"),
		parquet.WithStats(true),
	}, extra...)
	return parquet.NewWriterProperties(opts...)
}

func newBatchWriter(tx *store.Txn, name, batchID string, h *vcf.Header, budget int64) (*batchWriter, error) {
	w := &batchWriter{tx: tx, name: name, batchID: batchID, hdr: h, nSample: len(h.Samples), budget: budget,
		seenChr: map[string]bool{}, perSample: make([][]uint64, len(h.Samples)), mem: memory.DefaultAllocator}
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
	), pqarrow.DefaultWriterProps())
	if err != nil {
		return nil, err
	}
	w.vb = array.NewRecordBuilder(w.mem, variantsSchema)
	w.tmpDir, err = os.MkdirTemp("", "varamu-ingest-")
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
	os.RemoveAll(w.tmpDir)
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
			return fmt.Errorf("genome store: batch has more than %d records; split the file", math.MaxInt32)
		}
		siteIdx := int32(w.sites)
		w.sites++
		if err := w.appendVariant(siteIdx, s); err != nil {
			return err
		}
		n := int64(0)
		phase := s.def & phaseBit
		add := func(sample int32, code int32) {
			code ^= phase // stored relative to the site's phase; see PhaseRelative
			w.perSample[sample] = append(w.perSample[sample], uint64(siteIdx)<<32|uint64(uint32(code)))
			n++
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
		w.exc += n
		w.held += n * 8
		if s.hasFmt {
			if err := w.appendFormat(siteIdx, s); err != nil {
				return err
			}
		}
		if w.held > w.budget {
			if err := w.spill(); err != nil {
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

// spill writes the held genotypes as a sorted run: per sample in order, a
// count and delta-coded (site, code) pairs.
func (w *batchWriter) spill() error {
	f, err := os.CreateTemp(w.tmpDir, "run-*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	run := spillRun{path: f.Name(), offsets: make([]int64, w.nSample)}
	var off int64
	var buf [2 * binary.MaxVarintLen64]byte
	for i, entries := range w.perSample {
		run.offsets[i] = off
		n := binary.PutUvarint(buf[:], uint64(len(entries)))
		bw.Write(buf[:n])
		off += int64(n)
		prev := uint64(0)
		for _, e := range entries {
			site := e >> 32
			n := binary.PutUvarint(buf[:], site-prev)
			n += binary.PutUvarint(buf[n:], e&0xFFFFFFFF)
			bw.Write(buf[:n])
			off += int64(n)
			prev = site
		}
		w.perSample[i] = entries[:0]
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	w.runs = append(w.runs, run)
	w.held = 0
	return f.Close()
}

// spillRun is one spilled run: per sample, a count and delta-coded
// (site, code) pairs, starting at offsets[sample].
type spillRun struct {
	path    string
	offsets []int64
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
	if err := w.writeCalls(ctx); err != nil {
		return nil, err
	}
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

// writeCalls merges the spilled runs with the held genotypes, sample by
// sample, into calls files of samplesPerCallsFile samples each, the files
// written in parallel.
func (w *batchWriter) writeCalls(ctx context.Context) error {
	nFiles := (w.nSample + samplesPerCallsFile - 1) / samplesPerCallsFile
	type out struct {
		f   *os.File
		rel string
	}
	outs := make([]out, nFiles)
	for i := range outs {
		f, rel, err := w.tx.Create(fmt.Sprintf("genome/%s/calls-%05d.parquet", w.batchID, i))
		if err != nil {
			return err
		}
		defer f.Close()
		outs[i] = out{f, rel}
	}
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	errs := make([]error, nFiles)
	var wg sync.WaitGroup
	for i := range outs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			first := i * samplesPerCallsFile
			errs[i] = w.writeCallsFile(ctx, outs[i].f, first, min(first+samplesPerCallsFile, w.nSample))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for i, o := range outs {
		rows := min((i+1)*samplesPerCallsFile, w.nSample) - i*samplesPerCallsFile
		w.tx.Add(TableCalls, o.rel, w.batchID, int64(rows))
	}
	return nil
}

// writeCallsFile writes the calls of samples [first, end) to f.
func (w *batchWriter) writeCallsFile(ctx context.Context, f *os.File, first, end int) error {
	runs := make([]*bufio.Reader, len(w.runs))
	for i, run := range w.runs {
		rf, err := os.Open(run.path)
		if err != nil {
			return err
		}
		defer rf.Close()
		if _, err := rf.Seek(run.offsets[first], io.SeekStart); err != nil {
			return err
		}
		runs[i] = bufio.NewReaderSize(rf, 64<<10)
	}
	pw, err := pqarrow.NewFileWriter(callsSchema, f, parquetProps(
		parquet.WithMaxRowGroupLength(samplesPerRowGroup),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryFor("codes.list.element", true),
		parquet.WithEncodingFor("sites.list.element", parquet.Encodings.DeltaBinaryPacked),
		parquet.WithStatsFor("sites.list.element", false),
		parquet.WithStatsFor("codes.list.element", false),
	), pqarrow.DefaultWriterProps())
	if err != nil {
		return err
	}
	b := array.NewRecordBuilder(w.mem, callsSchema)
	defer b.Release()
	idx := b.Field(0).(*array.Int32Builder)
	sl := b.Field(1).(*array.ListBuilder)
	cl := b.Field(2).(*array.ListBuilder)
	sv := sl.ValueBuilder().(*array.Int32Builder)
	cv := cl.ValueBuilder().(*array.Int32Builder)
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		if rec.NumRows() == 0 {
			return nil
		}
		return pw.Write(rec)
	}
	// One block of samplesPerRowGroup samples at a time: read each
	// sample's whole list, then write one row group per site chunk.
	chunk := chunkSites(w.sites)
	nChunks := int((w.sites + int64(chunk) - 1) / int64(chunk))
	blockSites := make([][]int32, samplesPerRowGroup)
	blockCodes := make([][]int32, samplesPerRowGroup)
	for bs := first; bs < end; bs += samplesPerRowGroup {
		if err := ctx.Err(); err != nil {
			return err
		}
		be := min(bs+samplesPerRowGroup, end)
		for s := bs; s < be; s++ {
			sbuf, cbuf := blockSites[s-bs][:0], blockCodes[s-bs][:0]
			for _, rr := range runs {
				n, err := binary.ReadUvarint(rr)
				if err != nil {
					return fmt.Errorf("genome store: reading spill run: %w", err)
				}
				site := uint64(0)
				for range n {
					d, err1 := binary.ReadUvarint(rr)
					code, err2 := binary.ReadUvarint(rr)
					if err := errors.Join(err1, err2); err != nil {
						return fmt.Errorf("genome store: reading spill run: %w", err)
					}
					site += d
					sbuf = append(sbuf, int32(site))
					cbuf = append(cbuf, int32(uint32(code)))
				}
			}
			for _, e := range w.perSample[s] {
				sbuf = append(sbuf, int32(e>>32))
				cbuf = append(cbuf, int32(uint32(e)))
			}
			blockSites[s-bs], blockCodes[s-bs] = sbuf, cbuf
			w.perSample[s] = nil
		}
		pos := make([]int, be-bs) // each sample's position in its list
		for c := range nChunks {
			limit := int32(min(int64(c+1)*int64(chunk), w.sites))
			for s := bs; s < be; s++ {
				k := s - bs
				sites, codes := blockSites[k], blockCodes[k]
				from := pos[k]
				to := from
				for to < len(sites) && sites[to] < limit {
					to++
				}
				idx.Append(int32(s))
				sl.Append(true)
				cl.Append(true)
				sv.AppendValues(sites[from:to], nil)
				cv.AppendValues(codes[from:to], nil)
				pos[k] = to
			}
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return pw.Close() // closes f
}
