package genotypes

import (
	"context"
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

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/store"
)

// ErrBuildMismatch is returned when a VCF's genome build differs from the
// store's.
var ErrBuildMismatch = errors.New("genotypes: genome build differs from the store's")

// ErrDuplicateSample is returned when a sample is already in the store and
// IngestConfig.Replace is not set.
var ErrDuplicateSample = errors.New("genotypes: sample already in the store")

// ErrUnknownContig is returned (wrapped in a vcf.ParseError) for a record
// on a contig that is not a sequence of the genome build.
var ErrUnknownContig = errors.New("genotypes: contig is not in the genome build")

// ErrDuplicateRecord is returned (wrapped in a vcf.ParseError) for a record
// with the same position, REF and ALT as an earlier one.
var ErrDuplicateRecord = errors.New("genotypes: duplicate record")

// ErrSampleName is returned (wrapped) for a sample name the store cannot
// hold: one with a comma (unusable with view -s), a control character, or
// differing from another sample only by letter case.
var ErrSampleName = errors.New("genotypes: unusable sample name")

// ErrUnsorted is returned (wrapped) for records out of order.
var ErrUnsorted = errors.New("genotypes: records are not sorted by chromosome and position (sort with bcftools sort)")

// IngestConfig tune Ingest. The zero value is ready to use.
type IngestConfig struct {
	// Replace lets a batch carry samples already in the store; the older
	// copies are marked superseded. The zero value refuses them.
	Replace bool
	// Build is used when a VCF header does not tell its genome build; the
	// zero value makes such a file an error.
	Build genome.Build
	// Workers parse records in parallel; 0 means GOMAXPROCS.
	Workers int
	// MemoryBudget bounds the calls buffered before a chunk of sites is
	// written (counted as one byte per genotype of the chunk: chunks shrink
	// from 4096 to 256 sites to fit); 0 means 64 MiB.
	MemoryBudget int64
	// Progress, when set, is called from one goroutine with the number of
	// input bytes read so far and the input size (0 when unknown).
	Progress func(read, total int64)
	// NoSiteCalls skips the site-major copy of the calls (sitecalls.go):
	// the store is about half the size, and scans of the whole cohort
	// (risk score) read the calls files instead, several times slower.
	// AddSiteCalls adds it later.
	NoSiteCalls bool
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
func Ingest(ctx context.Context, dir string, paths []string, opt IngestConfig) (*IngestResult, error) {
	if len(paths) == 0 {
		return nil, errors.New("genotypes: no input files")
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.MemoryBudget <= 0 {
		opt.MemoryBudget = 64 << 20
	}
	st, err := store.Open(dir, store.Config{Create: true})
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
		return nil, fmt.Errorf("genotypes: store %s: layout %d, this varamu writes layout %d (ingest into a new store)", dir, sec.Layout, Layout)
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
			return nil, fmt.Errorf("genotypes: batch %s has no samples file", b.ID)
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

type chunk struct {
	seq   int
	sites []site
	exc   []exc
	err   error
	batch *vcf.LineBatch
}

// ingestFile ingests one VCF as batch b: open it, check its header against
// the store, then parse and write its records.
func ingestFile(ctx context.Context, tx *store.Txn, path string, sec *Section, b *Batch, existing map[string]int, opt IngestConfig) (*BatchResult, error) {
	in, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer in.close()
	r, err := vcf.NewReader(in.cr, in.name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	h := r.Header()
	build, err := checkHeader(in.name, h, sec, existing, opt)
	if err != nil {
		return nil, err
	}
	b.Samples = len(h.Samples)
	b.GVCF = h.GVCF
	b.Header = h.Meta
	b.ChunkSites = chunkSitesFor(len(h.Samples), opt.MemoryBudget)
	w, err := newBatchWriter(tx, in.name, b.ID, h, b.ChunkSites, !opt.NoSiteCalls)
	if err != nil {
		return nil, err
	}
	defer w.cleanup()
	if err := runPipeline(ctx, r, in, w, opt); err != nil {
		return nil, err
	}
	if w.sites == 0 {
		return nil, fmt.Errorf("%s: no records after the header", in.name)
	}
	br, err := w.finish(ctx)
	if err != nil {
		return nil, err
	}
	br.Source, br.Build = in.name, build
	b.Sites = w.sites
	b.Contigs = w.contigs
	return br, nil
}

// input is an opened VCF source counting the bytes read.
type input struct {
	name  string
	f     *os.File // nil for stdin
	cr    *countingReader
	total int64 // size, 0 when unknown
}

func (in *input) close() {
	if in.f != nil {
		in.f.Close()
	}
}

// openInput opens path ("-" is stdin).
func openInput(path string) (*input, error) {
	if path == "-" {
		return &input{name: "<stdin>", cr: &countingReader{r: os.Stdin}}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	in := &input{name: path, f: f, cr: &countingReader{r: f}}
	if fi, err := f.Stat(); err == nil {
		in.total = fi.Size()
	}
	return in, nil
}

// checkHeader checks a file's header against the store (genome build,
// samples, sample names), marks replaced samples superseded and records
// the file's samples in existing; it returns the file's build.
func checkHeader(name string, h *vcf.Header, sec *Section, existing map[string]int, opt IngestConfig) (genome.Build, error) {
	build := h.Build
	if build == genome.UnknownBuild {
		build = opt.Build
	}
	if build == genome.UnknownBuild {
		return "", fmt.Errorf("%s: the header does not tell the genome build (no ##reference, contig lengths or assembly); pass --build GRCh38 or GRCh37", name)
	}
	if opt.Build != "" && h.Build != "" && opt.Build != h.Build {
		return "", fmt.Errorf("%s: header says %s but --build says %s: %w", name, h.Build, opt.Build, ErrBuildMismatch)
	}
	if sec.Build == "" {
		sec.Build = string(build)
	} else if sec.Build != string(build) {
		return "", fmt.Errorf("%s: file is %s, the store is %s: %w", name, build, sec.Build, ErrBuildMismatch)
	}
	if len(h.Samples) == 0 {
		return "", fmt.Errorf("%s: no samples (a sites-only VCF has no genotypes to store)", name)
	}
	if err := checkSampleNames(name, h, existing); err != nil {
		return "", err
	}
	for _, s := range h.Samples {
		if bi, ok := existing[s]; ok {
			if !opt.Replace {
				return "", fmt.Errorf("%s: sample %s is in batch %s: %w (use --replace to supersede it)", name, s, sec.Batches[bi].ID, ErrDuplicateSample)
			}
			sec.Batches[bi].Superseded = append(sec.Batches[bi].Superseded, s)
		}
	}
	for _, s := range h.Samples {
		existing[s] = len(sec.Batches)
	}
	return build, nil
}

// runPipeline reads r in chunks of lines, parses them with opt.Workers
// workers and hands the parsed chunks to w in file order.
func runPipeline(ctx context.Context, r *vcf.Reader, in *input, w *batchWriter, opt IngestConfig) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h := r.Header()
	jobs := make(chan *chunk, opt.Workers*2)
	results := make(chan *chunk, opt.Workers*2)
	// Chunks (their line buffers, sites and genotype exceptions) are reused
	// once the collector has consumed them.
	pool := &sync.Pool{New: func() any { return &chunk{batch: new(vcf.LineBatch)} }}
	readDone := make(chan error, 1)
	go func() {
		defer close(jobs)
		readDone <- readChunks(ctx, r, pool, jobs)
	}()
	var wg sync.WaitGroup
	for range opt.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parseChunks(ctx, h, in.name, jobs, results)
		}()
	}
	go func() { wg.Wait(); close(results) }()
	if err := collect(results, pool, w, cancel, func() {
		if opt.Progress != nil {
			opt.Progress(in.cr.n.Load(), in.total)
		}
	}); err != nil {
		return err
	}
	if err := <-readDone; err != nil {
		return err
	}
	return ctx.Err()
}

// readChunks reads r into chunks of about 4 MiB of lines, in order.
func readChunks(ctx context.Context, r *vcf.Reader, pool *sync.Pool, jobs chan<- *chunk) error {
	for seq := 0; ; seq++ {
		c := pool.Get().(*chunk)
		c.seq, c.sites, c.exc, c.err = seq, c.sites[:0], c.exc[:0], nil
		err := r.ReadBatch(c.batch, 4<<20)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		select {
		case jobs <- c:
		case <-ctx.Done():
			return nil
		}
	}
}

// parseChunks is one parsing worker.
func parseChunks(ctx context.Context, h *vcf.Header, name string, jobs <-chan *chunk, results chan<- *chunk) {
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
}

// collect hands the parsed chunks to w in sequence order, stopping (and
// cancelling the others) at the first error; it drains results.
func collect(results <-chan *chunk, pool *sync.Pool, w *batchWriter, cancel func(), progress func()) error {
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
			progress()
		}
	}
	return firstErr
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
