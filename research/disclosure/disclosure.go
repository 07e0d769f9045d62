// Package disclosure is the one disclosure-control layer of varamu's
// research answers (issue 12): it decides which counts of a table of up to
// two dimensions may be shown, and whether a new answer may be released
// next to a project's earlier ones. It does no I/O.
//
// Rules:
//   - Primary suppression: a count n with 0 < n < k (the project's
//     threshold: 5 by default as OHDSI's minCellCount, at most 20 as All of
//     Us uses) MUST NOT be shown. Cells, row and column margins and the
//     total are all counts.
//   - Complementary suppression: the shown counts and the table's
//     additivity (cells add up to their margins, margins to the total) MUST
//     NOT determine any suppressed small count. Protect checks this exactly
//     by linear algebra over the equations (a suppressed count is
//     determined when its unit vector lies in the row space of the
//     equations restricted to the suppressed counts) and suppresses more
//     until none is.
//   - Differencing: an answer whose released groups of people differ from
//     a group released earlier by the same project by 1 to k-1 people MUST
//     NOT be released (History.Check), since the difference of the two
//     counts would describe those few people.
package disclosure

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// DefaultThreshold is the smallest count shown when a project sets none
// (OHDSI's minCellCount default).
const DefaultThreshold = 5

// MaxThreshold is the largest threshold a project may set (All of Us
// shows no count from 1 to 20).
const MaxThreshold = 20

// MaxCategories bounds the categories of one dimension, so that the
// exact check stays fast.
const MaxCategories = 25

// ErrTable is returned for a table Protect cannot work on.
var ErrTable = errors.New("disclosure: bad table")

// Table is a count table of zero, one or two dimensions.
type Table struct {
	Rows []string // categories of the first dimension; nil without dimensions
	Cols []string // categories of the second; nil with fewer than two
	// N holds the counts: N[r][c]. With two dimensions it is
	// len(Rows)×len(Cols), with one len(Rows)×1, with none 1×1 (the
	// total).
	N [][]int
}

// Mask says which counts of a Table are suppressed. Row and Col are the
// margins (with one dimension Row equals the cells' column, and Col is
// nil).
type Mask struct {
	Cell  [][]bool
	Row   []bool
	Col   []bool
	Total bool
	// Primary counts the counts suppressed because they are small; the
	// rest were suppressed to protect them.
	Primary int
}

// Suppressed returns how many counts the mask hides.
func (m Mask) Suppressed() int {
	n := 0
	for _, r := range m.Cell {
		n += count(r)
	}
	if len(m.Col) > 0 {
		n += count(m.Row)
	}
	n += count(m.Col)
	if m.Total {
		n++
	}
	return n
}

func count(b []bool) int {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n
}

// CheckThreshold validates a project's threshold.
func CheckThreshold(k int) error {
	if k < DefaultThreshold || k > MaxThreshold {
		return fmt.Errorf("disclosure: threshold %d: want %d to %d", k, DefaultThreshold, MaxThreshold)
	}
	return nil
}

// Protect returns the suppression mask of t for threshold k: every count
// from 1 to k-1 suppressed, and more counts suppressed until no suppressed
// small count can be computed from the shown ones.
func Protect(t Table, k int) (Mask, error) {
	if err := CheckThreshold(k); err != nil {
		return Mask{}, err
	}
	l, err := layoutOf(t)
	if err != nil {
		return Mask{}, err
	}
	vals := l.values(t)
	sup := make([]bool, len(vals))
	primary := 0
	for i, v := range vals {
		if v > 0 && v < k {
			sup[i] = true
			primary++
		}
	}
	eqs := l.equations()
	for {
		i := determined(eqs, vals, sup, k)
		if i < 0 {
			break
		}
		j := complement(eqs, vals, sup, i, l.isCell, k)
		if j < 0 {
			break // everything is suppressed: nothing is shown
		}
		sup[j] = true
	}
	m := l.mask(sup)
	m.Primary = primary
	return m, nil
}

// layout numbers a table's counts: cells first (row-major), then, with two
// dimensions, row margins and column margins; the total last.
type layout struct{ dims, rows, cols int }

func layoutOf(t Table) (layout, error) {
	l := layout{rows: 1, cols: 1}
	switch {
	case len(t.Cols) > 0 && len(t.Rows) == 0:
		return l, fmt.Errorf("%w: columns without rows", ErrTable)
	case len(t.Cols) > 0:
		l = layout{dims: 2, rows: len(t.Rows), cols: len(t.Cols)}
	case len(t.Rows) > 0:
		l = layout{dims: 1, rows: len(t.Rows), cols: 1}
	}
	if l.rows > MaxCategories || l.cols > MaxCategories {
		return l, fmt.Errorf("%w: %d×%d categories, at most %d per dimension", ErrTable, l.rows, l.cols, MaxCategories)
	}
	if len(t.N) != l.rows {
		return l, fmt.Errorf("%w: %d rows of counts for %d categories", ErrTable, len(t.N), l.rows)
	}
	for r, row := range t.N {
		if len(row) != l.cols {
			return l, fmt.Errorf("%w: row %d has %d counts, want %d", ErrTable, r, len(row), l.cols)
		}
		for _, v := range row {
			if v < 0 {
				return l, fmt.Errorf("%w: negative count %d", ErrTable, v)
			}
		}
	}
	return l, nil
}

func (l layout) cell(r, c int) int { return r*l.cols + c }
func (l layout) rowMargin(r int) int {
	if l.dims < 2 {
		return l.cell(r, 0)
	}
	return l.rows*l.cols + r
}
func (l layout) colMargin(c int) int { return l.rows*l.cols + l.rows + c }
func (l layout) total() int {
	switch l.dims {
	case 0:
		return 0
	case 1:
		return l.rows
	}
	return l.rows*l.cols + l.rows + l.cols
}
func (l layout) size() int { return l.total() + 1 }

// isCell reports whether item i is a cell (with one dimension the cells
// are the margins; with none the total is the one cell).
func (l layout) isCell(i int) bool { return i < l.rows*l.cols && l.dims > 0 }

// values returns every count by its layout number.
func (l layout) values(t Table) []int {
	v := make([]int, l.size())
	total := 0
	for r := range l.rows {
		for c := range l.cols {
			n := t.N[r][c]
			v[l.cell(r, c)] = n
			total += n
			if l.dims == 2 {
				v[l.rowMargin(r)] += n
				v[l.colMargin(c)] += n
			}
		}
	}
	v[l.total()] = total
	return v
}

// term is one item of an equation Σ coef·x = 0.
type term struct {
	item int
	coef float64
}

// equations are the table's additivity: each line of cells adds up to
// its margin, the margins to the total.
func (l layout) equations() [][]term {
	var eqs [][]term
	switch l.dims {
	case 1:
		eq := []term{{l.total(), -1}}
		for r := range l.rows {
			eq = append(eq, term{l.cell(r, 0), 1})
		}
		return append(eqs, eq)
	case 2:
		rowsTotal, colsTotal := []term{{l.total(), -1}}, []term{{l.total(), -1}}
		for r := range l.rows {
			eq := []term{{l.rowMargin(r), -1}}
			for c := range l.cols {
				eq = append(eq, term{l.cell(r, c), 1})
			}
			eqs = append(eqs, eq)
			rowsTotal = append(rowsTotal, term{l.rowMargin(r), 1})
		}
		for c := range l.cols {
			eq := []term{{l.colMargin(c), -1}}
			for r := range l.rows {
				eq = append(eq, term{l.cell(r, c), 1})
			}
			eqs = append(eqs, eq)
			colsTotal = append(colsTotal, term{l.colMargin(c), 1})
		}
		return append(eqs, rowsTotal, colsTotal)
	}
	return nil
}

func (l layout) mask(sup []bool) Mask {
	m := Mask{Cell: make([][]bool, l.rows), Total: sup[l.total()]}
	if l.dims == 0 {
		m.Cell[0] = []bool{sup[0]}
		return m
	}
	m.Row = make([]bool, l.rows)
	for r := range l.rows {
		m.Cell[r] = make([]bool, l.cols)
		for c := range l.cols {
			m.Cell[r][c] = sup[l.cell(r, c)]
		}
		m.Row[r] = sup[l.rowMargin(r)]
	}
	if l.dims == 2 {
		m.Col = make([]bool, l.cols)
		for c := range l.cols {
			m.Col[c] = sup[l.colMargin(c)]
		}
	}
	return m
}

// complement picks the shown count to suppress next so that suppressed
// small count i is no longer determined. Candidates are ordered: counts
// sharing an equation with i, then counts sharing one with any suppressed
// count, then the rest; within that, non-zero cells before margins and
// totals before zero cells, smaller first. The first of the leading
// candidates whose suppression alone frees i is chosen, else the first
// candidate (more follow in the next rounds). It returns -1 when every
// count is suppressed.
func complement(eqs [][]term, vals []int, sup []bool, i int, isCell func(int) bool, k int) int {
	rel := make([]int, len(sup))
	for j := range rel {
		rel[j] = 2
	}
	for _, eq := range eqs {
		withI, withSup := false, false
		for _, t := range eq {
			withI = withI || t.item == i
			withSup = withSup || sup[t.item]
		}
		for _, t := range eq {
			switch {
			case withI:
				rel[t.item] = 0
			case withSup:
				rel[t.item] = min(rel[t.item], 1)
			}
		}
	}
	tier := func(j int) int {
		switch {
		case isCell(j) && vals[j] > 0:
			return 0
		case !isCell(j):
			return 1
		}
		return 2
	}
	var cands []int
	for j, s := range sup {
		if !s {
			cands = append(cands, j)
		}
	}
	if len(cands) == 0 {
		return -1
	}
	slices.SortFunc(cands, func(a, b int) int {
		return cmp.Or(cmp.Compare(rel[a], rel[b]), cmp.Compare(tier(a), tier(b)), cmp.Compare(vals[a], vals[b]), cmp.Compare(a, b))
	})
	for _, j := range cands[:min(len(cands), maxTries)] {
		sup[j] = true
		freed := !determinedItem(eqs, sup, i)
		sup[j] = false
		if freed {
			return j
		}
	}
	return cands[0]
}

// maxTries bounds the candidates complement tries one by one.
const maxTries = 64

// determined returns a suppressed small count (0 < n < k) whose value the
// shown counts and the equations fix, or -1.
func determined(eqs [][]term, vals []int, sup []bool, k int) int {
	basis, col := system(eqs, sup)
	for i, s := range sup {
		if s && vals[i] > 0 && vals[i] < k && inSpan(basis, col[i], len(basis.unknowns)) {
			return i
		}
	}
	return -1
}

// determinedItem reports whether suppressed item i is fixed by the
// equations and the shown counts.
func determinedItem(eqs [][]term, sup []bool, i int) bool {
	basis, col := system(eqs, sup)
	return inSpan(basis, col[i], len(basis.unknowns))
}

// reduced is the row space of the equations restricted to the suppressed
// counts, in reduced row echelon form.
type reduced struct {
	rows     []pivotRow
	unknowns []int
}

// system builds the equations over the suppressed counts; col maps an
// item to its column (-1 when shown).
func system(eqs [][]term, sup []bool) (reduced, []int) {
	var r reduced
	col := make([]int, len(sup))
	for i, s := range sup {
		col[i] = -1
		if s {
			col[i] = len(r.unknowns)
			r.unknowns = append(r.unknowns, i)
		}
	}
	var rowsA [][]float64
	for _, eq := range eqs {
		row := make([]float64, len(r.unknowns))
		used := false
		for _, t := range eq {
			if c := col[t.item]; c >= 0 {
				row[c] += t.coef
				used = true
			}
		}
		if used {
			rowsA = append(rowsA, row)
		}
	}
	r.rows = rref(rowsA)
	return r, col
}

const eps = 1e-9

// pivotRow is a row of a reduced row echelon form with its pivot column.
type pivotRow struct {
	pivot int
	v     []float64
}

// rref reduces rows (modified in place) to reduced row echelon form.
func rref(rows [][]float64) []pivotRow {
	var out []pivotRow
	if len(rows) == 0 {
		return nil
	}
	n := len(rows[0])
	r := 0
	for c := 0; c < n && r < len(rows); c++ {
		p := -1
		for i := r; i < len(rows); i++ {
			if math.Abs(rows[i][c]) > eps && (p < 0 || math.Abs(rows[i][c]) > math.Abs(rows[p][c])) {
				p = i
			}
		}
		if p < 0 {
			continue
		}
		rows[r], rows[p] = rows[p], rows[r]
		pv := rows[r][c]
		for j := range rows[r] {
			rows[r][j] /= pv
		}
		for i := range rows {
			if i != r && math.Abs(rows[i][c]) > eps {
				f := rows[i][c]
				for j := range rows[i] {
					rows[i][j] -= f * rows[r][j]
				}
			}
		}
		out = append(out, pivotRow{c, rows[r]})
		r++
	}
	return out
}

// inSpan reports whether the unit vector e_c (of length n) lies in the
// span of the reduced rows.
func inSpan(basis reduced, c, n int) bool {
	v := make([]float64, n)
	v[c] = 1
	for _, b := range basis.rows {
		if f := v[b.pivot]; math.Abs(f) > eps {
			for j := range v {
				v[j] -= f * b.v[j]
			}
		}
	}
	for _, x := range v {
		if math.Abs(x) > eps {
			return false
		}
	}
	return true
}
