package pgs

import (
	"iter"
	"math"
	"strconv"
	"strings"
)

// Table is a scoring file's variants held column by column, without a
// pointer per variant: chromosome names and alleles interned, rsIDs of the
// form "rs" + digits kept as their number, the rest in flat slices. A
// variant costs 41 bytes (49 when the file gives effect allele
// frequencies), plus the text of an rsID of another form; the garbage
// collector has no per-variant pointers to follow. The zero value is an
// empty table ready to use.
type Table struct {
	chroms  []string // distinct chromosome names
	chromAt map[string]uint32
	alleles []string // distinct alleles; alleles[0] is ""
	allele  map[string]uint32
	others  []string // rsIDs not of the form rs + digits

	chrom     []uint32
	pos       []int64
	effect    []uint32
	other     []uint32
	weight    []float64
	freq      []float64 // nil until a variant has a frequency
	line      []int32
	rsid      []uint64 // 0 none; n<<1|1 "rs<n>"; (i+1)<<1 others[i]
	dominance []uint8  // bit 0 dominant, bit 1 recessive
}

// Len returns the number of variants.
func (t *Table) Len() int { return len(t.pos) }

// Grow makes room for n more variants.
func (t *Table) Grow(n int) {
	t.chrom = growTo(t.chrom, n)
	t.pos = growTo(t.pos, n)
	t.effect = growTo(t.effect, n)
	t.other = growTo(t.other, n)
	t.weight = growTo(t.weight, n)
	t.line = growTo(t.line, n)
	t.rsid = growTo(t.rsid, n)
	t.dominance = growTo(t.dominance, n)
}

func growTo[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	c := make([]T, len(s), len(s)+n)
	copy(c, s)
	return c
}

// Append adds a variant.
func (t *Table) Append(v Variant) {
	t.chrom = append(t.chrom, t.chromIndex(v.Chrom))
	t.pos = append(t.pos, v.Pos)
	t.effect = append(t.effect, t.intern(v.EffectAllele))
	t.other = append(t.other, t.intern(v.OtherAllele))
	t.weight = append(t.weight, v.Weight)
	t.line = append(t.line, int32(v.Line))
	t.rsid = append(t.rsid, t.rsCode(v.RsID))
	var d uint8
	if v.Dominant {
		d |= 1
	}
	if v.Recessive {
		d |= 2
	}
	t.dominance = append(t.dominance, d)
	if !math.IsNaN(v.EffectFreq) && t.freq == nil {
		t.freq = make([]float64, len(t.pos)-1, cap(t.pos))
		for i := range t.freq {
			t.freq[i] = math.NaN()
		}
	}
	if t.freq != nil {
		t.freq = append(t.freq, v.EffectFreq)
	}
}

func (t *Table) chromIndex(name string) uint32 {
	// Files are sorted by chromosome: the last name is the likely one.
	if n := len(t.chrom); n > 0 && t.chroms[t.chrom[n-1]] == name {
		return t.chrom[n-1]
	}
	if i, ok := t.chromAt[name]; ok {
		return i
	}
	if t.chromAt == nil {
		t.chromAt = map[string]uint32{}
	}
	i := uint32(len(t.chroms))
	name = strings.Clone(name)
	t.chroms = append(t.chroms, name)
	t.chromAt[name] = i
	return i
}

func (t *Table) intern(a string) uint32 {
	if a == "" {
		return 0
	}
	if i, ok := t.allele[a]; ok {
		return i
	}
	if t.allele == nil {
		t.allele = map[string]uint32{}
		t.alleles = append(t.alleles[:0], "")
	}
	i := uint32(len(t.alleles))
	a = strings.Clone(a) // not the line it was read from
	t.alleles = append(t.alleles, a)
	t.allele[a] = i
	return i
}

// rsCode encodes an rsID (see Table.rsid).
func (t *Table) rsCode(id string) uint64 {
	if id == "" {
		return 0
	}
	if len(id) > 2 && len(id) <= 20 && id[:2] == "rs" && id[2] != '0' {
		if n, err := strconv.ParseUint(id[2:], 10, 62); err == nil {
			return n<<1 | 1
		}
	}
	t.others = append(t.others, strings.Clone(id))
	return uint64(len(t.others)) << 1
}

// At returns variant j (0 ≤ j < Len). Its strings are shared with the
// table, except an rsID of the form rs + digits, which is made.
func (t *Table) At(j int) Variant {
	v := t.Locus(j)
	v.RsID = t.RsID(j)
	return v
}

// Locus returns variant j without its rsID: what matching and scoring
// read, made without allocating.
func (t *Table) Locus(j int) Variant {
	v := Variant{Chrom: t.chroms[t.chrom[j]], Pos: t.pos[j], EffectAllele: t.alleles[t.effect[j]], OtherAllele: t.alleles[t.other[j]],
		Weight: t.weight[j], Dominant: t.dominance[j]&1 != 0, Recessive: t.dominance[j]&2 != 0, EffectFreq: math.NaN(), Line: int(t.line[j])}
	if t.freq != nil {
		v.EffectFreq = t.freq[j]
	}
	return v
}

// Codes is a variant with its chromosome and alleles as numbers: indices
// in Chroms and Alleles.
type Codes struct {
	Chrom, Effect, Other uint32
	Pos                  int64
	Weight               float64
	Dominant, Recessive  bool
	Line                 int
}

// Codes returns variant j with its chromosome and alleles as numbers.
func (t *Table) Codes(j int) Codes {
	return Codes{Chrom: t.chrom[j], Effect: t.effect[j], Other: t.other[j], Pos: t.pos[j], Weight: t.weight[j],
		Dominant: t.dominance[j]&1 != 0, Recessive: t.dominance[j]&2 != 0, Line: int(t.line[j])}
}

// Chroms returns the table's chromosome names, numbered as Codes numbers
// them. The slice is the table's: not to be changed.
func (t *Table) Chroms() []string { return t.chroms }

// Alleles returns the table's alleles, numbered as Codes numbers them
// (0 is "", an absent other allele). The slice is the table's: not to be
// changed.
func (t *Table) Alleles() []string {
	if len(t.alleles) == 0 {
		return []string{""}
	}
	return t.alleles
}

// Chrom returns variant j's chromosome (normalised).
func (t *Table) Chrom(j int) string { return t.chroms[t.chrom[j]] }

// Pos returns variant j's position.
func (t *Table) Pos(j int) int64 { return t.pos[j] }

// RsID returns variant j's rsID ("" when the file gives none).
func (t *Table) RsID(j int) string {
	c := t.rsid[j]
	switch {
	case c == 0:
		return ""
	case c&1 == 0:
		return t.others[c>>1-1]
	}
	return string(t.AppendRsID(nil, j))
}

// AppendRsID appends variant j's rsID to dst.
func (t *Table) AppendRsID(dst []byte, j int) []byte {
	c := t.rsid[j]
	switch {
	case c == 0:
		return dst
	case c&1 == 0:
		return append(dst, t.others[c>>1-1]...)
	}
	return strconv.AppendUint(append(dst, "rs"...), c>>1, 10)
}

// All yields the variants in order, as At makes them.
func (t *Table) All() iter.Seq2[int, Variant] {
	return func(yield func(int, Variant) bool) {
		for j := range t.Len() {
			if !yield(j, t.At(j)) {
				return
			}
		}
	}
}

// TableOf returns a table of vs (for tests and generated files).
func TableOf(vs ...Variant) Table {
	var t Table
	t.Grow(len(vs))
	for _, v := range vs {
		t.Append(v)
	}
	return t
}
