package genotypes

import (
	"context"
	"slices"

	"github.com/varamu/varamu/genome"
)

// The dense read: the records at many loci for many samples, site-major,
// decoded one site at a time straight from the stored rows (a block's 2-bit
// plane or difference list) into a caller's buffer. It is SitesAt without
// the per-sample exception lists and without a codes vector per record:
// memory is the row groups of calls holding the sites, and decoding a site
// costs one pass over the samples asked for.

// Dosage is one sample's copies of one allele at a site and the ploidy of
// its call, in a byte. Ploidy 0 is a missing call: "./.", a half-missing
// diploid call such as "./1" (read as missing, as plink2's
// --vcf-half-call missing does), no GT at all, or a sample whose batch has
// no record at the site.
type Dosage uint8

// Count returns the copies of the allele (0, 1 or 2).
func (d Dosage) Count() int { return int(d & 3) }

// Ploidy returns the ploidy of the call: 2 diploid, 1 haploid, 0 missing.
func (d Dosage) Ploidy() int { return int(d >> 2) }

// haploidAllele is the second allele field of a haploid code (package
// genome's encoding; TestCodeDosage checks it).
const haploidAllele = 0xFFF

// CodeDosage returns the dosage of allele (0: REF, k: the k-th ALT) in a
// genotype code (genome.EncodeGT).
func CodeDosage(code int32, allele int) Dosage {
	if code&genome.NoGT != 0 {
		return 0
	}
	a1 := int32(allele + 1)
	x, y := code&0xFFF, (code>>12)&0xFFF
	if x == 0 || y == 0 {
		return 0
	}
	var d Dosage
	if x == a1 {
		d = 1
	}
	if y == haploidAllele {
		return d | 1<<2
	}
	if y == a1 {
		d++
	}
	return d | 2<<2
}

// DenseSite is one stored record of a dense read: its fixed columns and,
// not yet decoded, the calls of the samples asked for. It is valid only
// during the callback of DenseSitesAt.
type DenseSite struct {
	SiteInfo
	n     int
	parts []densePart // one per batch holding the record, in batch order
}

// densePart is the record in one batch: site k of the batch's read, and
// its default genotype there (stored codes are phase relative to it).
type densePart struct {
	db  *denseBatch
	k   int
	def int32
}

// Codes writes the genotype codes of the samples asked for, in their
// order, into dst (grown as needed) and returns it: the codes SitesAt gives
// (MissingCode where a sample's batch has no such record).
func (s *DenseSite) Codes(dst []int32) []int32 {
	return fillSite(s, dst, MissingCode, func(code int32) int32 { return code })
}

// Dosages writes each sample's dosage of allele (0: REF) into dst (grown
// as needed) and returns it, in the order of the samples asked for.
func (s *DenseSite) Dosages(allele int, dst []Dosage) []Dosage {
	return fillSite(s, dst, 0, func(code int32) Dosage { return CodeDosage(code, allele) })
}

// whole reports whether the batch's blocks are the n samples asked for,
// each block whole and in order.
func (db *denseBatch) whole(n int) bool {
	total := 0
	for _, bw := range db.blocks {
		if bw.whole < 0 {
			return false
		}
		total += len(bw.offs)
	}
	return total == n
}

// fillSite decodes a site into dst: missing everywhere, then each batch
// part block by block. conv maps a genotype code to the value wanted.
func fillSite[T any](s *DenseSite, dst []T, missing T, conv func(int32) T) []T {
	dst = slices.Grow(dst[:0], s.n)[:s.n]
	for i := range dst {
		dst[i] = missing
	}
	for _, p := range s.parts {
		db := p.db
		exp := conv(p.def)
		hap := db.haploidAt(s.Chrom, db.sites[p.k])
		var hapExp T
		if hap != nil {
			hapExp = conv(HaploidForm(p.def))
		}
		if db.bySite != nil {
			fillSiteRow(dst, db, db.siteRow(p.k), p.def, exp, hapExp, hap, conv)
			continue
		}
		rows := db.rows[p.k*len(db.blocks) : (p.k+1)*len(db.blocks)]
		for bi, bw := range db.blocks {
			var hapOffs []int32
			if hap != nil {
				hapOffs = hap[bi]
			}
			fillBlock(dst, bw, db.row(rows[bi]), p.def, exp, hapExp, hapOffs, conv)
		}
	}
	return dst
}

// blockWant is one block of samples of a batch and the samples of it asked
// for: their offsets in the block (ascending) and output positions.
type blockWant struct {
	first      int32 // batch index of the block's first sample
	offs, outs []int32
	// whole is the output position of offset 0 when the block's samples
	// are asked for from its first on, in order, at consecutive positions;
	// -1 otherwise.
	whole int32
	posOf [SamplesPerBlock]int32 // output position of an offset; -1 not asked for
}

// denseBatch is the read of one batch: the sites at the loci, and for each
// site × block the stored row.
type denseBatch struct {
	b      *batchReader
	x      *siteIndex
	sites  []int32
	blocks []*blockWant
	arena  *rowArena // the rows read (densereader.go)
	rows   []rowRef  // site-major: len(sites) × len(blocks)
	hap    map[string]haploidBlocks
	buf    *DenseBuffers // of the rows read; nil: the batch's allocator
	listed []Dosage      // PlaneRows' scratch: a row's listed dosages
	dtab   []Dosage      // and a site-major row's code table's
	// bySite, when not nil, holds the sites' rows from the batch's
	// site-major table (sitecallsread.go), and rows is unused.
	bySite *siteRead
	// blockReads: read the calls files even where the site-major table
	// could be read (tests compare the two).
	blockReads bool
}

// haploidBlocks are, per block, the offsets of the samples asked for that
// are haploid on a chromosome, from site on.
type haploidBlocks struct {
	from int32
	offs [][]int32
}

// haploidAt returns the per-block haploid offsets at site of chrom, nil
// when no sample asked for is haploid there.
func (db *denseBatch) haploidAt(chrom string, site int32) [][]int32 {
	hb, ok := db.hap[chrom]
	if !ok {
		h, isHap := db.b.haploid[chrom]
		if isHap {
			hb.from = h.from
			for _, bw := range db.blocks {
				var offs []int32
				for _, off := range bw.offs {
					if h.samples[bw.first+off] {
						offs = append(offs, off)
					}
				}
				hb.offs = append(hb.offs, offs)
			}
		}
		if db.hap == nil {
			db.hap = map[string]haploidBlocks{}
		}
		db.hap[chrom] = hb
	}
	if hb.offs == nil || site < hb.from {
		return nil
	}
	return hb.offs
}

// DenseSitesAt reads the records that start at loci, for the named
// samples (all live samples when samples is empty), and calls fn once with
// them: the records SitesAt returns, merged across batches and in the same
// order, each decoded only when asked (DenseSite.Codes, DenseSite.Dosages).
// The sites and their calls are valid only during fn. Memory is the
// stored rows of the row groups holding the sites (at most 2 bits a
// genotype for a dense row), not records × samples.
//
// g MUST cover the samples (all of the store's when samples is empty).
func (s *Store) DenseSitesAt(ctx context.Context, g Permit, loci []genome.Locus, samples []string, fn func([]*DenseSite) error) error {
	return s.DenseSitesAtReusing(ctx, g, loci, samples, nil, fn)
}

// DenseSitesAtReusing is DenseSitesAt reading the stored rows into buf's
// buffers (the store's allocator when buf is nil), which are given back to
// buf when fn returns: windows read one after another with one buf reuse
// the memory of the first.
func (s *Store) DenseSitesAtReusing(ctx context.Context, g Permit, loci []genome.Locus, samples []string, buf *DenseBuffers, fn func([]*DenseSite) error) error {
	samples, perBatch, err := s.permittedByBatch(g, samples)
	if err != nil {
		return err
	}
	// Records are merged across batches by their key; with one batch
	// read there is nothing to merge, and no map is kept (its inserts were
	// a tenth of a 100,000-site score's CPU).
	var merged map[siteKey]*DenseSite
	if readBatches(perBatch) > 1 {
		merged = make(map[siteKey]*DenseSite, len(loci))
	}
	var out []*DenseSite
	for bi, want := range perBatch {
		if len(want) == 0 {
			continue
		}
		db, err := s.denseBatch(ctx, bi, loci, samples, want, buf)
		if db != nil {
			defer db.release()
		}
		if err != nil {
			return err
		}
		block := make([]DenseSite, len(db.sites)) // one allocation for the batch's new sites
		for k, site := range db.sites {
			var info SiteInfo
			if err := db.b.siteInfo(ctx, db.x, site, &info, false); err != nil {
				return err
			}
			kk := keyOf(&info)
			ds, ok := merged[kk]
			if !ok {
				info.Alts = slices.Clone(info.Alts)
				ds = &block[k]
				*ds = DenseSite{SiteInfo: info, n: len(samples)}
				if merged != nil {
					merged[kk] = ds
				}
				out = append(out, ds)
			}
			ds.parts = append(ds.parts, densePart{db, k, info.DefaultGT})
		}
	}
	sortByLoci(out, loci, func(d *DenseSite) *SiteInfo { return &d.SiteInfo })
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(out)
}

// readBatches counts the batches with samples to read.
func readBatches(perBatch [][]int) int {
	n := 0
	for _, want := range perBatch {
		if len(want) > 0 {
			n++
		}
	}
	return n
}

// sortByLoci orders sites as SitesAt does: by chromosome in the order the
// loci name them, by position within one, stable otherwise.
func sortByLoci[T any](sites []T, loci []genome.Locus, info func(T) *SiteInfo) {
	rank := map[string]int{}
	for _, l := range loci {
		c := genome.NormalizeChrom(l.Chrom)
		if _, ok := rank[c]; !ok {
			rank[c] = len(rank)
		}
	}
	slices.SortStableFunc(sites, func(x, y T) int {
		a, b := info(x), info(y)
		if d := rank[a.Chrom] - rank[b.Chrom]; d != 0 {
			return d
		}
		switch {
		case a.Pos < b.Pos:
			return -1
		case a.Pos > b.Pos:
			return 1
		}
		return 0
	})
}

// denseBatch finds batch bi's sites at loci and reads the row groups of
// calls holding them for the blocks of the samples at indices want of
// samples. The result is returned with an error too, to be released.
func (s *Store) denseBatch(ctx context.Context, bi int, loci []genome.Locus, samples []string, want []int, buf *DenseBuffers) (*denseBatch, error) {
	b := s.batches[bi]
	x, err := b.index(ctx)
	if err != nil {
		return nil, err
	}
	db := &denseBatch{b: b, x: x, sites: sitesAt(x, loci), buf: buf, blockReads: s.blockReads}
	if len(db.sites) == 0 {
		return db, nil
	}
	db.blocks = s.blocksOf(samples, want)
	if db.usesSiteCalls() {
		return db, db.readSiteRows(ctx)
	}
	return db, db.readRows(ctx)
}

// sitesAt returns the sorted sites of a batch that start at loci.
func sitesAt(x *siteIndex, loci []genome.Locus) []int32 {
	var sites, buf []int32
	for _, l := range loci {
		buf = x.overlapping(genome.NormalizeChrom(l.Chrom), l.Pos, l.Pos, buf[:0])
		for _, site := range buf {
			if x.pos[site] == l.Pos {
				sites = append(sites, site)
			}
		}
	}
	slices.Sort(sites)
	return slices.Compact(sites)
}

// blocksOf groups the samples at indices want (all of one batch) by block
// of samples, in block order.
func (s *Store) blocksOf(samples []string, want []int) []*blockWant {
	byBlock := map[int32]*blockWant{}
	var out []*blockWant
	for _, i := range want {
		idx := s.samples[samples[i]].idx
		first := idx / samplesPerBlock * samplesPerBlock
		bw, ok := byBlock[first]
		if !ok {
			bw = &blockWant{first: first}
			for j := range bw.posOf {
				bw.posOf[j] = -1
			}
			byBlock[first] = bw
			out = append(out, bw)
		}
		off := idx - first
		bw.offs = append(bw.offs, off)
		bw.outs = append(bw.outs, int32(i))
		bw.posOf[off] = int32(i)
	}
	for _, bw := range out {
		sortPairs(bw.offs, bw.outs)
		bw.whole = bw.outs[0]
		for j, off := range bw.offs {
			if off != int32(j) || bw.outs[j] != bw.outs[0]+int32(j) {
				bw.whole = -1
				break
			}
		}
	}
	slices.SortFunc(out, func(a, b *blockWant) int { return int(a.first - b.first) })
	return out
}

// sortPairs sorts offs ascending, keeping outs paired.
func sortPairs(offs, outs []int32) {
	idx := make([]int, len(offs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return int(offs[a] - offs[b]) })
	o, p := slices.Clone(offs), slices.Clone(outs)
	for i, j := range idx {
		offs[i], outs[i] = o[j], p[j]
	}
}

// Dosages writes each sample's dosage of allele (0: REF) at the record
// into dst (grown as needed) and returns it, as DenseSite.Dosages does.
func (r *Record) Dosages(allele int, dst []Dosage) []Dosage {
	dst = slices.Grow(dst[:0], len(r.Codes))[:len(r.Codes)]
	for i, c := range r.Codes {
		dst[i] = CodeDosage(c, allele)
	}
	return dst
}
