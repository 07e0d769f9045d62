package risk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk/pgs"
)

// varRef is one scoring variant: score k, variant j.
type varRef struct{ k, j int32 }

// chroms tells the chromosome of the scores' variants, remembering each
// score's last run of one chromosome: variants asked for in file order
// cost a search per chromosome, not per variant.
type chroms struct {
	results  []*ScoreResult
	name     []string
	from, to []int
}

func newChroms(results []*ScoreResult) *chroms {
	n := len(results)
	return &chroms{results: results, name: make([]string, n), from: make([]int, n), to: make([]int, n)}
}

// of returns the chromosome of score k's variant j.
func (c *chroms) of(k, j int) string {
	if j < c.from[k] || j >= c.to[k] {
		c.name[k], c.from[k], c.to[k] = c.results[k].Variants.ChromRun(j)
	}
	return c.name[k]
}

// scorer holds what one pass over the genotypes shares: the scores, the
// cohort and the scoring loci. The windows are scored in lanes.
//
// The loci are not held as such: locus i is the position of its first
// variant; a lane lists a window's loci, and the variants at each, when
// it reads them. Sorted files (mergeSorted) are indexed by the score of
// each variant alone, keys (2 bytes a variant and score, and 8 a locus:
// start and the first variant's number, firstJ), their numbers being
// consecutive in each score; files in any order (indexAll) by refs (8
// bytes a variant and score, 4 a locus).
type scorer struct {
	results []*ScoreResult
	cohort  *cohort
	cfg     *Config
	refs    []varRef // the scoring variants, by locus in order (indexAll)
	keys    []uint16 // the scores of the variants, by locus in order (mergeSorted)
	firstJ  []int32  // the number of the first variant at each locus (mergeSorted)
	start   []int32  // refs[start[i]:start[i+1]] (or keys) are at locus i
	ref     *refCohort
	alleles *alleleTable
	// sorted is true when every scoring file is sorted (mergeSorted):
	// each window then holds a run of each score's variants in file order,
	// and the variants before it are final once it and the windows before
	// it are done.
	sorted bool
	// sink, when set, writes each score's matches as they become final
	// (Run); else they are held in the results (Score).
	sink matchSink
	// from are the first variants of each score at the loci listed (0 but
	// in a segment of a run that reads the files a part at a time).
	from []int32
	// finalChunks counts each score's chunks of matches made final.
	finalChunks []int
	gate        gate
}

// matchSink takes the matches of a score's variants once final, a chunk
// (matchesChunk variants) at a time, in file order; the chunk is dropped
// after.
type matchSink interface {
	chunk(k, c int) error
}

// nLoci is the number of scoring loci.
func (sc *scorer) nLoci() int { return max(len(sc.start)-1, 0) }

// locus returns scoring locus i.
func (sc *scorer) locus(i int) genome.Locus {
	vr := sc.first(i)
	vs := sc.results[vr.k].Variants
	return genome.Locus{Chrom: vs.Chrom(int(vr.j)), Pos: vs.Pos(int(vr.j))}
}

// first returns the first variant at locus i.
func (sc *scorer) first(i int) varRef {
	if sc.sorted {
		return varRef{int32(sc.keys[sc.start[i]]), sc.firstJ[i]}
	}
	return sc.refs[sc.start[i]]
}

// addLocus ends the list of the variants at a locus, appended to refs or
// keys.
func (sc *scorer) addLocus() {
	if len(sc.start) == 0 {
		sc.start = append(sc.start, 0)
	}
	sc.start = append(sc.start, int32(len(sc.refs)+len(sc.keys)))
}

// variants is the number of variants of all scores.
func (sc *scorer) variants() int {
	n := 0
	for _, r := range sc.results {
		n += r.Variants.Len()
	}
	return n
}

// refsOf lists the variants at the loci of window w, into refs (reused),
// and where each locus' begin, into at (reused; at[i-w.from]); spans are
// the window's (scorer.spans).
func (sc *scorer) refsOf(w window, spans []span, refs []varRef, at []int32) ([]varRef, []int32) {
	refs, at = refs[:0], at[:0]
	if !sc.sorted {
		for i := w.from; i < w.to; i++ {
			at = append(at, int32(len(refs)))
			refs = append(refs, sc.refs[sc.start[i]:sc.start[i+1]]...)
		}
		return refs, append(at, int32(len(refs)))
	}
	next := make([]int32, len(spans))
	for k, s := range spans {
		next[k] = s.from
	}
	for i := w.from; i < w.to; i++ {
		at = append(at, int32(len(refs)))
		for _, k := range sc.keys[sc.start[i]:sc.start[i+1]] {
			refs = append(refs, varRef{int32(k), next[k]})
			next[k]++
		}
	}
	return refs, append(at, int32(len(refs)))
}

// lanes is how many shares the windows are dealt into (window i to lane
// i mod lanes), each scored by one goroutine at a time into its own
// totals, merged in lane order at the end: the result does not depend on
// the number of cores (up to lanes of them are used).
const lanes = 4

// lane is the scoring state of one share of the windows: its totals and
// match-report counts, and per position group, reused, the uses of the
// group and the decoded dosages of each distinct record allele they read.
// Each variant is in one window, so lanes write disjoint VariantMatches.
type lane struct {
	*scorer
	acc     *accum
	reports []MatchReport
	buf     *genotypes.DenseBuffers // the rows of calls of the worker scoring the lane
	// turn is the window the lane scores next (guarded by mu).
	mu   sync.Mutex
	cond *sync.Cond
	turn int

	// The listing of the lane's window, in the buffers of the worker
	// scoring it (listLoci). wnext is the locus after the last one a
	// record was found at; wat (in the listing) the loci's numbers, made
	// (watMade) when records come in another order.
	*listing
	wnext   int
	watMade bool
	chroms  *chroms // the lane's, for listing its windows' loci

	uses    []use
	hits    []recIndex
	decoded []decodedHits
	pool    []*dosages

	// interned is the last record's interned REF and ALTs.
	internedRec  *record
	internedRef  uint32
	internedAlts uint32
	scratch      []byte
	lastMatch    lastMatch
}

// listing is the loci of a window and the scoring variants at them:
// wrefs[wstart[i]:wstart[i+1]] are the variants at wloci[i]. A listing
// holds a window's variants of every score (about 64 bytes each), so
// there is one per worker, lent to the lane whose window it scores (as
// the rows of calls are), not one per lane.
type listing struct {
	wloci  []genome.Locus
	wrefs  []varRef
	wvars  []pgs.Weighted // the variants of wrefs
	wstart []int32
	wat    map[genome.Locus]int32
}

// use is one scoring variant matched at a position: the records and allele
// indices it reads (hits[from:to] of the scorer's hits).
type use struct {
	vr       varRef
	orient   Orientation
	from, to int
	x        int32  // the variant's index in the lane's wrefs and wvars
	m        *match // its match
}

// decodedHits is the dosages decoded for one list of hits.
type decodedHits struct {
	hits []recIndex
	v    *dosages
}

func newScorer(results []*ScoreResult, c *cohort, cfg *Config) *scorer {
	sc := &scorer{results: results, cohort: c, cfg: cfg, alleles: newAlleleTable()}
	for _, r := range results {
		r.alleles = sc.alleles
	}
	sc.ref = newRefCohort(c.ref)
	sc.finalChunks = make([]int, len(results))
	sc.sorted = sc.mergeSorted()
	if !sc.sorted {
		sc.indexAll()
	}
	return sc
}

// indexAll lists the loci of every score's variants, sorted, and the
// variants at each, through a map: for scoring files in any order.
func (sc *scorer) indexAll() {
	sc.refs, sc.start, sc.keys, sc.firstJ = make([]varRef, 0, sc.variants()), sc.start[:0], nil, nil
	var loci []genome.Locus
	at := make(map[genome.Locus][]varRef, sc.results[0].Variants.Len())
	cs := newChroms(sc.results)
	for k, r := range sc.results {
		for j := range r.Variants.Len() {
			l := genome.Locus{Chrom: cs.of(k, j), Pos: r.Variants.Pos(j)}
			refs, ok := at[l]
			if !ok {
				loci = append(loci, l)
			}
			at[l] = append(refs, varRef{int32(k), int32(j)})
		}
	}
	slices.SortFunc(loci, func(a, b genome.Locus) int { return compareLoci(keyOfLocus(a), keyOfLocus(b)) })
	for _, l := range loci {
		sc.refs = append(sc.refs, at[l]...)
		sc.addLocus()
	}
}

// locusKey orders loci: by chromosome rank, name, position, then the
// chromosome as written. packed, when not 0, is rank and position in one
// number that orders them so (a chromosome of no name: a primary one).
type locusKey struct {
	rank   int
	name   string
	pos    int64
	chrom  string
	packed uint64
}

func keyOfLocus(l genome.Locus) locusKey {
	r, n := genome.ChromRank(l.Chrom)
	return locusKey{r, n, l.Pos, l.Chrom, 0}.withPacked()
}

// withPacked sets k.packed where rank and position fit.
func (k locusKey) withPacked() locusKey {
	k.packed = 0
	if k.name == "" && k.rank > 0 && k.rank < 1<<20 && k.pos >= 0 && k.pos < 1<<40 {
		k.packed = uint64(k.rank)<<40 | uint64(k.pos)
	}
	return k
}

func compareLoci(a, b locusKey) int {
	if a.packed != 0 && b.packed != 0 && a.packed != b.packed {
		return cmp.Compare(a.packed, b.packed)
	}
	if c := cmp.Compare(a.rank, b.rank); c != 0 {
		return c
	}
	if c := strings.Compare(a.name, b.name); c != 0 {
		return c
	}
	if c := cmp.Compare(a.pos, b.pos); c != 0 {
		return c
	}
	return strings.Compare(a.chrom, b.chrom)
}

// mergeSorted lists the loci and the variants at each by merging the
// scores' variants when every scoring file is sorted (as PGS Catalog
// files are): a pass over them without a map. It returns false, having
// listed only part, when one is not sorted.
func (sc *scorer) mergeSorted() bool {
	n := len(sc.results)
	if n > math.MaxUint16+1 {
		return false
	}
	sc.keys = make([]uint16, 0, sc.variants())
	h := newMergeHeads(sc.results)
	for k, r := range sc.results {
		h.end[k] = r.Variants.Len()
	}
	return sc.merge(h, nil)
}

// merge lists the loci and the variants at each (sc.keys, firstJ and
// start, emptied first) of each score's variants h.next[k] to
// h.end[k]-1, in order, up to the locus before limit (nil: to the end);
// it leaves h.next at the first variant not listed. False when a score's
// variants are not in order.
func (sc *scorer) merge(h *mergeHeads, limit *locusKey) bool {
	n := len(sc.results)
	sc.refs, sc.start, sc.keys, sc.firstJ = nil, sc.start[:0], sc.keys[:0], sc.firstJ[:0]
	for k := range n {
		h.done[k] = false
		h.load(k, false)
	}
	for {
		first := -1 // the first score whose next variant is at the least locus
		for k := range n {
			if !h.done[k] && (first < 0 || h.less(k, first)) {
				first = k
			}
		}
		if first < 0 || limit != nil && compareLoci(h.keys[first], *limit) >= 0 {
			return true
		}
		key := h.keys[first]
		sc.firstJ = append(sc.firstJ, int32(h.next[first]))
		for k := first; k < n; k++ {
			for !h.done[k] && h.at(k, &key) {
				sc.keys = append(sc.keys, uint16(k))
				h.next[k]++
				if !h.load(k, true) {
					h.failed = k
					return false
				}
			}
		}
		sc.addLocus()
	}
}

// mergeHeads are the next variants of each score in merge: keys[k] the
// locus of score k's variant next[k]; done[k] once at end[k].
type mergeHeads struct {
	results   []*ScoreResult
	next, end []int
	keys      []locusKey
	done      []bool
	chroms    *chroms
	// failed is the score whose variants merge found out of order.
	failed int
}

func newMergeHeads(results []*ScoreResult) *mergeHeads {
	n := len(results)
	return &mergeHeads{results: results, next: make([]int, n), end: make([]int, n), keys: make([]locusKey, n), done: make([]bool, n), chroms: newChroms(results)}
}

// load reads score k's next variant into keys[k]; false when check is set
// and it comes before the previous one.
func (h *mergeHeads) load(k int, check bool) bool {
	vs, j := h.results[k].Variants, h.next[k]
	if j >= h.end[k] {
		h.done[k] = true
		return true
	}
	chrom, pos := h.chroms.of(k, j), vs.Pos(j)
	key := &h.keys[k]
	prev := *key
	if !check || chrom != key.chrom {
		key.rank, key.name = genome.ChromRank(chrom)
	}
	key.pos, key.chrom = pos, chrom
	*key = key.withPacked()
	return !check || compareLoci(prev, *key) <= 0
}

// less reports whether score a's next locus comes before score b's.
func (h *mergeHeads) less(a, b int) bool {
	ka, kb := &h.keys[a], &h.keys[b]
	if ka.packed != 0 && kb.packed != 0 && ka.packed != kb.packed {
		return ka.packed < kb.packed
	}
	return compareLoci(*ka, *kb) < 0
}

// at reports whether score k's next locus is key.
func (h *mergeHeads) at(k int, key *locusKey) bool {
	kk := &h.keys[k]
	if kk.packed != 0 && key.packed != 0 {
		return kk.packed == key.packed && kk.chrom == key.chrom
	}
	return compareLoci(*kk, *key) == 0
}

// maxWindowLoci caps a window. The store's rows of calls are read in
// chunks of up to 4,096 sites: a window of a few chunks reads each chunk
// at most twice, and keeps a few per lane in memory.
const maxWindowLoci = 16384

// windows splits the sorted loci into reads of at most as many loci as
// the memory budget allows rows of calls for in every lane (a dense row
// holds 2 bits a sample, a difference list at most about 4), and at most
// maxWindowLoci (one read may span chromosomes).
func (sc *scorer) windows() []window {
	maxLoci := sc.maxLoci()
	var out []window
	for start := 0; start < sc.nLoci(); start += maxLoci {
		out = append(out, window{start, min(start+maxLoci, sc.nLoci())})
	}
	return out
}

// maxLoci is the most loci a window may hold under the memory budget.
func (sc *scorer) maxLoci() int {
	perLocus := int64(len(sc.cohort.names)/2 + 64)
	return min(max(int(sc.cfg.MemoryBudget/lanes/perLocus), 64), maxWindowLoci)
}

// window is the loci from, from+1, ..., to-1.
type window struct{ from, to int }

// span is the variants from to to-1 of one score.
type span struct{ from, to int32 }

// spans returns, for each window and score, the least and the greatest
// (+1) of the score's variants there: ws[i]'s for score k at
// i*len(results)+k; empty when none. Files sorted, the variants between
// are all there.
func (sc *scorer) spans(ws []window) []span {
	n := len(sc.results)
	out := make([]span, len(ws)*n)
	if sc.sorted {
		next := make([]int32, n)
		copy(next, sc.from)
		for i, w := range ws {
			sp := out[i*n : (i+1)*n]
			for k := range sp {
				sp[k].from = next[k]
			}
			for _, k := range sc.keys[sc.start[w.from]:sc.start[w.to]] {
				next[k]++
			}
			for k := range sp {
				sp[k].to = next[k]
			}
		}
		return out
	}
	for i, w := range ws {
		sp := out[i*n : (i+1)*n]
		for _, vr := range sc.refs[sc.start[w.from]:sc.start[w.to]] {
			s := &sp[vr.k]
			if s.from == s.to {
				*s = span{vr.j, vr.j + 1}
			} else {
				s.from, s.to = min(s.from, vr.j), max(s.to, vr.j+1)
			}
		}
	}
	return out
}

// run reads every window and scores the records at the scoring loci, the
// lanes in parallel on up to GOMAXPROCS cores, then merges the lanes'
// totals and writes them into the results. Window i is scored by lane
// i mod lanes, each lane's windows in order (so the sums do not depend
// on the cores); the windows are taken in order, so that the matches
// become final, and are handed to the sink, while the later ones are read.
func (sc *scorer) run(ctx context.Context, src siteSource) error {
	ws, err := sc.windowsOf(ctx, src)
	if err != nil {
		return fmt.Errorf("risk: reading the genotypes: %w", err)
	}
	if !sc.sorted {
		for _, r := range sc.results {
			r.matches.ensure(0, r.matches.n)
		}
	}
	p := sc.newPass(max(1, min(lanes, len(ws))))
	if err := sc.scoreSegment(ctx, src, p, ws); err != nil {
		return err
	}
	return sc.endPass(ctx, p)
}

// pass is the state of a pass over the windows that lasts from one
// segment of loci (scoreSegment) to the next: the lanes, the windows
// scored so far (numbered across segments) and, by score, the variants
// up to which the matches are final.
type pass struct {
	ls      []*lane
	windows int
	upto    []int
	// bufs are the buffers of each worker (up to GOMAXPROCS): per worker,
	// not per lane, as only workers' windows are read at once and a
	// lane's buffers would be kept to the end; made once, not per segment.
	bufs []genotypes.DenseBuffers
	// lists are each worker's listing of its window's loci, for the same
	// reason.
	lists []listing
}

// newPass makes a pass of n lanes.
func (sc *scorer) newPass(n int) *pass {
	p := &pass{ls: make([]*lane, n), upto: make([]int, len(sc.results)), bufs: make([]genotypes.DenseBuffers, min(runtime.GOMAXPROCS(0), n))}
	p.lists = make([]listing, len(p.bufs))
	for i := range p.ls {
		p.ls[i] = &lane{scorer: sc, acc: newAccum(len(sc.results), len(sc.cohort.names), sc.cfg.NoMeanImputation),
			reports: make([]MatchReport, len(sc.results)), turn: i}
		p.ls[i].cond = sync.NewCond(&p.ls[i].mu)
	}
	sc.gate.cond = sync.NewCond(&sc.gate.mu)
	return p
}

// scoreSegment scores the windows ws of the scorer's loci, numbered on
// from the windows the pass has scored.
func (sc *scorer) scoreSegment(ctx context.Context, src siteSource, p *pass, ws []window) error {
	spans := sc.spans(ws)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan int, len(ws))
	finished := make(chan error, 1)
	go func() {
		err := sc.finishWindows(p, ws, spans, done)
		if err != nil {
			cancel()
		}
		sc.gate.pass(p.windows + len(ws)) // no more waiting: done, or failed
		finished <- err
	}()
	errs := sc.scoreWindows(wctx, cancel, src, p, ws, spans, done)
	close(done)
	if err := <-finished; err != nil {
		return err
	}
	if err := firstError(ctx, errs); err != nil {
		return err
	}
	p.windows += len(ws)
	return nil
}

// endPass merges the lanes that scored windows in lane order and writes
// the totals and match reports into the results, then makes every
// result's last matches final.
func (sc *scorer) endPass(ctx context.Context, p *pass) error {
	ls := p.ls[:max(1, min(len(p.ls), p.windows))]
	for _, ln := range ls[1:] {
		ls[0].acc.merge(ln.acc)
	}
	for k, r := range sc.results {
		for _, ln := range ls {
			r.Report.add(ln.reports[k])
		}
		ls[0].acc.fill(k, r)
		if err := sc.finalize(k, r.matches.n); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// scoreWindows scores the windows on up to GOMAXPROCS workers, each
// taking the next window in order and waiting for its lane's turn; it
// sends each window's number (in ws) to done when scored. A worker's
// error cancels the others.
func (sc *scorer) scoreWindows(ctx context.Context, cancel context.CancelFunc, src siteSource, p *pass, ws []window, spans []span, done chan<- int) []error {
	workers := min(len(p.bufs), len(ws))
	var next atomic.Int64
	var mu sync.Mutex
	scored := 0
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for wi := int(next.Add(1) - 1); wi < len(ws); wi = int(next.Add(1) - 1) {
				g := p.windows + wi // the window's number in the pass
				ln := p.ls[g%len(p.ls)]
				sc.gate.wait(g)
				ln.wait(g)
				ln.buf, ln.listing = &p.bufs[w], &p.lists[w]
				err := ln.window(ctx, src, ws[wi], spans[wi*len(sc.results):(wi+1)*len(sc.results)])
				ln.pass(g + len(p.ls))
				if err != nil {
					errs[w] = err
					cancel()
					return
				}
				done <- wi
				if sc.cfg.Progress != nil {
					mu.Lock()
					scored++
					sc.cfg.Progress(p.windows+scored, p.windows+len(ws))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return errs
}

// wait waits for window wi to be the lane's turn.
func (ln *lane) wait(wi int) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	for ln.turn != wi {
		ln.cond.Wait()
	}
}

// pass makes window wi the lane's turn.
func (ln *lane) pass(wi int) {
	ln.mu.Lock()
	defer ln.mu.Unlock()
	ln.turn = wi
	ln.cond.Broadcast()
}

// finishWindows takes the windows' numbers (in ws) as they are scored
// and, for sorted files, makes final each score's matches up to the last
// variant of the windows done in order.
func (sc *scorer) finishWindows(p *pass, ws []window, spans []span, done <-chan int) error {
	complete := make([]bool, len(ws))
	next := 0
	for wi := range done {
		complete[wi] = true
		for ; next < len(ws) && complete[next]; next++ {
			for k := range sc.results {
				if !sc.sorted {
					break
				}
				p.upto[k] = max(p.upto[k], int(spans[next*len(sc.results)+k].to))
				if err := sc.finalize(k, p.upto[k]); err != nil {
					return err
				}
			}
			sc.gate.pass(p.windows + next + 1)
		}
	}
	return nil
}

// maxAhead is how many windows past the last one finished in order the
// workers may score: the matches held are those of at most maxAhead
// windows, even when writing them is slower than scoring.
const maxAhead = 2 * lanes

// gate holds back the workers that run maxAhead windows ahead of the
// finisher.
type gate struct {
	mu       sync.Mutex
	cond     *sync.Cond
	finished int // windows finished in order
}

// wait waits until window wi may be scored.
func (g *gate) wait(wi int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for wi >= g.finished+maxAhead {
		g.cond.Wait()
	}
}

// pass records that the first n windows are finished.
func (g *gate) pass(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.finished = max(g.finished, n)
	g.cond.Broadcast()
}

// finalize makes final score k's chunks of matches whose variants are all
// before upto: counts the variants left without a site or with other
// alleles, and hands the chunk to the sink, if any.
func (sc *scorer) finalize(k, upto int) error {
	r := sc.results[k]
	for c := sc.finalChunks[k]; c < len(r.matches.chunks); c++ {
		if _, to := r.matches.bounds(c); to > upto {
			break
		}
		for _, m := range r.matches.chunks[c] {
			switch orientations[m.orient] {
			case NoSite:
				r.Report.NoSite++
			case AlleleMismatch:
				r.Report.AlleleMismatch++
			}
		}
		if sc.sink != nil {
			if err := sc.sink.chunk(k, c); err != nil {
				return err
			}
			r.matches.drop(c)
		}
		sc.finalChunks[k] = c + 1
	}
	return nil
}

// firstError returns the error that stopped the lanes: ctx's own when it
// was cancelled, else the first that is not the cancellation it caused in
// the other lanes.
func firstError(ctx context.Context, errs []error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs...)
}

// window scores the records of one window of loci, whose variants are
// spans (by score).
func (sc *lane) window(ctx context.Context, src siteSource, w window, spans []span) error {
	for k, s := range spans {
		sc.results[k].matches.ensure(int(s.from), int(s.to))
	}
	sc.listLoci(w, spans)
	return src.window(ctx, sc.wloci, sc.cohort.names, sc.buf, func(recs []record) error {
		sc.groups(recs)
		return ctx.Err()
	})
}

// listLoci lists the loci of window w and their numbers.
func (sc *lane) listLoci(w window, spans []span) {
	sc.wrefs, sc.wstart = sc.refsOf(w, spans, sc.wrefs, sc.wstart)
	sc.wloci, sc.wnext, sc.watMade = sc.wloci[:0], 0, false
	if sc.chroms == nil {
		sc.chroms = newChroms(sc.results)
	}
	// The variants read in one tight loop, in the order matching reads
	// them: far fewer stalls on memory than one at a time between
	// additions.
	sc.wvars = sc.wvars[:0]
	for _, vr := range sc.wrefs {
		sc.wvars = append(sc.wvars, sc.results[vr.k].Variants.Weighted(int(vr.j)))
	}
	for i := range w.to - w.from {
		vr := sc.wrefs[sc.wstart[i]]
		vs := sc.results[vr.k].Variants
		sc.wloci = append(sc.wloci, genome.Locus{Chrom: sc.chroms.of(int(vr.k), int(vr.j)), Pos: vs.Pos(int(vr.j))})
	}
}

// locusReach is how many loci past the last one found locusAt compares
// before it looks a locus up in the window's map.
const locusReach = 64

// locusAt returns the number of locus l in the window. Records come in
// the order of the loci (some without records): it looks first at the
// loci after the last one found, then in a map of them, made when first
// needed.
func (sc *lane) locusAt(l genome.Locus) (int32, bool) {
	for k := sc.wnext; k < len(sc.wloci) && k < sc.wnext+locusReach; k++ {
		if sc.wloci[k].Pos == l.Pos && sc.wloci[k].Chrom == l.Chrom {
			sc.wnext = k + 1
			return int32(k), true
		}
	}
	if !sc.watMade {
		if sc.wat == nil {
			sc.wat = make(map[genome.Locus]int32, len(sc.wloci))
		}
		clear(sc.wat)
		for i, wl := range sc.wloci {
			sc.wat[wl] = int32(i)
		}
		sc.watMade = true
	}
	i, ok := sc.wat[l]
	if ok {
		sc.wnext = int(i) + 1
	}
	return i, ok
}

// groups scores a window's records, position group by position group.
func (sc *lane) groups(recs []record) {
	for start := 0; start < len(recs); {
		end := start + 1
		for end < len(recs) && recs[end].Pos == recs[start].Pos && recs[end].Chrom == recs[start].Chrom {
			end++
		}
		sc.group(recs[start:end])
		start = end
	}
}

// recIndex is the effect allele's index at one record.
type recIndex struct {
	rec   *record
	index int
}

// group scores the records at one position for every scoring variant
// there: each variant is matched, each distinct record allele decoded
// once, and every score using it updated from the one decoding.
func (sc *lane) group(recs []record) {
	l := genome.Locus{Chrom: recs[0].Chrom, Pos: recs[0].Pos}
	sc.uses, sc.hits, sc.decoded = sc.uses[:0], sc.hits[:0], sc.decoded[:0]
	sc.internedRec = nil // records are not kept from one group to the next
	sc.lastMatch.ok = false
	i, ok := sc.locusAt(l)
	if !ok {
		return
	}
	for x := sc.wstart[i]; x < sc.wstart[i+1]; x++ {
		if u, ok := sc.match(x, recs); ok {
			sc.uses = append(sc.uses, u)
		}
	}
	for _, u := range sc.uses {
		sc.score(u)
	}
	for _, d := range sc.decoded {
		sc.acc.apply(d.v)
	}
}

// match finds the effect allele of variant x of the window (wrefs[x])
// among the records at its position; ok is false when the variant is
// left out (the reason is in its VariantMatch).
func (sc *lane) match(x int32, recs []record) (use, bool) {
	vr, v := sc.wrefs[x], &sc.wvars[x]
	r := sc.results[vr.k]
	m := r.matches.at(int(vr.j))
	if l := &sc.lastMatch; l.ok && v.EffectAllele == l.effect && v.OtherAllele == l.other {
		// The same alleles as the last variant matched in the group
		// (another score's, most often): the same records and orientation.
		m.ref = l.ref
		return use{vr: vr, orient: l.use.orient, from: l.use.from, to: l.use.to, x: x, m: m}, true
	}
	u := use{vr: vr, orient: AlleleMismatch, from: len(sc.hits), x: x, m: m}
	for i := range recs {
		rec := &recs[i]
		sm := matchAlleles(v.EffectAllele, v.OtherAllele, rec.Ref, rec.Alts)
		if sm.index < 0 {
			continue
		}
		if u.from == len(sc.hits) {
			u.orient = sm.orient
			m.ref, _ = sc.intern(rec)
		}
		sc.hits = append(sc.hits, recIndex{rec, sm.index})
	}
	u.to = len(sc.hits)
	if u.from == u.to {
		m.orient, m.why = orientCode(AlleleMismatch), whyMismatch
		var seen []string
		for _, rec := range recs {
			seen = append(seen, rec.Ref+">"+strings.Join(rec.Alts, ","))
		}
		r.matches.setWhy(int(vr.j), fmt.Sprintf("store has %s, the file %s/%s", strings.Join(seen, " and "), v.EffectAllele, orDot(v.OtherAllele)))
		return u, false
	}
	sc.lastMatch = lastMatch{ok: true, effect: v.EffectAllele, other: v.OtherAllele, use: u, ref: m.ref}
	return u, true
}

// lastMatch is the last variant matched in a position group: its alleles,
// use and the number of its record's REF.
type lastMatch struct {
	ok            bool
	effect, other string
	use           use
	ref           uint32
}

// intern returns the numbers of a record's REF and ALTs (joined by
// commas) in the scorer's alleleTable, remembering the last record's.
func (sc *lane) intern(rec *record) (ref, alts uint32) {
	if rec != sc.internedRec {
		sc.internedRec = rec
		sc.internedRef = sc.alleles.id(append(sc.scratch[:0], rec.Ref...))
		sc.scratch = sc.scratch[:0]
		for i, a := range rec.Alts {
			if i > 0 {
				sc.scratch = append(sc.scratch, ',')
			}
			sc.scratch = append(sc.scratch, a...)
		}
		sc.internedAlts = sc.alleles.id(sc.scratch)
	}
	return sc.internedRef, sc.internedAlts
}

// score resolves a strand-ambiguous use by frequency and adds a used
// variant to its score.
func (sc *lane) score(u use) {
	m, v := u.m, &sc.wvars[u.x]
	hits := sc.hits[u.from:u.to]
	orient := u.orient
	if orient == AmbiguousDropped {
		keep, flip, why := resolveAmbiguous(v.EffectFreq, sc.dosagesOf(hits).freq)
		if !keep {
			m.orient, m.why = orientCode(AmbiguousDropped), whyAmbiguous+uint8(slices.Index(ambiguousWhys[:], why))
			sc.reports[u.vr.k].AmbiguousDropped++
			return
		}
		orient = AmbiguousResolved
		if flip {
			// A copy, at the end of the group's hits: the hits may be
			// shared with a decoding cached under the direct indices.
			from := len(sc.hits)
			for _, h := range hits {
				sc.hits = append(sc.hits, recIndex{h.rec, alleleIndex(v.OtherAllele, h.rec)})
			}
			hits = sc.hits[from:]
		}
	}
	d := sc.dosagesOf(hits)
	m.orient, m.why, m.index, m.freq = orientCode(orient), whyNone, int16(hits[0].index), d.freq
	m.ref, m.alts = sc.intern(hits[0].rec)
	switch i := hits[0].index; {
	case i == 0:
		m.alt = m.ref
	case len(hits[0].rec.Alts) == 1:
		m.alt = m.alts // the one ALT is the ALTs joined
	default:
		m.alt = sc.alleles.id(append(sc.scratch[:0], alleleAt(hits[0].rec, i)...))
	}
	m.missing = int32(d.missing)
	sc.reports[u.vr.k].MissingGenotypes += d.missing
	sc.count(&sc.reports[u.vr.k], orient, v.Dominant, v.Recessive, hits)
	sc.acc.use(d, int(u.vr.k), v.Weight, v.Dominant, v.Recessive)
}

// dosagesOf returns the decoded dosages of hits, decoding them once per
// position group.
func (sc *lane) dosagesOf(hits []recIndex) *dosages {
	for _, d := range sc.decoded {
		if slices.Equal(d.hits, hits) {
			return d.v
		}
	}
	if len(sc.pool) <= len(sc.decoded) {
		sc.pool = append(sc.pool, &dosages{})
	}
	v := sc.pool[len(sc.decoded)]
	v.decode(hits, sc.ref)
	sc.decoded = append(sc.decoded, decodedHits{hits, v})
	return v
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}

// alleleIndex is the index of allele a at rec; -1 when absent.
func alleleIndex(a string, rec *record) int {
	if strings.EqualFold(rec.Ref, a) {
		return 0
	}
	for k, x := range rec.Alts {
		if strings.EqualFold(x, a) {
			return k + 1
		}
	}
	return -1
}

func alleleAt(rec *record, i int) string {
	if i == 0 {
		return rec.Ref
	}
	return rec.Alts[i-1]
}

// count adds a used variant to a match report.
func (sc *lane) count(rep *MatchReport, orient Orientation, dominant, recessive bool, hits []recIndex) {
	rep.Matched++
	switch orient {
	case Direct:
		rep.Direct++
	case Swapped:
		rep.Swapped++
	case Flipped, FlippedSwapped:
		rep.Flipped++
	case AmbiguousResolved:
		rep.AmbiguousResolved++
	}
	for _, h := range hits {
		if len(h.rec.Alts) > 1 {
			rep.MultiAllelic++
			break
		}
	}
	if dominant {
		rep.Dominant++
	}
	if recessive {
		rep.Recessive++
	}
}
