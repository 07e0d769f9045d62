package genotypes

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// siteIndex holds the positions of a batch's sites, for binary search. It
// is filled a variants.parquet row group at a time: a region or a lookup
// loads only the row groups whose statistics (chrom, pos, end) may hold
// what it asks for (load), a read of every site all of them (loadAll).
// The per-site slices are indexed by site and valid for the sites of the
// loaded row groups.
type siteIndex struct {
	path  string
	mem   memory.Allocator
	files *footers

	chroms   []string // chromosome names, by chromOf
	chromOf  []int32
	pos, end []int64
	block    []bool
	def      []int32
	firstRow []int32 // first variants.parquet row of each site
	endRow   []int32 // one past its last row
	rgStart  []int64 // first row of each variants.parquet row group
	groups   []rgIndex

	mu sync.Mutex // guards groups' loaded and runs, and chroms
}

// rgIndex is what the footer says of one variants row group, and once
// loaded its sites by chromosome.
type rgIndex struct {
	chromMin, chromMax string
	posMin, endMax     int64
	stats              bool // the footer has min and max of chrom, pos and end
	loaded             bool
	runs               []chromRun
}

// chromRun is a row group's sites on one chromosome, [from, to), in
// position order, and their largest end - pos.
type chromRun struct {
	chrom    int32
	from, to int32
	maxSpan  int64
}

// span is one chromosome range a read asks about.
type span struct {
	chrom      string
	start, end int64
}

// Columns of variants.parquet the index reads (see variantsSchema).
const (
	variantsSite  = 0
	variantsChrom = 3
	variantsPos   = 4
	variantsEnd   = 5
	variantsBlock = 12
	variantsDef   = 13
)

// newSiteIndex reads the footer of variants.parquet: the row groups and
// their statistics; no site is loaded.
func newSiteIndex(path string, sites int64, files *footers, mem memory.Allocator) (*siteIndex, error) {
	pf, err := files.open(path)
	if err != nil {
		return nil, err
	}
	defer pf.Close()
	n := int(sites)
	x := &siteIndex{path: path, mem: mem, files: files, chromOf: make([]int32, n), pos: make([]int64, n), end: make([]int64, n),
		block: make([]bool, n), def: make([]int32, n), firstRow: make([]int32, n), endRow: make([]int32, n)}
	var start int64
	for rg := range pf.NumRowGroups() {
		md := pf.MetaData().RowGroup(rg)
		x.rgStart = append(x.rgStart, start)
		start += md.NumRows()
		x.groups = append(x.groups, groupStats(md))
	}
	return x, nil
}

// groupStats reads a row group's chrom, pos and end statistics.
func groupStats(md *metadata.RowGroupMetaData) rgIndex {
	var g rgIndex
	stat := func(col int) metadata.TypedStatistics {
		cc, err := md.ColumnChunk(col)
		if err != nil {
			return nil
		}
		if ok, err := cc.StatsSet(); !ok || err != nil {
			return nil
		}
		s, err := cc.Statistics()
		if err != nil || s == nil || !s.HasMinMax() {
			return nil
		}
		return s
	}
	c, p, e := stat(variantsChrom), stat(variantsPos), stat(variantsEnd)
	cs, ok1 := c.(*metadata.ByteArrayStatistics)
	ps, ok2 := p.(*metadata.Int64Statistics)
	es, ok3 := e.(*metadata.Int64Statistics)
	if ok1 && ok2 && ok3 {
		g.stats = true
		g.chromMin, g.chromMax = string(cs.Min()), string(cs.Max())
		g.posMin, g.endMax = ps.Min(), es.Max()
	}
	return g
}

// mayHold reports whether row group g may hold a site overlapping s.
func (g *rgIndex) mayHold(s span) bool {
	if !g.stats {
		return true
	}
	if s.chrom < g.chromMin || s.chrom > g.chromMax {
		return false
	}
	if g.chromMin == g.chromMax && (g.endMax < s.start || g.posMin > s.end) {
		return false
	}
	return true
}

// load loads the row groups that may hold a site overlapping one of
// spans (every row group for nil).
func (x *siteIndex) load(ctx context.Context, spans []span) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	var want []int
	for rg := range x.groups {
		g := &x.groups[rg]
		if g.loaded {
			continue
		}
		if spans == nil || slices.ContainsFunc(spans, g.mayHold) {
			want = append(want, rg)
		}
	}
	if len(want) == 0 {
		return nil
	}
	props := pqarrow.ArrowReadProperties{BatchSize: 1 << 16}
	props.SetReadDict(variantsChrom, true)
	fr, pf, err := x.files.openArrow(x.path, props, x.mem)
	if err != nil {
		return err
	}
	defer pf.Close()
	for _, rg := range want {
		if err := x.loadGroup(ctx, fr, rg); err != nil {
			return err
		}
	}
	return nil
}

// loadGroup reads row group rg's sites (x.mu held).
func (x *siteIndex) loadGroup(ctx context.Context, fr *pqarrow.FileReader, rg int) error {
	tbl, err := fr.ReadRowGroups(ctx, []int{variantsSite, variantsChrom, variantsPos, variantsEnd, variantsBlock, variantsDef}, []int{rg})
	if err != nil {
		return fmt.Errorf("genotypes: %s: %w", x.path, err)
	}
	defer tbl.Release()
	rr := array.NewTableReader(tbl, 1<<16)
	defer rr.Release()
	g := &x.groups[rg]
	row := int32(x.rgStart[rg])
	last := int32(-1)
	for rr.Next() {
		rec := rr.RecordBatch()
		site := rec.Column(0).(*array.Int32)
		chromDict := rec.Column(1).(*array.Dictionary)
		chromNames := chromDict.Dictionary().(*array.String)
		pos := rec.Column(2).(*array.Int64)
		end := rec.Column(3).(*array.Int64)
		blk := rec.Column(4).(*array.Boolean)
		def := rec.Column(5).(*array.Int32)
		for i := range int(rec.NumRows()) {
			st := site.Value(i)
			if int(st) >= len(x.pos) || st < 0 {
				return fmt.Errorf("genotypes: %s: site %d out of the batch's %d sites", x.path, st, len(x.pos))
			}
			if st != last {
				last = st
				ci := x.chromID(chromNames.Value(chromDict.GetValueIndex(i)))
				if n := len(g.runs); n == 0 || g.runs[n-1].chrom != ci {
					g.runs = append(g.runs, chromRun{chrom: ci, from: st, to: st})
				}
				r := &g.runs[len(g.runs)-1]
				r.to = st + 1
				p, e := pos.Value(i), end.Value(i)
				x.chromOf[st], x.pos[st], x.end[st] = ci, p, e
				x.block[st], x.def[st], x.firstRow[st] = blk.Value(i), def.Value(i), row
				r.maxSpan = max(r.maxSpan, e-p)
			}
			row++
			x.endRow[st] = row
		}
	}
	g.loaded = true
	return nil
}

// chromID returns the id of a chromosome name, adding it (x.mu held).
func (x *siteIndex) chromID(c string) int32 {
	if i := slices.Index(x.chroms, c); i >= 0 {
		return int32(i)
	}
	x.chroms = append(x.chroms, c)
	return int32(len(x.chroms) - 1)
}

// chromName returns the chromosome of a loaded site.
func (x *siteIndex) chromName(site int32) string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.chroms[x.chromOf[site]]
}

// overlapping appends the sites whose [pos, end] overlaps [start, end]
// on chrom, in site order, among the loaded row groups: the caller loads
// the span first.
func (x *siteIndex) overlapping(chrom string, start, end int64, dst []int32) []int32 {
	x.mu.Lock()
	defer x.mu.Unlock()
	ci := int32(slices.Index(x.chroms, chrom))
	if ci < 0 {
		return dst
	}
	for gi := range x.groups {
		g := &x.groups[gi]
		if !g.loaded {
			continue
		}
		for _, r := range g.runs {
			if r.chrom != ci {
				continue
			}
			lo, hi := int(r.from), int(r.to)
			from := lo + sort.Search(hi-lo, func(i int) bool { return x.pos[lo+i] >= start-r.maxSpan })
			to := lo + sort.Search(hi-lo, func(i int) bool { return x.pos[lo+i] > end })
			for i := from; i < to; i++ {
				if x.end[i] >= start {
					dst = append(dst, int32(i))
				}
			}
		}
	}
	return dst
}
