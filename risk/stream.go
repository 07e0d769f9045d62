package risk

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk/pgs"
	"github.com/varamu/varamu/store"
)

// RunFiles is Run with the scoring files read a part at a time (a
// segment) while the genotypes are scored, instead of whole before: the
// variants held are those of one segment (Config.MemoryBudget / 1024
// variants of all files, and at least two windows of loci a file) and of
// each score's chunk of matches in flight, however long the files. Every
// check of pgs.ReadFile is made (parse errors, duplicates: with file and
// line), and nothing is written when one fails, even late in the run.
//
// A file found not sorted by locus makes RunFiles start again with that
// file sorted on disk (pgs.SortFile, in parts of MemoryBudget / 1024
// variants, in a directory under the store's "scratch" directory,
// removed on every path) and read in locus order; its risk_matches rows are held on disk
// as they become final and written at the end in the file's order, as
// Run writes them, so memory stays bounded for it too.
func RunFiles(ctx context.Context, st *store.Store, gs *genotypes.Store, permit genotypes.Permit, paths []string, cfg Config) ([]*ScoreResult, error) {
	scratch, remove, err := scratchDir(st)
	if err != nil {
		return nil, err
	}
	defer remove()
	sorted := make([]*pgs.Sorted, len(paths))
	part := cfg.sortPartSize()
	for {
		results, err := runStreamed(ctx, st, gs, permit, paths, sorted, scratch, cfg)
		var ue *unsortedError
		if errors.As(err, &ue) {
			sortedSome, err := sortFiles(ctx, paths, ue.files, sorted, scratch, part)
			if err != nil {
				return nil, err
			}
			if sortedSome {
				continue // again, with those files sorted
			}
		}
		if !errors.Is(err, errNotMerged) {
			return results, err
		}
		scores, err := pgs.ReadFiles(paths)
		if err != nil {
			return nil, err
		}
		return Run(ctx, st, gs, permit, scores, cfg)
	}
}

// sortFiles sorts the files of paths numbered in files that are not
// sorted yet (sorted[k] nil) into dir, in parts of part variants, one at
// a time; false when all were.
func sortFiles(ctx context.Context, paths []string, files []int, sorted []*pgs.Sorted, dir string, part int) (bool, error) {
	some := false
	for _, k := range files {
		if sorted[k] != nil {
			continue
		}
		var err error
		if sorted[k], err = pgs.SortFile(ctx, paths[k], dir, part); err != nil {
			return false, err
		}
		some = true
	}
	return some, nil
}

// scratchDir makes a directory for RunFiles' temporary files in the
// store's directory "scratch" (not under "data": a transaction removes
// what no manifest names there, and RunFiles begins one after sorting),
// and returns it with the function that removes it, and "scratch" when
// empty. RunFiles removes it on every path; a process killed meanwhile
// leaves it, which no reader of the store looks at.
func scratchDir(st *store.Store) (dir string, remove func(), err error) {
	parent := filepath.Join(st.Dir(), "scratch")
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", nil, fmt.Errorf("risk: %w", err)
	}
	if dir, err = os.MkdirTemp(parent, "risk-sort-"); err != nil {
		os.Remove(parent)
		return "", nil, fmt.Errorf("risk: %w", err)
	}
	return dir, func() {
		os.RemoveAll(dir)
		os.Remove(parent) // fails, as it should, while another run uses it
	}, nil
}

// sortPartSize is the variants of each part pgs.SortFile sorts in memory.
func (c Config) sortPartSize() int {
	if c.sortPart > 0 {
		return c.sortPart
	}
	c.defaults()
	return int(c.MemoryBudget / segmentBytes)
}

// unsortedError is files (by number) found not in locus order: err is
// the first's pgs.ErrUnsorted, or errNotMerged for a file sorted in
// another order of chromosomes.
type unsortedError struct {
	files []int
	err   error
}

func (e *unsortedError) Error() string { return e.err.Error() }
func (e *unsortedError) Unwrap() error { return e.err }

// errNotMerged: the files' variants are not in the order of their loci
// (a file's chromosomes in another order than the genome's).
var errNotMerged = errors.New("risk: scoring file not in locus order")

func runStreamed(ctx context.Context, st *store.Store, gs *genotypes.Store, permit genotypes.Permit, paths []string, sorted []*pgs.Sorted, scratch string, cfg Config) ([]*ScoreResult, error) {
	streams, err := openStreams(paths, sorted)
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
	return runStored(ctx, st, results, &cfg, func(sink matchesSink) error {
		spills, err := newSpillSink(sink, sorted, scratch)
		defer spills.close()
		if err != nil {
			return err
		}
		sc := newSegmentScorer(results, cohort, &cfg)
		sc.sink = spills
		if err := sc.runSegments(ctx, storeSource{gs, permit}, streams); err != nil {
			return err
		}
		return spills.writeAll(ctx)
	})
}

// openStreams opens the scoring files (checksumming them), or the sorted
// versions made of them, up to one per core at a time; on errors, the
// first file's in the order given.
func openStreams(paths []string, sorted []*pgs.Sorted) ([]*pgs.Stream, error) {
	out := make([]*pgs.Stream, len(paths))
	errs := make([]error, len(paths))
	eachFile(len(paths), func(k int) {
		if sorted[k] != nil {
			out[k], errs[k] = sorted[k].Open()
		} else {
			out[k], errs[k] = pgs.OpenStream(paths[k])
		}
	})
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
