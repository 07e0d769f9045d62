package disclosure

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestProtectTables(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    Table
		want Mask
	}{
		{"cohort of one", Table{N: [][]int{{1}}}, Mask{Cell: [][]bool{{true}}, Total: true, Primary: 1}},
		{"large total", Table{N: [][]int{{7}}}, Mask{Cell: [][]bool{{false}}}},
		{"zero is shown", Table{N: [][]int{{0}}}, Mask{Cell: [][]bool{{false}}}},
		{"one small cell and its complement", Table{Rows: []string{"a", "b", "c"}, N: [][]int{{3}, {10}, {12}}},
			Mask{Cell: [][]bool{{true}, {true}, {false}}, Row: []bool{true, true, false}, Primary: 1}},
		{"small total hides everything", Table{Rows: []string{"a", "b"}, N: [][]int{{1}, {2}}},
			Mask{Cell: [][]bool{{true}, {true}}, Row: []bool{true, true}, Total: true, Primary: 3}},
		{"two by two", Table{Rows: []string{"f", "m"}, Cols: []string{"PM", "NM"}, N: [][]int{{2, 20}, {9, 30}}},
			Mask{Cell: [][]bool{{true, true}, {true, true}}, Row: []bool{false, false}, Col: []bool{false, false}, Primary: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Protect(tc.t, 5)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("mask (-want +got):\n%s", d)
			}
		})
	}
}

func TestProtectRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    Table
		k    int
	}{
		{"threshold too low", Table{N: [][]int{{1}}}, 4},
		{"threshold too high", Table{N: [][]int{{1}}}, 21},
		{"ragged", Table{Rows: []string{"a", "b"}, Cols: []string{"x"}, N: [][]int{{1}, {1, 2}}}, 5},
		{"negative", Table{Rows: []string{"a"}, N: [][]int{{-1}}}, 5},
		{"columns without rows", Table{Cols: []string{"x"}, N: [][]int{{1}}}, 5},
	} {
		if _, err := Protect(tc.t, tc.k); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

// values of a table as shown: nil for a suppressed count.
type shown struct {
	cell     [][]*int
	row, col []*int
	total    *int
}

func show(t Table, m Mask) shown {
	l, _ := layoutOf(t)
	v := l.values(t)
	p := func(i int, sup bool) *int {
		if sup {
			return nil
		}
		return &v[i]
	}
	s := shown{cell: make([][]*int, l.rows), row: make([]*int, l.rows), total: p(l.total(), m.Total)}
	for r := range l.rows {
		s.cell[r] = make([]*int, l.cols)
		for c := range l.cols {
			s.cell[r][c] = p(l.cell(r, c), m.Cell[r][c])
		}
		s.row[r] = p(l.rowMargin(r), m.Row != nil && m.Row[r])
		if l.dims == 0 {
			s.row[r] = s.total
		}
	}
	if l.dims == 2 {
		s.col = make([]*int, l.cols)
		for c := range l.cols {
			s.col[c] = p(l.colMargin(c), m.Col[c])
		}
	}
	return s
}

// TestComplementAttack is the attacker of issue 12: a row or column total
// minus its visible cells, repeated while it finds anything, and, for
// small tables, every non-negative integer table agreeing with what is
// shown. No suppressed small count may be pinned to one value.
func TestComplementAttack(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 5))
	for n := range 200 {
		rows, cols := 1+rng.IntN(3), rng.IntN(3)
		if n%3 == 0 {
			rows, cols = 2, 2
		}
		tb := Table{N: make([][]int, rows)}
		for r := range rows {
			tb.Rows = append(tb.Rows, fmt.Sprint("r", r))
			tb.N[r] = make([]int, max(cols, 1))
			for c := range tb.N[r] {
				tb.N[r][c] = rng.IntN(9)
			}
		}
		for c := range cols {
			tb.Cols = append(tb.Cols, fmt.Sprint("c", c))
		}
		m, err := Protect(tb, 5)
		if err != nil {
			t.Fatal(err)
		}
		s := show(tb, m)
		if r, c, ok := subtractionAttack(tb, s); ok {
			t.Fatalf("table %v, mask %+v: cell (%d,%d) = %d recovered from totals minus visible cells", tb.N, m, r, c, tb.N[r][c])
		}
		if rows*max(cols, 1) <= 4 {
			if r, c, ok := enumerationAttack(tb, s); ok {
				t.Fatalf("table %v, mask %+v: cell (%d,%d) = %d is the only value agreeing with what is shown", tb.N, m, r, c, tb.N[r][c])
			}
		}
	}
}

// subtractionAttack fills suppressed cells from lines with one unknown
// until nothing changes, and reports a recovered small cell.
func subtractionAttack(tb Table, s shown) (int, int, bool) {
	rows, cols := len(s.cell), len(s.cell[0])
	know := make([][]*int, rows)
	for r := range rows {
		know[r] = append([]*int(nil), s.cell[r]...)
	}
	line := func(total *int, cells []*int, set func(i, v int)) bool {
		if total == nil {
			return false
		}
		missing, sum := -1, 0
		for i, c := range cells {
			if c == nil {
				if missing >= 0 {
					return false
				}
				missing = i
				continue
			}
			sum += *c
		}
		if missing < 0 {
			return false
		}
		set(missing, *total-sum)
		return true
	}
	for changed := true; changed; {
		changed = false
		for r := range rows {
			rowTotal := s.row[r]
			if cols == 1 && len(tb.Cols) == 0 {
				rowTotal = nil // one dimension: the cell is the margin
			}
			changed = line(rowTotal, know[r], func(i, v int) { know[r][i] = &v }) || changed
		}
		for c := range cols {
			var colTotal *int
			if len(tb.Cols) > 0 {
				colTotal = s.col[c]
			} else {
				colTotal = s.total
			}
			cells := make([]*int, rows)
			for r := range rows {
				cells[r] = know[r][c]
			}
			changed = line(colTotal, cells, func(i, v int) { know[i][c] = &v }) || changed
		}
	}
	for r := range rows {
		for c := range cols {
			if v := tb.N[r][c]; s.cell[r][c] == nil && know[r][c] != nil && v > 0 && v < 5 {
				return r, c, true
			}
		}
	}
	return 0, 0, false
}

// enumerationAttack tries every table with cells 0..bound that shows the
// same counts, and reports a suppressed small cell with one possible value.
func enumerationAttack(tb Table, s shown) (int, int, bool) {
	rows, cols := len(s.cell), len(s.cell[0])
	n := rows * cols
	bound := 0
	for _, row := range tb.N {
		for _, v := range row {
			bound = max(bound, v)
		}
	}
	bound += 3 // any bound above the true values keeps the attack sound
	seen := make([]map[int]bool, n)
	for i := range seen {
		seen[i] = map[int]bool{}
	}
	cand := Table{Rows: tb.Rows, Cols: tb.Cols, N: make([][]int, rows)}
	for r := range rows {
		cand.N[r] = make([]int, cols)
	}
	var walk func(i int)
	walk = func(i int) {
		if i == n {
			if agrees(cand, s) {
				for j := range n {
					seen[j][cand.N[j/cols][j%cols]] = true
				}
			}
			return
		}
		r, c := i/cols, i%cols
		if v := s.cell[r][c]; v != nil {
			cand.N[r][c] = *v
			walk(i + 1)
			return
		}
		for v := 0; v <= bound; v++ {
			cand.N[r][c] = v
			walk(i + 1)
		}
	}
	walk(0)
	for j := range n {
		r, c := j/cols, j%cols
		if v := tb.N[r][c]; s.cell[r][c] == nil && v > 0 && v < 5 && len(seen[j]) == 1 {
			return r, c, true
		}
	}
	return 0, 0, false
}

func agrees(cand Table, s shown) bool {
	none := Mask{Cell: make([][]bool, len(cand.N)), Row: make([]bool, len(cand.N)), Col: make([]bool, len(cand.Cols))}
	for r := range none.Cell {
		none.Cell[r] = make([]bool, len(cand.N[r]))
	}
	c := show(cand, none)
	eq := func(a, b *int) bool { return a == nil || b == nil || *a == *b }
	if !eq(s.total, c.total) {
		return false
	}
	for r := range s.cell {
		if !eq(s.row[r], c.row[r]) {
			return false
		}
	}
	for i := range s.col {
		if !eq(s.col[i], c.col[i]) {
			return false
		}
	}
	return true
}

func TestDifferencing(t *testing.T) {
	earlier := []Release{{"total": people(10, 0)}}
	for _, tc := range []struct {
		name string
		next Release
		ok   bool
	}{
		{"same cohort again", Release{"total": people(10, 0)}, true},
		{"two overlapping cohorts differing by one person", Release{"total": people(11, 0)}, false},
		{"one person swapped", Release{"total": append(people(9, 0), 999)}, false},
		{"a row equal to the old total plus one", Release{"total": people(30, 0), "row=female": people(11, 0)}, false},
		{"differing by the threshold", Release{"total": people(15, 0)}, true},
		{"disjoint", Release{"total": people(10, 100)}, true},
		{"an empty count against a shrunken one", Release{"total": Group{}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := differencing(tc.next, earlier, 5)
			if ok := err == nil; ok != tc.ok {
				t.Errorf("allowed %v (%v), want %v", ok, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrDifferencing) {
				t.Errorf("error %v does not wrap ErrDifferencing", err)
			}
		})
	}
}

// people returns the group of n people numbered from from.
func people(n, from int) Group {
	var out Group
	for i := range n {
		out = append(out, int32(from+i))
	}
	return out
}

func TestRelease(t *testing.T) {
	tb := Table{Rows: []string{"f", "m"}, Cols: []string{"PM", "NM"}, N: [][]int{{1, 6}, {5, 7}}}
	members := [][]Group{{people(1, 0), people(6, 10)}, {people(5, 20), people(7, 30)}}
	m, err := Protect(tb, 5)
	if err != nil {
		t.Fatal(err)
	}
	rel := m.Release(tb, members)
	for label, ps := range rel {
		if label == "cell=f|PM" || len(ps) > 0 && len(ps) < 5 {
			t.Errorf("released %s of %d people", label, len(ps))
		}
		if !strictlySorted(ps) {
			t.Errorf("%s: %v not increasing", label, ps)
		}
	}
	if len(rel["total"]) != 19 || len(rel["row=m"]) != 12 {
		t.Errorf("release %v", rel)
	}
}

// TestDifferencingUnsorted: groups given out of order or with repeats
// are compared as sets.
func TestDifferencingUnsorted(t *testing.T) {
	earlier := []Release{{"total": {3, 1, 2, 4, 5, 6}}}
	if err := differencing(Release{"total": {6, 5, 4, 3, 2, 1, 1}}, earlier, 5); err != nil {
		t.Errorf("the same set reordered: %v", err)
	}
	if err := differencing(Release{"total": {6, 5, 4, 3, 2, 1, 7}}, earlier, 5); !errors.Is(err, ErrDifferencing) {
		t.Errorf("one more person, reordered: %v, want ErrDifferencing", err)
	}
}

// TestKnown: an answer all of whose groups were shown before is known;
// one new group makes it new.
func TestKnown(t *testing.T) {
	earlier := []Release{{"total": {1, 2, 3}}, {"row=a": {1, 2}, "row=b": {3, 4}}}
	for _, tc := range []struct {
		name string
		next Release
		want bool
	}{
		{"the same groups under other labels", Release{"total": {1, 2}, "col=x": {3, 4}}, true},
		{"one group new", Release{"total": {1, 2, 3}, "row=c": {5}}, false},
		{"a subset", Release{"total": {1}}, false},
		{"the same size, other people", Release{"total": {1, 2, 4}}, false},
		{"nothing shown", Release{}, true},
	} {
		if got := known(tc.next, earlier); got != tc.want {
			t.Errorf("%s: Known %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestDifferencingLongAgo: a differencing attack against an answer given
// long ago, after many unrelated answers (and many repeats of the same
// groups, which the history keeps once), is still refused, and the error
// names that answer.
func TestDifferencingLongAgo(t *testing.T) {
	var h History
	h.Add(Release{"total": people(40, 1000)}) // answer 1: the target
	for i := range 500 {
		h.Add(Release{"total": people(200, 0), "row=a": people(100, 0), "row=b": people(100, 100), "cell=x": people(20+i%7, 3000+i*50)})
	}
	if h.Answers() != 501 {
		t.Fatalf("%d answers, want 501", h.Answers())
	}
	next := Release{"total": people(41, 1000), "row=a": people(100, 0)}
	err := h.Check(next, 5)
	if !errors.Is(err, ErrDifferencing) || !strings.Contains(err.Error(), "earlier answer 1 ") {
		t.Errorf("one more person than answer 1 of 501: %v, want ErrDifferencing naming answer 1", err)
	}
	if err := h.Check(Release{"total": people(40, 1000), "row=b": people(100, 100)}, 5); err != nil {
		t.Errorf("groups shown before: %v", err)
	}
	if n := len(h.bySize[200]) + len(h.bySize[100]); n != 3 {
		t.Errorf("%d distinct groups of 100 and 200 kept, want 3 (each once)", n)
	}
}

// TestSymDiff: the symmetric difference stops counting at the limit.
func TestSymDiff(t *testing.T) {
	for _, tc := range []struct {
		a, b  Group
		limit int
		want  int
	}{
		{Group{1, 2}, Group{1, 2}, 5, 0},
		{Group{1, 2, 3}, Group{2}, 5, 2},
		{Group{1, 3}, Group{2, 4}, 5, 4},
		{Group{1, 3, 5, 7}, Group{2, 4, 6, 8}, 3, 3},
		{nil, Group{9}, 5, 1},
	} {
		if got := symDiff(tc.a, tc.b, tc.limit); got != tc.want {
			t.Errorf("symDiff(%v, %v, %d) = %d, want %d", tc.a, tc.b, tc.limit, got, tc.want)
		}
	}
}

// differencing is History.Check over the releases earlier, in order.
func differencing(next Release, earlier []Release, k int) error {
	return historyOf(earlier).Check(next, k)
}

// known is History.Known over the releases earlier.
func known(next Release, earlier []Release) bool {
	return historyOf(earlier).Known(next)
}

func historyOf(rs []Release) *History {
	h := &History{}
	for _, r := range rs {
		h.Add(r)
	}
	return h
}
