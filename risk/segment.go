package risk

import (
	"context"
	"errors"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/risk/pgs"
)

// segments lists the loci of scoring files read a part at a time: each
// segment ends at a locus whose variants are all read, and at the end of
// a window (cut as windowsOf would cut the loci of whole files); the loci
// read past the segment's last window are listed again in the next.
type segments struct {
	sc      *scorer
	streams []*pgs.Stream
	eof     []bool
	heads   *mergeHeads
	cut     *cutter
	// ahead is the variants of each file read beyond those scored.
	ahead int
	// cutLoci is the loci cut into windows so far.
	cutLoci int
	// snaps are copies of the files' tables (Table values, sharing their
	// memory) that the results point to while a segment is scored, so
	// that the next part of the files is read meanwhile (readAhead) into
	// the tables themselves: an append writes past a copy's variants or
	// into new memory, and a copy's variants stay as they were.
	snaps []pgs.Table
	// reading gives the error of the part read meanwhile.
	reading chan error
}

// segmentBytes is the memory budget (Config.MemoryBudget) a variant of a
// segment counts for: the variants of all files read ahead.
const segmentBytes = 1024

// newSegments returns the segments of the files of streams, cut into
// windows at the chunk starts of src when it tells them.
func (sc *scorer) newSegments(ctx context.Context, src siteSource, streams []*pgs.Stream) (*segments, error) {
	maxLoci := sc.maxLoci()
	c := &cutter{maxLoci: maxLoci}
	if cs, ok := src.(chunkStarter); ok {
		var err error
		if c, err = newCutter(ctx, cs, maxLoci); err != nil {
			return nil, err
		}
	}
	ahead := max(int(sc.cfg.MemoryBudget/segmentBytes)/len(streams), 2*maxLoci)
	if sc.cfg.segment > 0 {
		ahead = sc.cfg.segment
	}
	return &segments{sc: sc, streams: streams, eof: make([]bool, len(streams)), heads: newMergeHeads(sc.results), cut: c, ahead: ahead, snaps: make([]pgs.Table, len(streams))}, nil
}

// next reads the files on and lists the next segment's loci in the
// scorer, returning its windows; final is true for the last.
func (sg *segments) next() (ws []window, final bool, err error) {
	sc, h := sg.sc, sg.heads
	for {
		if err := sg.read(); err != nil {
			return nil, false, err
		}
		limit, final := sg.limit()
		for k, r := range sc.results {
			h.end[k] = r.Variants.Len()
			sc.from[k] = int32(h.next[k])
			r.matches.grow(h.end[k])
		}
		if !sc.merge(h, limit) {
			return nil, false, &unsortedError{[]int{h.failed}, errNotMerged}
		}
		if ws = sg.windows(final); len(ws) > 0 || final {
			sg.rewind(ws)
			return ws, final, nil
		}
		sg.rewind(nil) // too few loci for a window: read more
		sg.ahead *= 2
	}
}

// read reads each file on until it holds ahead variants past those
// listed, a file per core at a time.
func (sg *segments) read() error {
	errs := make([]error, len(sg.streams))
	eachFile(len(sg.streams), func(k int) {
		if need := sg.ahead - (sg.streams[k].Score().Variants.Len() - sg.heads.next[k]); !sg.eof[k] && need > 0 {
			sg.eof[k], errs[k] = sg.streams[k].ReadTo(need)
		}
	})
	return firstNonNil(unsortedIn(errs))
}

// unsortedIn replaces the first pgs.ErrUnsorted in errs (by file) by an
// unsortedError naming every file that returned one, and the others by
// nil: they are all sorted before the next try.
func unsortedIn(errs []error) []error {
	var un *unsortedError
	for k, err := range errs {
		switch {
		case !errors.Is(err, pgs.ErrUnsorted):
		case un == nil:
			un = &unsortedError{[]int{k}, err}
			errs[k] = un
		default:
			un.files = append(un.files, k)
			errs[k] = nil
		}
	}
	return errs
}

// limit returns the least of the last loci read of the files not read to
// their end (the segment lists the loci before it: the variants at it may
// not all be read); final, with no limit, when all are.
func (sg *segments) limit() (*locusKey, bool) {
	var limit *locusKey
	for k, r := range sg.sc.results {
		if sg.eof[k] {
			continue
		}
		vs := r.Variants
		key := keyOfLocus(genome.Locus{Chrom: vs.Chrom(vs.Len() - 1), Pos: vs.Pos(vs.Len() - 1)})
		if limit == nil || compareLoci(key, *limit) < 0 {
			limit = &key
		}
	}
	return limit, limit == nil
}

// windows cuts the segment's loci into windows; none, when not final,
// until the loci listed are more than a window's (whole files of fewer
// are one window, as windows() makes them).
func (sg *segments) windows(final bool) []window {
	sc := sg.sc
	n := sc.nLoci()
	if sg.cutLoci+n <= sg.cut.maxLoci {
		if !final || n == 0 {
			return nil
		}
		return []window{{0, n}}
	}
	return sg.cut.cut(n, sc.locus, final)
}

// rewind leaves the loci after the last of ws (all loci when ws is
// empty) to the next segment: the heads go back to their first variants.
func (sg *segments) rewind(ws []window) {
	sc, h := sg.sc, sg.heads
	end := 0
	if len(ws) > 0 {
		end = ws[len(ws)-1].to
	}
	sg.cutLoci += end
	for k := range h.next {
		h.next[k] = int(sc.from[k])
	}
	if len(sc.start) == 0 {
		return
	}
	for _, k := range sc.keys[:sc.start[end]] {
		h.next[k]++
	}
	sc.keys, sc.firstJ, sc.start = sc.keys[:sc.start[end]], sc.firstJ[:end], sc.start[:end+1]
}

// dropDone points the results at the files' tables again, and frees
// each file's variants whose matches are written.
func (sg *segments) dropDone() {
	for k, r := range sg.sc.results {
		r.Variants = &sg.streams[k].Score().Variants
		r.Variants.DropBefore(min(sg.sc.finalChunks[k]*r.matches.size, sg.heads.next[k]))
	}
}

// readAhead points the results at copies of the tables (snaps) and reads
// the files' next part into the tables while the segment is scored.
func (sg *segments) readAhead() {
	for k, r := range sg.sc.results {
		sg.snaps[k] = sg.streams[k].Score().Variants
		r.Variants = &sg.snaps[k]
	}
	sg.reading = make(chan error, 1)
	go func() { sg.reading <- sg.read() }()
}

// wait waits for the part being read ahead, if any.
func (sg *segments) wait() error {
	if sg.reading == nil {
		return nil
	}
	err := <-sg.reading
	sg.reading = nil
	return err
}
