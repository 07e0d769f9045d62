package risk

import (
	"iter"
	"math"
	"math/bits"
	"sync"
)

// match is how one scoring variant was matched, in 32 bytes and without
// pointers (a result holds one per variant of its file): the store's
// alleles interned in the scorer's alleleTable, the orientation and the
// reason as small numbers. ScoreResult.Match expands it.
type match struct {
	freq           float64 // CohortFreq
	missing        int32
	ref, alts, alt uint32 // in the alleleTable; 0 ""
	index          int16  // allele index; -1 none
	orient         uint8  // in orientations
	why            uint8  // whyNone...
}

// orientations numbers the orientations for match.orient.
var orientations = [...]Orientation{Direct, Swapped, Flipped, FlippedSwapped, AmbiguousResolved, AmbiguousDropped, NoSite, AlleleMismatch}

// orientCode returns o's number in orientations.
func orientCode(o Orientation) uint8 {
	for i, x := range orientations {
		if x == o {
			return uint8(i)
		}
	}
	panic("risk: orientation " + string(o) + " not numbered") // a programming error: every constant is listed
}

// Reasons a variant is left out (match.why): whyMismatch's text names the
// store's alleles and is kept per variant (ScoreResult.whys).
const (
	whyNone = iota
	whyNoSite
	whyMismatch
	whyAmbiguous // + the index in ambiguousWhys
)

const whyNoSiteText = "no record at this position in the store"

// ambiguousWhys are resolveAmbiguous's reasons for dropping a variant.
var ambiguousWhys = [...]string{
	"strand-ambiguous SNP and the scoring file gives no effect allele frequency",
	"strand-ambiguous SNP with no genotypes in the cohort",
	"strand-ambiguous SNP with an allele frequency near 0.5",
}

// unmatched is a variant no record has been found for.
var unmatched = match{freq: math.NaN(), index: -1, orient: orientCode(NoSite), why: whyNoSite}

// matchesChunk is the variants whose matches are held, and written to
// risk_matches (as one row group), together.
const matchesChunk = 16384

// matchStore holds a result's matches in chunks of matchesChunk variants.
// A run that writes risk_matches as it goes (Run) makes a chunk when a
// window first reaches its variants and drops it once its rows are
// written, so that only the chunks of the windows in flight are held; a
// run that keeps them (Score) makes them all at the start.
//
// Lanes write disjoint variants without a lock; a chunk must have been
// made (ensure) by the lane before it writes there.
type matchStore struct {
	mu     sync.Mutex
	n      int
	size   int  // variants a chunk: matchesChunk but in tests; a power of two
	shift  uint // size is 1 << shift
	chunks [][]match
	// whys are the reasons of the allele mismatches held, by variant.
	whys map[int32]string
}

// newMatchStore holds the matches of n variants in chunks of size
// variants, rounded up to a power of two (at divides by a shift).
func newMatchStore(n, size int) *matchStore {
	shift := uint(bits.Len(uint(max(size, 1) - 1)))
	size = 1 << shift
	return &matchStore{n: n, size: size, shift: shift, chunks: make([][]match, (n+size-1)/size), whys: map[int32]string{}}
}

// bounds returns the variants of chunk c: from to to-1.
func (s *matchStore) bounds(c int) (from, to int) { return c * s.size, min((c+1)*s.size, s.n) }

// ensure makes the chunks of variants from to to-1 that are not made yet.
func (s *matchStore) ensure(from, to int) {
	if from >= to {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := from / s.size; c <= (to-1)/s.size; c++ {
		if s.chunks[c] == nil {
			lo, hi := s.bounds(c)
			ms := make([]match, hi-lo)
			for i := range ms {
				ms[i] = unmatched
			}
			s.chunks[c] = ms
		}
	}
}

// open makes the store take the matches of a file read a part at a time:
// its number of variants unknown, chunks made (grow) as variants are read
// and held whole until closeAt tells the number.
func (s *matchStore) open() { s.n = math.MaxInt32 }

// grow makes room for the matches of the first n variants.
func (s *matchStore) grow(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.chunks)*s.size < n {
		s.chunks = append(s.chunks, nil)
	}
}

// closeAt sets the number of variants to n, all read (grow(n) done).
func (s *matchStore) closeAt(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n = n
	s.chunks = s.chunks[:(n+s.size-1)/s.size]
	if c := len(s.chunks) - 1; c >= 0 && s.chunks[c] != nil {
		s.chunks[c] = s.chunks[c][:n-c*s.size]
	}
}

// at returns variant j's match; its chunk must be made and not dropped.
func (s *matchStore) at(j int) *match { return &s.chunks[j>>s.shift][j&(s.size-1)] }

func (s *matchStore) setWhy(j int, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.whys[int32(j)] = why
}

func (s *matchStore) why(j int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.whys[int32(j)]
}

// drop frees chunk c and the reasons of its variants.
func (s *matchStore) drop(c int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	from, to := s.bounds(c)
	for j := from; j < to; j++ {
		if s.chunks[c][j-from].why == whyMismatch {
			delete(s.whys, int32(j))
		}
	}
	s.chunks[c] = nil
}

// Match returns how variant j (0 ≤ j < Variants.Len()) was matched. The
// matches of a result of Run are not held (they are in the store's
// risk_matches): Match panics there.
func (r *ScoreResult) Match(j int) VariantMatch {
	m := r.matches.at(j)
	vm := VariantMatch{Variant: r.Variants.At(j), Orient: orientations[m.orient], Why: r.why(j), Index: int(m.index),
		CohortFreq: m.freq, Missing: int(m.missing)}
	if r.alleles != nil {
		vm.Ref, vm.Alts, vm.Alt = r.alleles.get(m.ref), r.alleles.get(m.alts), r.alleles.get(m.alt)
	}
	return vm
}

// Matches yields how each variant was matched, in file order.
func (r *ScoreResult) Matches() iter.Seq2[int, VariantMatch] {
	return func(yield func(int, VariantMatch) bool) {
		for j := range r.matches.n {
			if !yield(j, r.Match(j)) {
				return
			}
		}
	}
}

func (r *ScoreResult) why(j int) string {
	switch w := r.matches.at(j).why; w {
	case whyNone:
		return ""
	case whyNoSite:
		return whyNoSiteText
	case whyMismatch:
		return r.matches.why(j)
	default:
		return ambiguousWhys[w-whyAmbiguous]
	}
}

// alleleTable interns the store's REF and ALT alleles (the ALTs of a
// record joined by commas) for the matches of one scoring run, shared by
// its lanes.
type alleleTable struct {
	mu  sync.Mutex
	at  map[string]uint32
	all []string // all[0] is ""
}

func newAlleleTable() *alleleTable {
	return &alleleTable{at: map[string]uint32{"": 0}, all: []string{""}}
}

// id returns the number of allele text a (b's bytes, not kept).
func (t *alleleTable) id(b []byte) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, ok := t.at[string(b)]; ok {
		return i
	}
	i := uint32(len(t.all))
	s := string(b)
	t.all = append(t.all, s)
	t.at[s] = i
	return i
}

// list returns the alleles interned so far, numbered as id numbers them.
func (t *alleleTable) list() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.all
}

func (t *alleleTable) get(i uint32) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.all[i]
}
