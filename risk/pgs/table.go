package pgs

import (
	"cmp"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Table is a scoring file's variants held column by column, without a
// pointer per variant: chromosome names and alleles interned, rsIDs of the
// form "rs" + digits kept as their number, positions in 32 bits, alleles'
// numbers in 16 (while a file has at most 65,536 distinct alleles), and the
// chromosomes and line numbers as runs (a file sorted by chromosome, with
// one variant a line, has one run of each a chromosome), the rest in flat
// slices. A variant costs 21 bytes (29 when the file gives effect allele
// frequencies), plus the text of an rsID of another form, and 8 bytes a
// run; the garbage collector has no per-variant pointers to follow. The
// zero value is an empty table ready to use.
type Table struct {
	chroms  []string // distinct chromosome names
	chromAt map[string]uint32
	alleles []string // distinct alleles; alleles[0] is ""
	allele  map[string]uint32
	oneBase [256]uint32 // the numbers of one-byte alleles (0 not yet)
	others  []string    // rsIDs not of the form rs + digits (or past 2^31)

	chromRuns []run // the chromosome of variant j is the last run's from ≤ j
	lineRuns  []run // the line of variant j is the last run's + j - from
	pos       widening[uint32, int64]
	effect    widening[uint16, uint32]
	other     widening[uint16, uint32]
	weight    []float64
	freq      []float64 // nil until a variant has a frequency
	rsid      []uint32  // 0 none; n<<1|1 "rs<n>"; (i+1)<<1 others[i]
	dominance []uint8   // bit 0 dominant, bit 1 recessive
	n         int
	// base is the first variant held: the columns hold variants base to
	// n-1 (DropBefore drops the ones before); 0 but in a table read a
	// part at a time (Stream).
	base int
	// othersBase is the number of others dropped with the variants
	// before base.
	othersBase int
}

// widening is a column of numbers held in the narrow type N, or in the
// wide type W for every row once one does not fit.
type widening[N, W uint16 | uint32 | int64] struct {
	narrow []N
	wide   []W
}

func (c *widening[N, W]) grow(n int) {
	if c.wide == nil {
		c.narrow = growTo(c.narrow, n)
	} else {
		c.wide = growTo(c.wide, n)
	}
}

func (c *widening[N, W]) append(x W) {
	if c.wide == nil && W(N(x)) == x {
		c.narrow = append(c.narrow, N(x))
		return
	}
	if c.wide == nil {
		c.wide = make([]W, len(c.narrow), cap(c.narrow))
		for i, v := range c.narrow {
			c.wide[i] = W(v)
		}
		c.narrow = nil
	}
	c.wide = append(c.wide, x)
}

func (c *widening[N, W]) at(j int) W {
	if c.wide != nil {
		return c.wide[j]
	}
	return W(c.narrow[j])
}

// run is a run of variants from variant from on with value v (a
// chromosome's number, or the line of variant from).
type run struct {
	from int32
	v    uint32
}

// runAt returns the run of variant j.
func runAt(runs []run, j int) run { return runs[runIndex(runs, j)] }

// runIndex returns the index in runs of the run of variant j.
func runIndex(runs []run, j int) int {
	if last := len(runs) - 1; int(runs[last].from) <= j {
		return last
	}
	i, _ := slices.BinarySearchFunc(runs, j, func(r run, j int) int { return cmp.Compare(int(r.from), j) })
	if i == len(runs) || int(runs[i].from) > j {
		i--
	}
	return i
}

// eachRun calls fn for each part of the variants from to to-1 (from <
// to) in one run: variants lo to hi-1, in run r, in order.
func eachRun(runs []run, from, to int, fn func(lo, hi int, r run)) {
	for i, lo := runIndex(runs, from), from; lo < to; i++ {
		hi := to
		if i+1 < len(runs) {
			hi = min(hi, int(runs[i+1].from))
		}
		fn(lo, hi, runs[i])
		lo = hi
	}
}

// Len returns the number of variants appended (those before Base
// included, dropped or not): the next one is variant Len.
func (t *Table) Len() int { return t.n }

// Grow makes room for n more variants.
func (t *Table) Grow(n int) {
	t.pos.grow(n)
	t.effect.grow(n)
	t.other.grow(n)
	t.weight = growTo(t.weight, n)
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
func (t *Table) Append(v Variant) { add(t, &v, v.RsID) }

// add adds variant v with the rsID rsid (v.RsID is not read): a reader
// passes the line's bytes, which are not kept.
func add[S ~string | ~[]byte](t *Table, v *Variant, rsid S) {
	j := t.n
	t.n++
	if c := t.chromIndex(v.Chrom); len(t.chromRuns) == 0 || t.chromRuns[len(t.chromRuns)-1].v != c {
		t.chromRuns = append(t.chromRuns, run{int32(j), c})
	}
	if len(t.lineRuns) == 0 || t.Line(j) != v.Line {
		t.lineRuns = append(t.lineRuns, run{int32(j), uint32(v.Line)})
	}
	t.pos.append(v.Pos)
	t.effect.append(t.intern(v.EffectAllele))
	t.other.append(t.intern(v.OtherAllele))
	t.weight = append(t.weight, v.Weight)
	t.rsid = append(t.rsid, rsCode(t, rsid))
	var d uint8
	if v.Dominant {
		d |= 1
	}
	if v.Recessive {
		d |= 2
	}
	t.dominance = append(t.dominance, d)
	if !math.IsNaN(v.EffectFreq) && t.freq == nil {
		t.freq = make([]float64, j-t.base, cap(t.weight))
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
	if n := len(t.chromRuns); n > 0 && t.chroms[t.chromRuns[n-1].v] == name {
		return t.chromRuns[n-1].v
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
	if len(a) == 1 && t.oneBase[a[0]] != 0 {
		return t.oneBase[a[0]]
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
	if len(a) == 1 {
		t.oneBase[a[0]] = i
	}
	return i
}

// rsCode encodes an rsID (see Table.rsid).
func rsCode[S ~string | ~[]byte](t *Table, id S) uint32 {
	if len(id) == 0 {
		return 0
	}
	if n, ok := rsNumber(id); ok {
		return uint32(n)<<1 | 1
	}
	t.others = append(t.others, strings.Clone(string(id)))
	return uint32(t.othersBase+len(t.others)) << 1
}

// rsNumber returns n for an rsID "rs<n>" written without leading zeros,
// n < 2^31; ok is false for any other.
func rsNumber[S ~string | ~[]byte](id S) (n uint32, ok bool) {
	if len(id) <= 2 || len(id) > 12 || id[0] != 'r' || id[1] != 's' || id[2] == '0' {
		return 0, false
	}
	var x uint64
	for i := 2; i < len(id); i++ {
		c := id[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		x = x*10 + uint64(c-'0')
	}
	if x >= 1<<31 {
		return 0, false
	}
	return uint32(x), true
}

// At returns variant j (Base ≤ j < Len). Its strings are shared with the
// table, except an rsID of the form rs + digits, which is made.
func (t *Table) At(j int) Variant {
	v := t.Locus(j)
	v.RsID = t.RsID(j)
	return v
}

// Locus returns variant j without its rsID: what matching and scoring
// read, made without allocating.
func (t *Table) Locus(j int) Variant {
	i := j - t.base
	v := Variant{Chrom: t.Chrom(j), Pos: t.Pos(j), EffectAllele: t.alleles[t.effect.at(i)], OtherAllele: t.alleles[t.other.at(i)],
		Weight: t.weight[i], Dominant: t.dominance[i]&1 != 0, Recessive: t.dominance[i]&2 != 0, EffectFreq: math.NaN(), Line: t.Line(j)}
	if t.freq != nil {
		v.EffectFreq = t.freq[i]
	}
	return v
}

// Weighted is what scoring reads of a variant (Table.Weighted).
type Weighted struct {
	EffectAllele, OtherAllele string
	Weight                    float64
	Dominant, Recessive       bool
	// EffectFreq is NaN when the file gives none.
	EffectFreq float64
}

// Weighted returns variant j's alleles, weight, dominance and effect
// allele frequency: Locus without the chromosome and line, which cost a
// search each.
func (t *Table) Weighted(j int) Weighted {
	i := j - t.base
	w := Weighted{EffectAllele: t.alleles[t.effect.at(i)], OtherAllele: t.alleles[t.other.at(i)], Weight: t.weight[i],
		Dominant: t.dominance[i]&1 != 0, Recessive: t.dominance[i]&2 != 0, EffectFreq: math.NaN()}
	if t.freq != nil {
		w.EffectFreq = t.freq[i]
	}
	return w
}

// ChromRun returns variant j's chromosome and the variants from to end-1
// around it on the same chromosome (a run of the file): a walk of the
// table in order asks again only past end.
func (t *Table) ChromRun(j int) (chrom string, from, end int) {
	i := runIndex(t.chromRuns, j)
	end = t.n
	if i+1 < len(t.chromRuns) {
		end = int(t.chromRuns[i+1].from)
	}
	return t.chroms[t.chromRuns[i].v], int(t.chromRuns[i].from), end
}

// Columns are variants column by column, their chromosomes and alleles
// as numbers: indices in Chroms and Alleles (AppendColumns).
type Columns struct {
	Chrom, Effect, Other []int32
	Pos, Line            []int64
	Weight               []float64
	Dominant, Recessive  []bool
}

// Reset empties c, keeping its memory.
func (c *Columns) Reset() {
	*c = Columns{c.Chrom[:0], c.Effect[:0], c.Other[:0], c.Pos[:0], c.Line[:0], c.Weight[:0], c.Dominant[:0], c.Recessive[:0]}
}

// AppendColumns appends variants from to to-1 (0 ≤ from ≤ to ≤ Len) to
// c: a walk of the table, with no search per variant.
func (t *Table) AppendColumns(c *Columns, from, to int) {
	if from >= to {
		return
	}
	eachRun(t.chromRuns, from, to, func(lo, hi int, r run) {
		for range hi - lo {
			c.Chrom = append(c.Chrom, int32(r.v))
		}
	})
	eachRun(t.lineRuns, from, to, func(lo, hi int, r run) {
		for j := lo; j < hi; j++ {
			c.Line = append(c.Line, int64(int(r.v)+j-int(r.from)))
		}
	})
	for i := from - t.base; i < to-t.base; i++ {
		c.Effect = append(c.Effect, int32(t.effect.at(i)))
		c.Other = append(c.Other, int32(t.other.at(i)))
		c.Pos = append(c.Pos, t.pos.at(i))
		c.Dominant = append(c.Dominant, t.dominance[i]&1 != 0)
		c.Recessive = append(c.Recessive, t.dominance[i]&2 != 0)
	}
	c.Weight = append(c.Weight, t.weight[from-t.base:to-t.base]...)
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
func (t *Table) Chrom(j int) string { return t.chroms[t.chromCode(j)] }

// chromCode returns the number of variant j's chromosome in chroms.
func (t *Table) chromCode(j int) uint32 { return runAt(t.chromRuns, j).v }

// Pos returns variant j's position.
func (t *Table) Pos(j int) int64 { return t.pos.at(j - t.base) }

// Line returns variant j's line in the file.
func (t *Table) Line(j int) int {
	r := runAt(t.lineRuns, j)
	return int(r.v) + j - int(r.from)
}

// RsID returns variant j's rsID ("" when the file gives none).
func (t *Table) RsID(j int) string {
	c := t.rsid[j-t.base]
	switch {
	case c == 0:
		return ""
	case c&1 == 0:
		return t.others[int(c>>1)-1-t.othersBase]
	}
	return string(t.AppendRsID(nil, j))
}

// AppendRsID appends variant j's rsID to dst.
func (t *Table) AppendRsID(dst []byte, j int) []byte {
	c := t.rsid[j-t.base]
	switch {
	case c == 0:
		return dst
	case c&1 == 0:
		return append(dst, t.others[int(c>>1)-1-t.othersBase]...)
	}
	return strconv.AppendUint(append(dst, "rs"...), uint64(c>>1), 10)
}

// Base returns the first variant the table holds: 0 but after
// DropBefore.
func (t *Table) Base() int { return t.base }

// DropBefore frees the variants before j (Base ≤ j ≤ Len), which may no
// longer be asked for; their numbers stay: the next is still j. The
// chromosomes and alleles stay interned.
func (t *Table) DropBefore(j int) {
	if j <= t.base {
		return
	}
	d := j - t.base
	k := 0 // the others of the variants dropped
	for _, c := range t.rsid[:d] {
		if c != 0 && c&1 == 0 {
			k++
		}
	}
	t.others, t.othersBase = slices.Clone(t.others[k:]), t.othersBase+k
	t.pos.dropFront(d)
	t.effect.dropFront(d)
	t.other.dropFront(d)
	t.weight = slices.Clone(t.weight[d:])
	t.rsid = slices.Clone(t.rsid[d:])
	t.dominance = slices.Clone(t.dominance[d:])
	if t.freq != nil {
		t.freq = slices.Clone(t.freq[d:])
	}
	t.chromRuns = dropRuns(t.chromRuns, j)
	t.lineRuns = dropRuns(t.lineRuns, j)
	t.base = j
}

// dropRuns drops the runs wholly before variant j.
func dropRuns(runs []run, j int) []run {
	if len(runs) == 0 {
		return runs
	}
	return slices.Clone(runs[runIndex(runs, j):])
}

func (c *widening[N, W]) dropFront(d int) {
	if c.wide != nil {
		c.wide = slices.Clone(c.wide[d:])
	} else {
		c.narrow = slices.Clone(c.narrow[d:])
	}
}

// All yields the variants in order, as At makes them.
func (t *Table) All() iter.Seq2[int, Variant] {
	return func(yield func(int, Variant) bool) {
		for j := t.base; j < t.Len(); j++ {
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
