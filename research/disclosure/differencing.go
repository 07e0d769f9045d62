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
func Differencing(next Release, earlier []Release, k int) error {
	in := map[string][]string{} // person → labels of next holding them
	for label, ps := range next {
		for _, p := range ps {
			in[p] = append(in[p], label)
		}
	}
	for n, old := range earlier {
		inter := map[[2]string]int{}
		for olabel, ps := range old {
			for _, p := range ps {
				for _, label := range in[p] {
					inter[[2]string{label, olabel}]++
				}
			}
		}
		for label, ps := range next {
			for olabel, ops := range old {
				if abs(len(ps)-len(ops)) >= k {
					continue
				}
				d := len(ps) + len(ops) - 2*inter[[2]string{label, olabel}]
				if d > 0 && d < k {
					return fmt.Errorf("%w: count %q would differ from count %q of earlier answer %d by fewer than %d people",
						ErrDifferencing, label, olabel, n+1, k)
				}
			}
		}
	}
	return nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
