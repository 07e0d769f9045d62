package disclosure

import (
	"errors"
	"fmt"
	"slices"
)

// ErrDifferencing is wrapped by the error of Differencing.
var ErrDifferencing = errors.New("disclosure: answer refused (differencing)")

// Release is what one answer showed: for each shown count, by label, the
// group of people it counts (their research keys, sorted). Suppressed
// counts are not in it.
type Release map[string][]string

// Labels of a release: the total, a row or column margin by its category,
// a cell by its two categories.
func totalLabel() string           { return "total" }
func rowLabel(r string) string     { return "row=" + r }
func colLabel(c string) string     { return "col=" + c }
func cellLabel(r, c string) string { return "cell=" + r + "|" + c }

// Release returns the groups of people behind the counts m shows of t;
// members[r][c] are the people counted in cell (r, c), as in Table.N.
func (m Mask) Release(t Table, members [][][]string) Release {
	out := Release{}
	var all []string
	rowsOf := make([][]string, len(members))
	var colsOf [][]string
	if len(t.Cols) > 0 {
		colsOf = make([][]string, len(t.Cols))
	}
	for r, row := range members {
		for c, ps := range row {
			all = append(all, ps...)
			rowsOf[r] = append(rowsOf[r], ps...)
			if colsOf != nil {
				colsOf[c] = append(colsOf[c], ps...)
				if !m.Cell[r][c] {
					out[cellLabel(t.Rows[r], t.Cols[c])] = sorted(ps)
				}
			}
		}
	}
	for r := range t.Rows {
		if !m.Row[r] {
			out[rowLabel(t.Rows[r])] = sorted(rowsOf[r])
		}
	}
	for c := range colsOf {
		if !m.Col[c] {
			out[colLabel(t.Cols[c])] = sorted(colsOf[c])
		}
	}
	if !m.Total {
		out[totalLabel()] = sorted(all)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// Differencing returns an error wrapping ErrDifferencing when a group of
// next differs from a group of an earlier release by 1 to k-1 people
// (the size of the symmetric difference); identical groups are allowed,
// as they tell nothing new. The error does not say by how many people.
// Only groups whose sizes differ by less than k can differ by less than
// k people; those pairs are compared by merging their sorted members,
// stopping once k differences are found.
func Differencing(next Release, earlier []Release, k int) error {
	next = sortedRelease(next)
	labels := sortedLabels(next)
	for n, old := range earlier {
		old = sortedRelease(old)
		olabels := sortedLabels(old)
		for _, label := range labels {
			ps := next[label]
			for _, olabel := range olabels {
				ops := old[olabel]
				if abs(len(ps)-len(ops)) >= k {
					continue
				}
				if d := symDiff(ps, ops, k); d > 0 && d < k {
					return fmt.Errorf("%w: count %q would differ from count %q of earlier answer %d by fewer than %d people",
						ErrDifferencing, label, olabel, n+1, k)
				}
			}
		}
	}
	return nil
}

// Known reports whether every group of next equals a group of an earlier
// release: such an answer tells nothing new and need not be remembered.
func Known(next Release, earlier []Release) bool {
	next = sortedRelease(next)
	for _, ps := range next {
		found := false
		for _, old := range earlier {
			for _, ops := range sortedRelease(old) {
				if len(ops) == len(ps) && symDiff(ps, ops, 1) == 0 {
					found = true
					break
				}
			}
			if found {
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// symDiff returns the size of the symmetric difference of the sorted
// sets a and b, or a number at least limit once it reaches limit.
func symDiff(a, b []string, limit int) int {
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

// sortedRelease returns r with every group sorted and without repeats
// (r itself when it already is).
func sortedRelease(r Release) Release {
	ok := true
	for _, ps := range r {
		if !strictlySorted(ps) {
			ok = false
			break
		}
	}
	if ok {
		return r
	}
	out := make(Release, len(r))
	for l, ps := range r {
		out[l] = sorted(ps)
	}
	return out
}

func strictlySorted(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] >= s[i] {
			return false
		}
	}
	return true
}

func sortedLabels(r Release) []string {
	out := make([]string, 0, len(r))
	for l := range r {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
