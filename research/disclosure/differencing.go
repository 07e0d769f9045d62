package disclosure

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// ErrDifferencing is wrapped by the error of Differencing.
var ErrDifferencing = errors.New("disclosure: answer refused (differencing)")

// Group is a group of people, each a number the caller gives them (an
// index into the population the answers are about), in increasing order
// without repeats. Numbers MUST mean the same person in every group
// compared.
type Group []int32

// Release is what one answer showed: for each shown count, by label, the
// group of people it counts. Suppressed counts are not in it.
type Release map[string]Group

// Labels of a release: the total, a row or column margin by its category,
// a cell by its two categories.
func totalLabel() string           { return "total" }
func rowLabel(r string) string     { return "row=" + r }
func colLabel(c string) string     { return "col=" + c }
func cellLabel(r, c string) string { return "cell=" + r + "|" + c }

// Release returns the groups of people behind the counts m shows of t;
// members[r][c] are the people counted in cell (r, c), as in Table.N,
// each cell a Group (increasing), the cells of the table disjoint.
func (m Mask) Release(t Table, members [][]Group) Release {
	out := Release{}
	var cells []Group
	rowsOf := make([][]Group, len(members))
	var colsOf [][]Group
	if len(t.Cols) > 0 {
		colsOf = make([][]Group, len(t.Cols))
	}
	for r, row := range members {
		for c, ps := range row {
			cells = append(cells, ps)
			rowsOf[r] = append(rowsOf[r], ps)
			if colsOf != nil {
				colsOf[c] = append(colsOf[c], ps)
				if !m.Cell[r][c] {
					out[cellLabel(t.Rows[r], t.Cols[c])] = sorted(ps)
				}
			}
		}
	}
	for r := range t.Rows {
		if !m.Row[r] {
			out[rowLabel(t.Rows[r])] = union(rowsOf[r])
		}
	}
	for c := range colsOf {
		if !m.Col[c] {
			out[colLabel(t.Cols[c])] = union(colsOf[c])
		}
	}
	if !m.Total {
		out[totalLabel()] = union(cells)
	}
	return out
}

// union returns the union of groups as one Group.
func union(gs []Group) Group {
	n := 0
	for _, g := range gs {
		n += len(g)
	}
	out := make(Group, 0, n)
	for _, g := range gs {
		out = append(out, g...)
	}
	return sorted(out)
}

// sorted returns g increasing without repeats: g itself when it already
// is, else a sorted copy.
func sorted(g Group) Group {
	if strictlySorted(g) {
		return g
	}
	g = slices.Clone(g)
	slices.Sort(g)
	return slices.Compact(g)
}

func strictlySorted(g Group) bool {
	for i := 1; i < len(g); i++ {
		if g[i-1] >= g[i] {
			return false
		}
	}
	return true
}

// History is the groups a project was shown, for Check and Known:
// each distinct group once, indexed by its size, so that checking a new
// answer costs the same whatever the number of earlier answers that
// showed the same groups, and compares a new group only with the earlier
// groups whose size differs from its own by less than the threshold (only
// those can differ from it by fewer people). The zero History is empty
// and ready to use. It is not safe for concurrent use.
type History struct {
	bySize  map[int][]*earlierGroup
	answers int
}

// earlierGroup is one distinct group of a History, with the label and answer
// (numbered from 1) that first showed it.
type earlierGroup struct {
	group  Group
	hash   uint64
	label  string
	answer int
}

// Answers returns how many releases were added.
func (h *History) Answers() int { return h.answers }

// Add adds a release as the next answer of the history.
func (h *History) Add(r Release) {
	h.answers++
	if h.bySize == nil {
		h.bySize = map[int][]*earlierGroup{}
	}
	for _, label := range slices.Sorted(maps.Keys(r)) {
		g := sorted(r[label])
		hash := hashOf(g)
		if h.find(g, hash) == nil {
			h.bySize[len(g)] = append(h.bySize[len(g)], &earlierGroup{group: g, hash: hash, label: label, answer: h.answers})
		}
	}
}

// find returns the earlier group equal to g (of hash hash), or nil.
func (h *History) find(g Group, hash uint64) *earlierGroup {
	for _, s := range h.bySize[len(g)] {
		if s.hash == hash && slices.Equal(s.group, g) {
			return s
		}
	}
	return nil
}

// Check returns an error wrapping ErrDifferencing when a group of next
// differs from a group shown earlier by 1 to k-1 people (the size of the
// symmetric difference); identical groups are allowed, as they tell
// nothing new. The error does not say by how many people. Only groups
// whose sizes differ by less than k can differ by less than k people;
// those are compared by merging their members, stopping once k
// differences are found.
func (h *History) Check(next Release, k int) error {
	for _, label := range slices.Sorted(maps.Keys(next)) {
		g := sorted(next[label])
		hash := hashOf(g)
		for n := max(len(g)-k+1, 0); n < len(g)+k; n++ {
			for _, s := range h.bySize[n] {
				if n == len(g) && s.hash == hash && slices.Equal(s.group, g) {
					continue
				}
				if d := symDiff(g, s.group, k); d > 0 && d < k {
					return fmt.Errorf("%w: count %q would differ from count %q of earlier answer %d by fewer than %d people",
						ErrDifferencing, label, s.label, s.answer, k)
				}
			}
		}
	}
	return nil
}

// Known reports whether every group of next equals a group shown
// earlier: such an answer tells nothing new and need not be remembered.
func (h *History) Known(next Release) bool {
	for _, g := range next {
		g = sorted(g)
		if h.find(g, hashOf(g)) == nil {
			return false
		}
	}
	return true
}

// hashOf digests a group (FNV-1a over its numbers, then a final mix): a
// quick test of inequality; equal hashes are confirmed by comparing.
func hashOf(g Group) uint64 {
	h := uint64(14695981039346656037)
	for _, x := range g {
		h ^= uint64(uint32(x))
		h *= 1099511628211
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return h
}

// symDiff returns the size of the symmetric difference of the increasing
// groups a and b, or a number at least limit once it reaches limit.
func symDiff(a, b Group, limit int) int {
	d, i, j := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			i++
			j++
			continue
		case a[i] < b[j]:
			i++
		default:
			j++
		}
		if d++; d >= limit {
			return d
		}
	}
	return d + len(a) - i + len(b) - j
}
