package genotypes

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/varamu/varamu/genome"
)

// SampleGenotypes is one sample's genotypes at the loci of a Scan, in the
// shape Lookup returns.
type SampleGenotypes struct {
	Sample    string
	Genotypes [][]genome.Genotype
}

// ScanConfig tune Scan. The zero value is ready to use.
type ScanConfig struct {
	// Samples restricts the scan; nil means every live sample. Samples
	// not in the store are an error.
	Samples []string
	// Skip, when set, is asked once per sample; true leaves it out (a
	// resumed job skips what it already did).
	Skip func(sample string) bool
	// Workers decode samples in parallel; 0 means GOMAXPROCS.
	Workers int
}

// Scan calls fn with every sample's genotypes at loci, batch by batch and
// row group by row group, so each stored genotype row is read once:
// the whole-biobank counterpart of Lookup. fn is called from one goroutine
// at a time, in no particular sample order; the genotypes it receives are
// its own to keep. Scan stops at the first error fn returns.
//
// g MUST cover opt.Samples (every sample when it is nil).
func (s *Store) Scan(ctx context.Context, g Permit, loci []genome.Locus, opt ScanConfig, fn func(SampleGenotypes) error) error {
	if err := checkPermit(g, opt.Samples...); err != nil {
		return err
	}
	if err := s.loadSamples(); err != nil {
		return err
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	want := map[string]bool{}
	for _, n := range opt.Samples {
		if _, ok := s.samples[n]; !ok {
			return fmt.Errorf("%q: %w", n, ErrUnknownSample)
		}
		want[n] = true
	}
	for bi, b := range s.batches {
		names, err := readSampleNames(b.samplesPF)
		if err != nil {
			return err
		}
		var idxs []int32
		for i, n := range names {
			if ref, ok := s.samples[n]; !ok || ref.batch != bi {
				continue // superseded here
			}
			if len(want) > 0 && !want[n] {
				continue
			}
			if opt.Skip != nil && opt.Skip(n) {
				continue
			}
			idxs = append(idxs, int32(i))
		}
		if len(idxs) == 0 {
			continue
		}
		if err := s.scanBatch(ctx, b, names, idxs, loci, opt.Workers, fn); err != nil {
			return err
		}
	}
	return nil
}

// scanSite is one stored record hit by a locus, with its decoded info.
type scanSite struct {
	site int32
	info SiteInfo
}

func (s *Store) scanBatch(ctx context.Context, b *batchReader, names []string, idxs []int32, loci []genome.Locus, workers int, fn func(SampleGenotypes) error) error {
	x, err := b.index(ctx)
	if err != nil {
		return err
	}
	// Resolve loci to sites once for the batch.
	hits := make([][]scanSite, len(loci))
	var buf []int32
	for li, l := range loci {
		buf = x.overlapping(genome.NormalizeChrom(l.Chrom), l.Pos, l.Pos, buf[:0])
		for _, site := range buf {
			var info SiteInfo
			if err := b.siteInfo(ctx, x, site, &info, false); err != nil {
				return err
			}
			hits[li] = append(hits[li], scanSite{site, info})
		}
	}
	ex, err := b.loadExtras(ctx, hits)
	if err != nil {
		return err
	}
	var sites []int32
	for _, hs := range hits {
		for _, h := range hs {
			sites = append(sites, h.site)
		}
	}
	chunks := b.chunksOf(sites) // only the chunks holding the loci
	groups := groupCalls(idxs)
	type result struct {
		out []SampleGenotypes
		err error
	}
	jobs := make(chan map[int32]*sampleCalls)
	results := make(chan result)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for calls := range jobs {
				var r result
				for sidx, sc := range calls {
					r.out = append(r.out, SampleGenotypes{Sample: names[sidx], Genotypes: b.genotypesAt(loci, hits, sc, sidx, ex)})
				}
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		var fr *pqarrow.FileReader
		var pf *file.Reader
		defer func() {
			if pf != nil {
				pf.Close()
			}
		}()
		file := -1
		for _, g := range groups {
			if g.file != file {
				if pf != nil {
					pf.Close()
				}
				var err error
				if fr, pf, err = openParquet(b.calls[g.file], b.mem); err != nil {
					select {
					case results <- result{err: err}:
					case <-ctx.Done():
					}
					return
				}
				file = g.file
			}
			calls, err := b.readChunks(ctx, fr, b.calls[g.file], g.idxs, chunks)
			if err != nil {
				select {
				case results <- result{err: err}:
				case <-ctx.Done():
				}
				return
			}
			select {
			case jobs <- calls:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		if r.err != nil {
			return r.err
		}
		for _, sg := range r.out {
			if err := fn(sg); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// genotypesAt builds one sample's genotypes at the scan loci.
func (b *batchReader) genotypesAt(loci []genome.Locus, hits [][]scanSite, sc *sampleCalls, sidx int32, ex *extrasCache) [][]genome.Genotype {
	out := make([][]genome.Genotype, len(loci))
	for li, l := range loci {
		if len(hits[li]) == 0 {
			out[li] = []genome.Genotype{{Chrom: genome.NormalizeChrom(l.Chrom), Pos: l.Pos, End: l.Pos, State: genome.NotCovered, GQ: -1, DP: -1}}
			continue
		}
		gs := make([]genome.Genotype, len(hits[li]))
		for k, h := range hits[li] {
			g := &gs[k]
			*g = genome.Genotype{Chrom: h.info.Chrom, Pos: h.info.Pos, End: h.info.End, ID: h.info.ID, Ref: h.info.Ref,
				Alts: h.info.Alts, GQ: -1, DP: -1}
			g.Alleles, g.Phased = genome.DecodeGT(sc.code(h.site, h.info.DefaultGT, b.expected(h.info.Chrom, h.site, sidx, h.info.DefaultGT)), nil)
			g.State = genome.StateOf(g.Alleles)
			ex.fill(h.site, int(sidx), len(h.info.Alts), g)
		}
		out[li] = gs
	}
	return out
}
