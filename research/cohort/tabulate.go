package cohort

import (
	"fmt"
	"slices"
	"strings"
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
	t := Tabulation{Dimensions: slices.Clone(d.Dimensions)}
	type cell struct{ r, c string }
	cells := map[cell][]int32{}
	rowSet, colSet := map[string]bool{}, map[string]bool{}
	var rowOf, colOf func(p *Participant) string
	if len(d.Dimensions) > 0 {
		rowOf = d.valueOf(d.Dimensions[0], year)
	}
	if len(d.Dimensions) > 1 {
		colOf = d.valueOf(d.Dimensions[1], year)
	}
	for i := range ps {
		p := &ps[i]
		if !d.Matches(p, year) {
			continue
		}
		var k cell
		if rowOf != nil {
			k.r = rowOf(p)
			rowSet[k.r] = true
		}
		if colOf != nil {
			k.c = colOf(p)
			colSet[k.c] = true
		}
		cells[k] = append(cells[k], int32(i))
	}
	rows, cols := []string{""}, []string{""}
	if len(rowSet) > 0 {
		rows = d.order(d.Dimensions[0], rowSet)
		t.Rows = rows
	}
	if len(colSet) > 0 {
		cols = d.order(d.Dimensions[1], colSet)
		t.Cols = cols
	}
	t.Members = make([][][]int32, len(rows))
	for r, rv := range rows {
		t.Members[r] = make([][]int32, len(cols))
		for c, cv := range cols {
			t.Members[r][c] = cells[cell{rv, cv}]
		}
	}
	return t
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
