package risk

import (
	"context"
	"errors"
	"runtime"
	"sync"

	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk/pgs"
	"github.com/varamu/varamu/store"
)

// RunFiles is Run with the scoring files read a part at a time (a
// segment) while the genotypes are scored, instead of whole before: for
// files sorted by position (as PGS Catalog files are), the variants held
// are those of one segment (Config.MemoryBudget / 1024 variants of all
// files, and at least two windows of loci a file) and of each score's
// chunk of matches in flight, however long the files. Every check of
// pgs.ReadFile is made (parse errors, duplicates: with file and line), and
// nothing is written when one fails, even late in the run. A file found
// not sorted makes RunFiles start again the way Run does, each file read
// whole (pgs.ReadFiles).
func RunFiles(ctx context.Context, st *store.Store, gs *genotypes.Store, permit genotypes.Permit, paths []string, cfg Config) ([]*ScoreResult, error) {
	results, err := runStreamed(ctx, st, gs, permit, paths, cfg)
	if !errors.Is(err, pgs.ErrUnsorted) && !errors.Is(err, errNotMerged) {
		return results, err
	}
	scores, err := pgs.ReadFiles(paths)
	if err != nil {
		return nil, err
	}
	return Run(ctx, st, gs, permit, scores, cfg)
}

// errNotMerged: the files' variants are not in the order of their loci
// (a file's chromosomes in another order than the genome's).
var errNotMerged = errors.New("risk: scoring file not in locus order")

func runStreamed(ctx context.Context, st *store.Store, gs *genotypes.Store, permit genotypes.Permit, paths []string, cfg Config) ([]*ScoreResult, error) {
	streams, err := openStreams(paths)
	defer func() {
		for _, s := range streams {
			if s != nil {
				s.Close()
			}
		}
	}()
	if err != nil {
		return nil, err
	}
	scores := make([]*pgs.Score, len(streams))
	for k, s := range streams {
		scores[k] = s.Score()
	}
	results, cohort, err := prepare(gs, scores, &cfg)
	if err != nil {
		return nil, err
	}
	if len(results) > 1<<16 {
		return nil, errNotMerged // beyond the scorer's keys: scored the other way
	}
	return runStored(ctx, st, results, &cfg, func(sink matchSink) error {
		sc := newSegmentScorer(results, cohort, &cfg)
		sc.sink = sink
		return sc.runSegments(ctx, storeSource{gs, permit}, streams)
	})
}

// openStreams opens the scoring files (checksumming them) up to one per
// core at a time; on errors, the first file's in the order given.
func openStreams(paths []string) ([]*pgs.Stream, error) {
	out := make([]*pgs.Stream, len(paths))
	errs := make([]error, len(paths))
	eachFile(len(paths), func(k int) { out[k], errs[k] = pgs.OpenStream(paths[k]) })
	return out, firstNonNil(errs)
}

func firstNonNil(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// eachFile calls fn(0), ..., fn(n-1) on up to one goroutine per core.
func eachFile(n int, fn func(k int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			for k := range next {
				fn(k)
			}
		})
	}
	for k := range n {
		next <- k
	}
	close(next)
	wg.Wait()
}

// newSegmentScorer is newScorer for files read a part at a time: the
// loci are listed a segment at a time (segments.next).
func newSegmentScorer(results []*ScoreResult, c *cohort, cfg *Config) *scorer {
	sc := &scorer{results: results, cohort: c, cfg: cfg, alleles: newAlleleTable(), sorted: true}
	for _, r := range results {
		r.alleles = sc.alleles
		r.matches.open()
	}
	sc.ref = newRefCohort(c.ref)
	sc.finalChunks = make([]int, len(results))
	sc.from = make([]int32, len(results))
	return sc
}

// runSegments scores the files of streams a segment at a time, the
// windows numbered and the lanes kept across segments: windows, lanes
// and sums as one pass over whole files has them.
func (sc *scorer) runSegments(ctx context.Context, src siteSource, streams []*pgs.Stream) error {
	sg, err := sc.newSegments(ctx, src, streams)
	if err != nil {
		return err
	}
	p := sc.newPass(lanes)
	for {
		ws, final, err := sg.next()
		if err != nil {
			return err
		}
		if !final {
			sg.readAhead()
		}
		err = sc.scoreSegment(ctx, src, p, ws)
		if err := errors.Join(err, sg.wait()); err != nil {
			return err
		}
		sg.dropDone()
		if final {
			break
		}
	}
	for _, r := range sc.results {
		n := r.Variants.Len()
		r.matches.grow(n)
		r.matches.closeAt(n)
		r.Report.Variants = n
	}
	return sc.endPass(ctx, p)
}
