package risk

import (
	"iter"
	"math"
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

// Match returns how variant j (0 ≤ j < Variants.Len()) was matched.
func (r *ScoreResult) Match(j int) VariantMatch {
	m := &r.matches[j]
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
		for j := range r.matches {
			if !yield(j, r.Match(j)) {
				return
			}
		}
	}
}

func (r *ScoreResult) why(j int) string {
	switch w := r.matches[j].why; w {
	case whyNone:
		return ""
	case whyNoSite:
		return whyNoSiteText
	case whyMismatch:
		return r.whys[int32(j)]
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
