package genotypes

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/store"
)

// ErrUnknownSample is returned for a sample the store does not hold.
var ErrUnknownSample = errors.New("genotypes: sample not in the genome store")

// Store reads the genotype store of a varamu store directory. It reads the
// manifest snapshot taken at Open; it is safe for concurrent use.
type Store struct {
	st      *store.Store
	sec     Section
	batches []*batchReader

	once    sync.Once
	err     error
	samples map[string]sampleRef
	order   []string

	// blockReads makes dense reads use the calls files only (tests).
	blockReads bool
}

type sampleRef struct {
	batch int
	idx   int32
}

type batchReader struct {
	b                           Batch
	variants, format, samplesPF string
	calls                       []string // calls files, in sample order
	ploidyPF                    string
	siteCalls                   string // the site-major table ("" in stores written before it)
	haploid                     map[string]haploidRead
	mem                         memory.Allocator
	files                       footers      // of variants and format
	callsIdx                    callsIndexes // of calls files, for the dense read

	idxOnce sync.Once
	idx     *siteIndex
	idxErr  error

	fmtOnce  sync.Once
	fmtSites []int32 // site of each format.parquet row
	fmtRG    []int64 // first row of each format row group
	fmtErr   error

	mu      sync.Mutex
	rgCache map[int]*variantGroup

	namesOnce sync.Once
	names     []string // samples.parquet, in file order
	namesErr  error

	// callsGroups counts the calls row groups (chunk x block) decoded, so
	// that tests can bound the work of a read.
	callsGroups atomic.Int64
}

// Open opens the genome store in dir.
func Open(dir string) (*Store, error) {
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return nil, err
	}
	return FromStore(st)
}

// FromStore reads the genome section of an open store.
func FromStore(st *store.Store) (*Store, error) {
	s := &Store{st: st}
	m := st.Manifest()
	if _, err := m.Section(SectionKey, &s.sec); err != nil {
		return nil, err
	}
	if len(s.sec.Batches) > 0 && s.sec.Layout != Layout {
		return nil, fmt.Errorf("genotypes: store %s: layout %d, this varamu reads layout %d (re-ingest the VCFs)", st.Dir(), s.sec.Layout, Layout)
	}
	find := func(table, part string) string {
		for _, f := range m.Tables[table] {
			if f.Part == part {
				return st.Path(f)
			}
		}
		return ""
	}
	findAll := func(table, part string) []string {
		var out []string
		for _, f := range m.Tables[table] {
			if f.Part == part {
				out = append(out, st.Path(f))
			}
		}
		return out
	}
	for _, b := range s.sec.Batches {
		br := &batchReader{b: b, mem: memory.DefaultAllocator, rgCache: map[int]*variantGroup{},
			variants: find(TableVariants, b.ID), calls: findAll(TableCalls, b.ID),
			format: find(TableFormat, b.ID), samplesPF: find(TableSamples, b.ID), ploidyPF: find(TablePloidy, b.ID),
			siteCalls: find(TableSiteCalls, b.ID)}
		if br.variants == "" || len(br.calls) == 0 || br.samplesPF == "" {
			return nil, fmt.Errorf("genotypes: batch %s is missing files in the manifest", b.ID)
		}
		s.batches = append(s.batches, br)
	}
	return s, nil
}

// Build returns the store's genome build ("" when empty).
func (s *Store) Build() genome.Build { return genome.Build(s.sec.Build) }

// Batches returns the batch descriptions.
func (s *Store) Batches() []Batch { return s.sec.Batches }

func (s *Store) loadSamples() error {
	s.once.Do(func() {
		s.samples = map[string]sampleRef{}
		for bi, b := range s.batches {
			names, err := b.sampleNames()
			if err != nil {
				s.err = err
				return
			}
			for i, n := range names {
				if slices.Contains(b.b.Superseded, n) {
					continue
				}
				s.samples[n] = sampleRef{bi, int32(i)}
				s.order = append(s.order, n)
			}
		}
	})
	return s.err
}

// sampleNames returns the batch's samples in file order, read once.
func (b *batchReader) sampleNames() ([]string, error) {
	b.namesOnce.Do(func() { b.names, b.namesErr = readSampleNames(b.samplesPF) })
	return b.names, b.namesErr
}

// findSample returns where the live copy of a sample is, as loadSamples'
// map would (a later batch's live copy wins), reading the batches' sample
// names from the last batch back only until it is found: a lookup of one
// sample in a store of many batches reads the files of the batches after
// its own, not all of them.
func (s *Store) findSample(name string) (sampleRef, bool, error) {
	for bi := len(s.batches) - 1; bi >= 0; bi-- {
		b := s.batches[bi]
		names, err := b.sampleNames()
		if err != nil {
			return sampleRef{}, false, err
		}
		if i := slices.Index(names, name); i >= 0 && !slices.Contains(b.b.Superseded, name) {
			return sampleRef{bi, int32(i)}, true, nil
		}
	}
	return sampleRef{}, false, nil
}

// Samples returns every live sample, in batch then file order.
func (s *Store) Samples() ([]string, error) {
	if err := s.loadSamples(); err != nil {
		return nil, err
	}
	return s.order, nil
}

// HasSample reports whether the store holds a live copy of the sample.
func (s *Store) HasSample(name string) (bool, error) {
	if err := s.loadSamples(); err != nil {
		return false, err
	}
	_, ok := s.samples[name]
	return ok, nil
}

func openParquet(path string, mem memory.Allocator) (*pqarrow.FileReader, *file.Reader, error) {
	pf, err := file.OpenParquetFile(path, false)
	if err != nil {
		return nil, nil, fmt.Errorf("genotypes: %s: %w", path, err)
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 1 << 22}, mem)
	if err != nil {
		pf.Close()
		return nil, nil, fmt.Errorf("genotypes: %s: %w", path, err)
	}
	return fr, pf, nil
}

func readTable(ctx context.Context, path string, cols, rgs []int, mem memory.Allocator) (arrow.Table, error) {
	fr, pf, err := openParquet(path, mem)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	if rgs == nil {
		rgs = allGroups(pf.NumRowGroups())
	}
	if cols == nil {
		cols = allGroups(pf.MetaData().Schema.Root().NumFields())
	}
	tbl, err := fr.ReadRowGroups(ctx, cols, rgs)
	if err != nil {
		return nil, fmt.Errorf("genotypes: %s: %w", path, err)
	}
	return tbl, nil
}

func allGroups(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func readSampleNames(path string) ([]string, error) {
	tbl, err := readTable(context.Background(), path, []int{1}, nil, memory.DefaultAllocator)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	var names []string
	for _, c := range tbl.Column(0).Data().Chunks() {
		a := c.(*array.String)
		for i := range a.Len() {
			names = append(names, a.Value(i))
		}
	}
	return names, nil
}

// index returns the batch's site index with every site loaded.
func (b *batchReader) index(ctx context.Context) (*siteIndex, error) {
	return b.indexFor(ctx, nil)
}

// indexFor returns the batch's site index with the row groups loaded that
// may hold sites overlapping spans (all of them for nil).
func (b *batchReader) indexFor(ctx context.Context, spans []span) (*siteIndex, error) {
	b.idxOnce.Do(func() {
		b.idx, b.idxErr = newSiteIndex(b.variants, b.b.Sites, &b.files, b.mem)
		if b.idxErr == nil {
			b.idxErr = b.loadPloidy(ctx)
		}
	})
	if b.idxErr != nil {
		return nil, b.idxErr
	}
	if err := b.idx.load(ctx, spans); err != nil {
		return nil, err
	}
	return b.idx, nil
}

// haploidRead is a chromosome's haploid samples from a site on.
type haploidRead struct {
	from    int32
	samples map[int32]bool
}

func (b *batchReader) loadPloidy(ctx context.Context) error {
	b.haploid = map[string]haploidRead{}
	if b.ploidyPF == "" {
		return nil
	}
	tbl, err := readTable(ctx, b.ploidyPF, nil, nil, b.mem)
	if err != nil {
		return err
	}
	defer tbl.Release()
	rr := array.NewTableReader(tbl, 1<<16)
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		chrom := rec.Column(0).(*array.String)
		from := rec.Column(1).(*array.Int32)
		idx := rec.Column(2).(*array.Int32)
		for i := range int(rec.NumRows()) {
			h, ok := b.haploid[chrom.Value(i)]
			if !ok {
				h = haploidRead{from: from.Value(i), samples: map[int32]bool{}}
				b.haploid[chrom.Value(i)] = h
			}
			h.samples[idx.Value(i)] = true
		}
	}
	return nil
}

// expected returns the genotype code a sample has at a site unless
// calls.parquet says otherwise: the site default, in haploid form for a
// sample haploid on the chromosome.
func (b *batchReader) expected(chrom string, site, sidx, def int32) int32 {
	if h, ok := b.haploid[chrom]; ok && site >= h.from && h.samples[sidx] {
		return HaploidForm(def)
	}
	return def
}

// variantGroup is one decoded row group of variants.parquet: its string
// columns id, ref and alt, and with full also qual, filter and info, kept
// as read (a site's strings are taken from them when asked for: a lookup
// wants a few rows of each group).
type variantGroup struct {
	cols []strCol
}

// strCol is a string column of a row group, copied out of its Arrow
// chunks into one string (the strings it gives share that string's memory).
type strCol struct {
	data string
	offs []int32 // row i is data[offs[i]:offs[i+1]]
	null []bool  // nil when no row is null
}

// newStrCol copies a string column out of its chunks: one buffer, no
// string header per row (a []string per row group was a third of a cold
// lookup's time in growing slices and write barriers).
func newStrCol(chunks []arrow.Array) strCol {
	var c strCol
	var buf []byte
	n := 0
	for _, ch := range chunks {
		n += ch.Len()
	}
	c.offs = make([]int32, 1, n+1)
	for _, ch := range chunks {
		a := ch.(*array.String)
		for i := range a.Len() {
			if a.IsNull(i) {
				if c.null == nil {
					c.null = make([]bool, n)
				}
				c.null[len(c.offs)-1] = true
			}
			buf = append(buf, a.Value(i)...)
			c.offs = append(c.offs, int32(len(buf)))
		}
	}
	c.data = string(buf)
	return c
}

// at returns row i's value, and whether it is null.
func (c *strCol) at(i int) (string, bool) {
	if c.null != nil && c.null[i] {
		return "", true
	}
	return c.data[c.offs[i]:c.offs[i+1]], false
}

// text returns row i's value, "." when null.
func (c *strCol) text(i int) string {
	if v, null := c.at(i); !null {
		return v
	}
	return "."
}

// group decodes row group rg of variants.parquet: id, ref and alt, and
// with full also qual, filter and info (which lookups do not need).
func (b *batchReader) group(ctx context.Context, rg int, full bool) (*variantGroup, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	key := rg * 2
	if full {
		key++
	}
	if g, ok := b.rgCache[key]; ok {
		return g, nil
	}
	want := []int{6, 7, 8}
	if full {
		want = append(want, 9, 10, 11)
	}
	fr, pf, err := b.files.openArrow(b.variants, pqarrow.ArrowReadProperties{BatchSize: 1 << 22}, b.mem)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	tbl, err := fr.ReadRowGroups(ctx, want, []int{rg})
	if err != nil {
		return nil, fmt.Errorf("genotypes: %s: %w", b.variants, err)
	}
	defer tbl.Release()
	g := &variantGroup{cols: make([]strCol, len(want))}
	for ci := range want {
		g.cols[ci] = newStrCol(tbl.Column(ci).Data().Chunks())
	}
	if len(b.rgCache) > 64 {
		clear(b.rgCache)
	}
	b.rgCache[key] = g
	return g, nil
}

// SiteInfo is the fixed columns of one stored VCF record.
type SiteInfo struct {
	Chrom        string
	Pos, End     int64
	ID, Ref      string
	Alts         []string
	Qual, Filter string
	Info         string
	Block        bool
	DefaultGT    int32
}

// siteInfo fills dst with the record of site; without full, Qual, Filter
// and Info are left ".".
func (b *batchReader) siteInfo(ctx context.Context, x *siteIndex, site int32, dst *SiteInfo, full bool) error {
	first := int(x.firstRow[site])
	last := int(x.endRow[site])
	dst.Alts = dst.Alts[:0]
	for r := first; r < last; r++ {
		// Row groups are about variantsPerRowGroup rows, not exactly
		// (a record's ALT rows stay together): find r's by offsets.
		rg := sort.Search(len(x.rgStart), func(k int) bool { return x.rgStart[k] > int64(r) }) - 1
		g, err := b.group(ctx, rg, full)
		if err != nil {
			return err
		}
		i := r - int(x.rgStart[rg])
		if r == first {
			dst.ID, dst.Ref, dst.Qual, dst.Filter, dst.Info = g.cols[0].text(i), g.cols[1].text(i), ".", ".", "."
			if full {
				dst.Qual, dst.Filter, dst.Info = g.cols[3].text(i), g.cols[4].text(i), g.cols[5].text(i)
			}
		}
		if alt, null := g.cols[2].at(i); !null {
			dst.Alts = append(dst.Alts, alt)
		}
	}
	dst.Chrom = x.chromName(site)
	dst.Pos, dst.End, dst.Block, dst.DefaultGT = x.pos[site], x.end[site], x.block[site], x.def[site]
	return nil
}

// chunksOf returns the site chunks (Batch.ChunkSites sites each) holding
// sites, ascending and without repeats.
func (b *batchReader) chunksOf(sites []int32) []int {
	out := make([]int, 0, len(sites))
	for _, s := range sites {
		out = append(out, int(s)/b.b.ChunkSites)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// rowGroupsIn returns the row groups of the calls file holding sample
// index idx that hold its block's rows of the given site chunks.
func (b *batchReader) rowGroupsIn(idx int32, chunks []int) []int {
	first := int(idx) / samplesPerCallsFile * samplesPerCallsFile
	inFile := (min(first+samplesPerCallsFile, b.b.Samples) - first + samplesPerBlock - 1) / samplesPerBlock
	block := (int(idx) - first) / samplesPerBlock
	out := make([]int, len(chunks))
	for i, c := range chunks {
		out[i] = c*inFile + block
	}
	return out
}

// readChunks decodes, from the open calls file fr (at path) holding the
// samples idxs of one block, their exceptions in the given site chunks,
// counting the row groups read.
func (b *batchReader) readChunks(ctx context.Context, fr *pqarrow.FileReader, path string, idxs []int32, chunks []int) (map[int32]*sampleCalls, error) {
	if len(chunks) == 0 {
		return noCalls(idxs), nil
	}
	rgs := b.rowGroupsIn(idxs[0], chunks)
	b.callsGroups.Add(int64(len(rgs)))
	return readCallsGroup(ctx, fr, path, rgs, idxs)
}

// noCalls is the calls of samples idxs read from no chunk: none.
func noCalls(idxs []int32) map[int32]*sampleCalls {
	out := make(map[int32]*sampleCalls, len(idxs))
	for _, i := range idxs {
		out[i] = &sampleCalls{}
	}
	return out
}

// readCalls reads the calls of samples idxs in the given site chunks
// (chunksOf); the lists hold every exception of those chunks, also at
// sites the caller did not ask for.
func (b *batchReader) readCalls(ctx context.Context, idxs []int32, chunks []int) (map[int32]*sampleCalls, error) {
	if len(chunks) == 0 {
		return noCalls(idxs), nil
	}
	groups := groupCalls(idxs)
	results := make([]map[int32]*sampleCalls, len(groups))
	errs := make([]error, len(groups))
	// Row groups are decoded in parallel, each worker with its own file
	// handle; a calls file's footer (a row group per chunk and block) is
	// parsed once for all of them (a region of 50 samples spent 12% of its
	// CPU parsing the same two footers four times).
	var callsFooters footers
	workers := min(runtime.GOMAXPROCS(0), len(groups))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			open := -1
			var fr *pqarrow.FileReader
			var pf *file.Reader
			defer func() {
				if pf != nil {
					pf.Close()
				}
			}()
			for i := range next {
				g := groups[i]
				if g.file >= len(b.calls) {
					errs[i] = fmt.Errorf("genotypes: batch %s has no calls file for sample index %d", b.b.ID, g.idxs[0])
					continue
				}
				if g.file != open {
					if pf != nil {
						pf.Close()
					}
					var err error
					if fr, pf, err = callsFooters.openArrow(b.calls[g.file], pqarrow.ArrowReadProperties{BatchSize: 1 << 22}, b.mem); err != nil {
						errs[i] = err
						pf, open = nil, -1
						continue
					}
					open = g.file
				}
				results[i], errs[i] = b.readChunks(ctx, fr, b.calls[g.file], g.idxs, chunks)
			}
		}()
	}
	for i := range groups {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	out := make(map[int32]*sampleCalls, len(idxs))
	for _, r := range results {
		maps.Copy(out, r)
	}
	return out, nil
}

// callsGroup is one block of samples of one calls file and the wanted
// samples in it.
type callsGroup struct {
	file, block int
	idxs        []int32
}

// groupCalls groups sample indices by calls file and row group, in order.
func groupCalls(idxs []int32) []callsGroup {
	sorted := slices.Clone(idxs)
	slices.Sort(sorted)
	var out []callsGroup
	for _, i := range sorted {
		file := int(i) / samplesPerCallsFile
		block := int(i) % samplesPerCallsFile / samplesPerBlock
		if n := len(out); n > 0 && out[n-1].file == file && out[n-1].block == block {
			out[n-1].idxs = append(out[n-1].idxs, i)
			continue
		}
		out = append(out, callsGroup{file, block, []int32{i}})
	}
	return out
}

// Lookup returns, for each locus, the sample's genotype at every stored
// record that covers it: a record at that position, or a gVCF reference
// block spanning it. A locus no record covers gives one Genotype with State
// genome.NotCovered — never reference.
//
// g MUST cover the sample (access.Permit: a decided and logged access).
func (s *Store) Lookup(ctx context.Context, g Permit, sample string, loci []genome.Locus) ([][]genome.Genotype, error) {
	if err := checkPermit(g, sample); err != nil {
		return nil, err
	}
	ref, ok, err := s.findSample(sample)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("%q: %w", sample, ErrUnknownSample)
	}
	b := s.batches[ref.batch]
	spans := make([]span, len(loci))
	for i, l := range loci {
		spans[i] = span{genome.NormalizeChrom(l.Chrom), l.Pos, l.Pos}
	}
	x, err := b.indexFor(ctx, spans)
	if err != nil {
		return nil, err
	}
	out := make([][]genome.Genotype, len(loci))
	var hits []int32
	var info SiteInfo
	type pend struct {
		locus, k int
		site     int32
		nAlts    int
	}
	var pending []pend
	for li, l := range loci {
		chrom := genome.NormalizeChrom(l.Chrom)
		hits = x.overlapping(chrom, l.Pos, l.Pos, hits[:0])
		if len(hits) == 0 {
			out[li] = []genome.Genotype{{Chrom: chrom, Pos: l.Pos, End: l.Pos, State: genome.NotCovered, GQ: -1, DP: -1}}
			continue
		}
		for _, site := range hits {
			if err := b.siteInfo(ctx, x, site, &info, false); err != nil {
				return nil, err
			}
			out[li] = append(out[li], genome.Genotype{Chrom: info.Chrom, Pos: info.Pos, End: info.End, ID: info.ID, Ref: info.Ref,
				Alts: slices.Clone(info.Alts), GQ: -1, DP: -1})
			pending = append(pending, pend{li, len(out[li]) - 1, site, len(info.Alts)})
		}
	}
	sites := make([]int32, len(pending))
	for i, p := range pending {
		sites[i] = p.site
	}
	// Only the chunks holding the hit sites, of the sample's block.
	calls, err := b.readCalls(ctx, []int32{ref.idx}, b.chunksOf(sites))
	if err != nil {
		return nil, err
	}
	sc := calls[ref.idx]
	for _, p := range pending {
		g := &out[p.locus][p.k]
		def := x.def[p.site]
		g.Alleles, g.Phased = genome.DecodeGT(sc.code(p.site, def, b.expected(g.Chrom, p.site, ref.idx, def)), nil)
		g.State = genome.StateOf(g.Alleles)
	}
	ex, err := b.readExtras(ctx, sites, int(ref.idx))
	if err != nil {
		return nil, err
	}
	for _, p := range pending {
		ex.fill(p.site, 0, p.nAlts, &out[p.locus][p.k])
	}
	return out, nil
}

// siteExtras holds the FORMAT fields other than GT of one site, for every
// sample (or one sample, at index 0), flattened with per-sample strides.
type siteExtras struct {
	gq, dp, ad []int32
	ps         []int64
	ds, gp     []float32
}

// extrasCache holds the extras of the sites a lookup or scan reads.
type extrasCache struct {
	sites  map[int32]*siteExtras
	single int // the one sample index kept, or -1 for all
}

func (e *extrasCache) fill(site int32, sidx, nAlts int, g *genome.Genotype) {
	if e == nil {
		return
	}
	x := e.sites[site]
	if x == nil {
		return
	}
	if e.single >= 0 {
		sidx = 0
	}
	if x.gq != nil {
		g.GQ = x.gq[sidx]
	}
	if x.dp != nil {
		g.DP = x.dp[sidx]
	}
	if x.ps != nil {
		g.PS = x.ps[sidx]
	}
	nA := nAlts + 1
	nG := nA * (nA + 1) / 2
	if x.ad != nil {
		g.AD = slices.Clone(x.ad[sidx*nA : (sidx+1)*nA])
		if allEq(g.AD, -1) {
			g.AD = nil
		}
	}
	if x.ds != nil {
		g.DS = slices.Clone(x.ds[sidx*nAlts : (sidx+1)*nAlts])
		if allNaN(g.DS) {
			g.DS = nil
		}
	}
	if x.gp != nil {
		g.GP = slices.Clone(x.gp[sidx*nG : (sidx+1)*nG])
		if len(g.Alleles) == 1 {
			g.GP = g.GP[:nA]
		}
		if allNaN(g.GP) {
			g.GP = nil
		}
	}
}

func (b *batchReader) loadFormatIndex(ctx context.Context) error {
	b.fmtOnce.Do(func() {
		fr, pf, err := b.files.openArrow(b.format, pqarrow.ArrowReadProperties{BatchSize: 1 << 22}, b.mem)
		if err != nil {
			b.fmtErr = err
			return
		}
		defer pf.Close()
		var start int64
		for rg := range pf.NumRowGroups() {
			b.fmtRG = append(b.fmtRG, start)
			start += pf.MetaData().RowGroup(rg).NumRows()
		}
		tbl, err := fr.ReadRowGroups(ctx, []int{0}, allGroups(pf.NumRowGroups()))
		if err != nil {
			b.fmtErr = err
			return
		}
		defer tbl.Release()
		for _, c := range tbl.Column(0).Data().Chunks() {
			b.fmtSites = append(b.fmtSites, c.(*array.Int32).Int32Values()...)
		}
	})
	return b.fmtErr
}

// loadExtras reads the extras of the hit sites for all samples.
func (b *batchReader) loadExtras(ctx context.Context, hits [][]scanSite) (*extrasCache, error) {
	var sites []int32
	for _, hs := range hits {
		for _, h := range hs {
			sites = append(sites, h.site)
		}
	}
	return b.readExtras(ctx, sites, -1)
}

// readExtras reads the extras of sites, for every sample (single < 0) or
// for one sample index.
func (b *batchReader) readExtras(ctx context.Context, sites []int32, single int) (*extrasCache, error) {
	if b.format == "" || len(sites) == 0 {
		return nil, nil
	}
	if err := b.loadFormatIndex(ctx); err != nil {
		return nil, err
	}
	e := &extrasCache{sites: map[int32]*siteExtras{}, single: single}
	byGroup := map[int][]int{} // row group → format rows
	for _, site := range sites {
		row, ok := slices.BinarySearch(b.fmtSites, site)
		if !ok {
			continue
		}
		rg := sort.Search(len(b.fmtRG), func(i int) bool { return b.fmtRG[i] > int64(row) }) - 1
		byGroup[rg] = append(byGroup[rg], row)
	}
	if len(byGroup) == 0 {
		return e, nil
	}
	fr, pf, err := b.files.openArrow(b.format, pqarrow.ArrowReadProperties{BatchSize: 1 << 22}, b.mem)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	for rg, rows := range byGroup {
		tbl, err := fr.ReadRowGroups(ctx, []int{1, 2, 3, 4, 5, 6}, []int{rg})
		if err != nil {
			return nil, fmt.Errorf("genotypes: %s: %w", b.format, err)
		}
		for _, row := range rows {
			r := int64(row) - b.fmtRG[rg]
			x := &siteExtras{}
			for col := range 6 {
				list, ok := listAt(tbl.Column(col).Data().Chunks(), r)
				if !ok {
					continue
				}
				vals := list.vals
				a, en := list.a, list.e
				stride := 1
				if single >= 0 {
					n := int(b.b.Samples)
					stride = (en - a) / max(n, 1)
					a, en = a+single*stride, a+(single+1)*stride
				}
				switch col {
				case 0:
					x.gq = slices.Clone(vals.(*array.Int32).Int32Values()[a:en])
				case 1:
					x.dp = slices.Clone(vals.(*array.Int32).Int32Values()[a:en])
				case 2:
					x.ps = slices.Clone(vals.(*array.Int64).Int64Values()[a:en])
				case 3:
					x.ad = slices.Clone(vals.(*array.Int32).Int32Values()[a:en])
				case 4:
					x.ds = slices.Clone(vals.(*array.Float32).Float32Values()[a:en])
				case 5:
					x.gp = slices.Clone(vals.(*array.Float32).Float32Values()[a:en])
				}
			}
			e.sites[b.fmtSites[row]] = x
		}
		tbl.Release()
	}
	return e, nil
}

type listSlice struct {
	vals arrow.Array
	a, e int
}

// listAt finds row r of a chunked list column.
func listAt(chunks []arrow.Array, r int64) (listSlice, bool) {
	for _, c := range chunks {
		if r < int64(c.Len()) {
			l := c.(*array.List)
			if l.IsNull(int(r)) {
				return listSlice{}, false
			}
			a, e := l.ValueOffsets(int(r))
			return listSlice{l.ListValues(), int(a), int(e)}, true
		}
		r -= int64(c.Len())
	}
	return listSlice{}, false
}

func allEq(v []int32, x int32) bool {
	for _, a := range v {
		if a != x {
			return false
		}
	}
	return true
}

func allNaN(v []float32) bool {
	for _, a := range v {
		if !math.IsNaN(float64(a)) {
			return false
		}
	}
	return true
}

// Record is one site of a region query with the genotype codes of the
// requested samples (genome.EncodeGT codes; MissingCode where the sample's
// batch has no such record).
type Record struct {
	SiteInfo
	Codes []int32
}

// MissingCode marks a sample whose batch has no record at a merged site; it
// prints as "./." (diploid missing).
var MissingCode = genome.EncodeDiploid(genome.Missing, genome.Missing, false)

// Region returns the records overlapping chrom:start-end with the codes of
// the named samples (all live samples when samples is empty), in position
// order. Records of different batches with the same position, REF and ALT
// are merged into one; a sample whose batch lacks a record gets MissingCode.
// g MUST cover the samples (all of the store's when samples is empty).
func (s *Store) Region(ctx context.Context, g Permit, chrom string, start, end int64, samples []string) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		if err := checkPermit(g, samples...); err != nil {
			yield(nil, err)
			return
		}
		if err := s.loadSamples(); err != nil {
			yield(nil, err)
			return
		}
		if len(samples) == 0 {
			samples = s.order
		}
		chrom = genome.NormalizeChrom(chrom)
		perBatch := map[int][]int{} // batch → positions in samples
		for i, n := range samples {
			ref, ok := s.samples[n]
			if !ok {
				yield(nil, fmt.Errorf("%q: %w", n, ErrUnknownSample))
				return
			}
			perBatch[ref.batch] = append(perBatch[ref.batch], i)
		}
		type key struct {
			pos       int64
			ref, alts string
		}
		merged := map[key]*Record{}
		var keys []key
		bis := make([]int, 0, len(perBatch))
		for bi := range perBatch {
			bis = append(bis, bi)
		}
		slices.Sort(bis)
		for _, bi := range bis {
			b := s.batches[bi]
			x, err := b.indexFor(ctx, []span{{chrom, start, end}})
			if err != nil {
				yield(nil, err)
				return
			}
			var idxs []int32
			for _, i := range perBatch[bi] {
				idxs = append(idxs, s.samples[samples[i]].idx)
			}
			sites := x.overlapping(chrom, start, end, nil)
			if len(sites) == 0 {
				continue
			}
			calls, err := b.readCalls(ctx, idxs, b.chunksOf(sites))
			if err != nil {
				yield(nil, err)
				return
			}
			for _, site := range sites {
				if x.pos[site] < start {
					continue // bcftools view -r reports records starting in the region
				}
				var info SiteInfo
				if err := b.siteInfo(ctx, x, site, &info, true); err != nil {
					yield(nil, err)
					return
				}
				k := key{info.Pos, info.Ref, strings.Join(info.Alts, ",")}
				rec, ok := merged[k]
				if !ok {
					rec = &Record{SiteInfo: info, Codes: make([]int32, len(samples))}
					for i := range rec.Codes {
						rec.Codes[i] = MissingCode
					}
					merged[k] = rec
					keys = append(keys, k)
				}
				for j, i := range perBatch[bi] {
					rec.Codes[i] = calls[idxs[j]].code(site, info.DefaultGT, b.expected(info.Chrom, site, idxs[j], info.DefaultGT))
				}
			}
		}
		slices.SortStableFunc(keys, func(a, b key) int {
			if a.pos != b.pos {
				return int(a.pos - b.pos)
			}
			return 0
		})
		for _, k := range keys {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			if !yield(merged[k], nil) {
				return
			}
		}
	}
}

// Base returns the store the genome tables are read from (for deciding
// and logging an access with package access before reading).
func (s *Store) Base() *store.Store { return s.st }
