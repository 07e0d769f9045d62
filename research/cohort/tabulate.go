package cohort

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// Participant is one consented participant as a cohort sees them, under
// their research pseudonym.
type Participant struct {
	Key         string                // research pseudonym (biobank sample code)
	Sex         string                // "female", "male", "other"; "" unknown
	BirthYear   int                   // 0 unknown
	Conditions  []string              // ICD-10 codes of current diagnoses
	Medications []string              // ATC codes of medications
	PGx         map[string]GeneResult // by gene symbol
}

// GeneResult is a participant's PGx result for one gene.
type GeneResult struct {
	Phenotype  string   // "" not called
	Diplotypes []string // more than one: the call is ambiguous
}

// Category names for values a participant lacks.
const (
	Unknown   = "unknown"
	NotCalled = "not called"
	Ambiguous = "ambiguous"
)

// Tabulation is a cohort split by its dimensions: Members[r][c] are the
// participants in row category r and column category c (one column
// without a second dimension; one row and column without any), by their
// index in the participants tabulated, increasing.
type Tabulation struct {
	Dimensions []string
	Rows, Cols []string
	Members    [][][]int32
}

// Counts returns the number of members of each cell.
func (t *Tabulation) Counts() [][]int {
	out := make([][]int, len(t.Members))
	for r, row := range t.Members {
		out[r] = make([]int, len(row))
		for c, m := range row {
			out[r][c] = len(m)
		}
	}
	return out
}

// Tabulate splits the participants who match d by its dimensions; ages
// are reckoned in year (the age reached in that calendar year, as the
// research extract keeps only birth years).
func Tabulate(d *Definition, ps []Participant, year int) Tabulation {
	return NewColumns(ps).Tabulate(d, year)
}

// Columns holds participants for tabulation with each dimension's values
// column by column: every participant's category in a dimension as a
// number into the dimension's category names, worked out at the first
// question that splits by it and kept, so that a cross-tab is counting
// with integer indices, without maps or strings per participant. The
// participants MUST NOT change while it is used. It is safe for
// concurrent use.
type Columns struct {
	ps   []Participant
	mu   sync.Mutex
	cols map[string]*column // by columnKey
}

// column is one dimension's values: names[codes[i]] is participant i's.
type column struct {
	names []string
	codes []int32
}

// NewColumns returns the Columns of ps.
func NewColumns(ps []Participant) *Columns {
	return &Columns{ps: ps, cols: map[string]*column{}}
}

// Tabulate is Tabulate over the participants of c.
func (c *Columns) Tabulate(d *Definition, year int) Tabulation {
	t := Tabulation{Dimensions: slices.Clone(d.Dimensions)}
	row, col := c.column(d, 0, year), c.column(d, 1, year)
	nc := len(col.names)
	counts := make([]int32, len(row.names)*nc)
	matched := c.matching(d, year)
	for _, i := range matched {
		counts[int(row.codes[i])*nc+int(col.codes[i])]++
	}
	cells := make([][]int32, len(counts))
	for k, n := range counts {
		if n > 0 {
			cells[k] = make([]int32, 0, n)
		}
	}
	for _, i := range matched {
		k := int(row.codes[i])*nc + int(col.codes[i])
		cells[k] = append(cells[k], i)
	}
	rows, cols := present(row, col, cells)
	if len(d.Dimensions) > 0 && len(rows) > 0 {
		t.Rows = d.order(d.Dimensions[0], setOf(rows))
	}
	if len(d.Dimensions) > 1 && len(cols) > 0 {
		t.Cols = d.order(d.Dimensions[1], setOf(cols))
	}
	t.Members = arrange(cells, row, col, orEmpty(t.Rows), orEmpty(t.Cols))
	return t
}

// matching returns the indices of the participants who match d.
func (c *Columns) matching(d *Definition, year int) []int32 {
	out := make([]int32, 0, len(c.ps))
	for i := range c.ps {
		if d.Matches(&c.ps[i], year) {
			out = append(out, int32(i))
		}
	}
	return out
}

// column returns the column of d's dimension n (a one-category column
// when d has fewer dimensions), working it out at its first use.
func (c *Columns) column(d *Definition, n, year int) *column {
	if n >= len(d.Dimensions) {
		return &column{names: []string{""}, codes: make([]int32, len(c.ps))}
	}
	dim := d.Dimensions[n]
	key := dim
	if dim == "age_band" {
		key = fmt.Sprintf("%s %d %v", dim, year, d.bands())
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if col, ok := c.cols[key]; ok {
		return col
	}
	valueOf := d.valueOf(dim, year)
	col := &column{codes: make([]int32, len(c.ps))}
	code := map[string]int32{}
	for i := range c.ps {
		v := valueOf(&c.ps[i])
		k, ok := code[v]
		if !ok {
			k = int32(len(col.names))
			code[v] = k
			col.names = append(col.names, v)
		}
		col.codes[i] = k
	}
	c.cols[key] = col
	return col
}

// present returns the categories of the rows and of the columns that
// hold a participant, each in code order.
func present(row, col *column, cells [][]int32) (rows, cols []string) {
	nc := len(col.names)
	rowHas, colHas := make([]bool, len(row.names)), make([]bool, nc)
	for k, m := range cells {
		if len(m) > 0 {
			rowHas[k/nc], colHas[k%nc] = true, true
		}
	}
	for k, ok := range rowHas {
		if ok {
			rows = append(rows, row.names[k])
		}
	}
	for k, ok := range colHas {
		if ok {
			cols = append(cols, col.names[k])
		}
	}
	return rows, cols
}

// arrange lays cells (by code) out in the order of the category names
// rows and cols; a name not in a column (the empty category of a
// dimension nobody matched) has no members.
func arrange(cells [][]int32, row, col *column, rows, cols []string) [][][]int32 {
	nc := len(col.names)
	out := make([][][]int32, len(rows))
	for r, rv := range rows {
		out[r] = make([][]int32, len(cols))
		for c, cv := range cols {
			if i, j := slices.Index(row.names, rv), slices.Index(col.names, cv); i >= 0 && j >= 0 {
				out[r][c] = cells[i*nc+j]
			}
		}
	}
	return out
}

func setOf(vs []string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// orEmpty is the categories of a dimension, or the one empty category of
// a dimension not asked.
func orEmpty(cats []string) []string {
	if cats == nil {
		return []string{""}
	}
	return cats
}

// Matches reports whether p meets every criterion of d. A criterion on a
// value p lacks (unknown sex or age, no PGx call) is not met.
func (d *Definition) Matches(p *Participant, year int) bool {
	for _, g := range d.PGx {
		res, ok := p.PGx[g.Gene]
		if !ok {
			return false
		}
		if len(g.Phenotypes) > 0 && (res.Phenotype == "" || !slices.ContainsFunc(g.Phenotypes, func(s string) bool { return strings.EqualFold(s, res.Phenotype) })) {
			return false
		}
		if len(g.Diplotypes) > 0 && (len(res.Diplotypes) != 1 || !slices.Contains(g.Diplotypes, res.Diplotypes[0])) {
			return false
		}
	}
	if len(d.Conditions) > 0 && !anyPrefix(p.Conditions, d.Conditions) {
		return false
	}
	if len(d.Medications) > 0 && !anyPrefix(p.Medications, d.Medications) {
		return false
	}
	if len(d.Sex) > 0 && !slices.Contains(d.Sex, sexOf(p)) {
		return false
	}
	if a := d.Age; a != nil {
		if p.BirthYear == 0 {
			return false
		}
		age := year - p.BirthYear
		if a.Min != nil && age < *a.Min || a.Max != nil && age > *a.Max {
			return false
		}
	}
	return true
}

func sexOf(p *Participant) string {
	if p.Sex == "" {
		return Unknown
	}
	return p.Sex
}

// anyPrefix reports whether a code starts with a prefix, dots ignored
// (ICD-10 "E11.9" and "E119" both start with "E11").
func anyPrefix(codes, prefixes []string) bool {
	for _, c := range codes {
		c = strings.ToUpper(strings.ReplaceAll(c, ".", ""))
		for _, p := range prefixes {
			if c != "" && strings.HasPrefix(c, strings.ReplaceAll(p, ".", "")) {
				return true
			}
		}
	}
	return false
}

// valueOf returns the function giving a participant's value in dimension
// dim in year, decided once for the dimension rather than per participant.
func (d *Definition) valueOf(dim string, year int) func(p *Participant) string {
	kind, arg, _ := strings.Cut(dim, ":")
	switch kind {
	case "sex":
		return sexOf
	case "age_band":
		return func(p *Participant) string {
			if p.BirthYear == 0 {
				return Unknown
			}
			return d.band(year - p.BirthYear)
		}
	case "phenotype":
		return func(p *Participant) string {
			if r, ok := p.PGx[arg]; ok && r.Phenotype != "" {
				return r.Phenotype
			}
			return NotCalled
		}
	case "diplotype":
		return func(p *Participant) string {
			switch r := p.PGx[arg]; {
			case len(r.Diplotypes) == 1:
				return r.Diplotypes[0]
			case len(r.Diplotypes) > 1:
				return Ambiguous
			}
			return NotCalled
		}
	case "condition":
		prefixes := []string{arg}
		return func(p *Participant) string { return yesNo(anyPrefix(p.Conditions, prefixes)) }
	case "medication":
		prefixes := []string{arg}
		return func(p *Participant) string { return yesNo(anyPrefix(p.Medications, prefixes)) }
	}
	return func(*Participant) string { return Unknown }
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (d *Definition) bands() []int {
	if len(d.AgeBands) > 0 {
		return d.AgeBands
	}
	return DefaultAgeBands
}

// band names the age band of age: "<18", "18-29", ..., "80+".
func (d *Definition) band(age int) string {
	b := d.bands()
	if age < b[0] {
		return fmt.Sprintf("<%d", b[0])
	}
	for i := 1; i < len(b); i++ {
		if age < b[i] {
			return fmt.Sprintf("%d-%d", b[i-1], b[i]-1)
		}
	}
	return fmt.Sprintf("%d+", b[len(b)-1])
}

// order sorts a dimension's categories: age bands by age, others by name,
// with unknown, ambiguous and not called last.
func (d *Definition) order(dim string, set map[string]bool) []string {
	var out []string
	for v := range set {
		out = append(out, v)
	}
	last := func(v string) bool { return v == Unknown || v == NotCalled || v == Ambiguous }
	key := func(v string) int {
		if dim != "age_band" || last(v) {
			return 0
		}
		if v[0] == '<' {
			return -1
		}
		var n int
		fmt.Sscanf(v, "%d", &n)
		return n
	}
	slices.SortFunc(out, func(a, b string) int {
		switch {
		case last(a) != last(b):
			if last(a) {
				return 1
			}
			return -1
		case key(a) != key(b):
			return key(a) - key(b)
		}
		return strings.Compare(a, b)
	})
	return out
}
