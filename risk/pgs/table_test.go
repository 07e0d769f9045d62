package pgs

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var nanEqual = cmp.Comparer(func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) })

// TestTableRoundTrip: every variant comes back from the table as given:
// rsIDs of the form rs + digits (up to and past 2^31) and of other forms
// (and none), alleles and chromosomes in any order or in runs, lines with
// gaps, positions in 32 bits and past them (from the first variant or
// later), flags, frequencies present or not, and over 65,536 distinct
// alleles (their numbers past 16 bits).
func TestTableRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ids := []string{"", "rs1", "rs123456789012", "rs0123", "rs", "RS5", "rs18446744073709551615", "esv3600", "22:100:A:G", "rs2147483647", "rs2147483648", "rs4294967296"}
	alleles := []string{"A", "C", "G", "T", "ACGT", "N", ""}
	for c := range 7 {
		withFreq, wideFrom := c%2 == 1, []int{-1, 0, 1000, 500}[c/2]
		var vs []Variant
		var tab Table
		nv := 2000
		if c == 6 {
			nv = 70000
		}
		for j := range nv {
			v := Variant{RsID: ids[rng.IntN(len(ids))], Chrom: fmt.Sprint("chr", 1+rng.IntN(30)), Pos: rng.Int64N(1 << 32),
				EffectAllele: alleles[rng.IntN(len(alleles)-1)], OtherAllele: alleles[rng.IntN(len(alleles))],
				Weight: rng.NormFloat64(), Dominant: j%5 == 0, Recessive: j%7 == 0, EffectFreq: math.NaN(), Line: j + 3 + j/100*2}
			if c%3 == 0 {
				v.Chrom = fmt.Sprint("chr", 1+j/300) // in runs
			}
			if j == wideFrom {
				v.Pos = 1<<32 + rng.Int64N(1<<40)
			}
			if c == 6 { // distinct alleles, past 65,536 at the end
				v.EffectAllele = strings.Map(func(r rune) rune { return rune("ACGT"[r-'0']) }, strconv.FormatInt(int64(j), 4))
			}
			if withFreq && j >= 10 && rng.IntN(2) == 0 {
				v.EffectFreq = rng.Float64()
			}
			vs = append(vs, v)
			tab.Append(v)
		}
		if tab.Len() != len(vs) {
			t.Fatalf("%d variants, want %d", tab.Len(), len(vs))
		}
		if (tab.effect.wide != nil) != (c == 6) || (tab.pos.wide != nil) != (wideFrom >= 0) {
			t.Fatalf("case %d: wide alleles %v, wide positions %v", c, tab.effect.wide != nil, tab.pos.wide != nil)
		}
		for j, v := range tab.All() {
			if d := cmp.Diff(vs[j], v, nanEqual); d != "" {
				t.Fatalf("variant %d (-want +got):\n%s", j, d)
			}
			if string(tab.AppendRsID([]byte("x"), j)) != "x"+vs[j].RsID || tab.Chrom(j) != vs[j].Chrom || tab.Pos(j) != vs[j].Pos {
				t.Fatalf("variant %d: rsID, chromosome or position differ", j)
			}
		}
		other := TableOf(vs...)
		if d := cmp.Diff(vs[len(vs)-1], other.At(len(vs)-1), nanEqual); d != "" {
			t.Fatalf("TableOf (-want +got):\n%s", d)
		}
		checkWalks(t, rng, &tab, vs)
	}
}

// checkWalks: the column walks (AppendColumns over random ranges,
// ChromRun, Weighted) agree with the variants as given.
func checkWalks(t *testing.T, rng *rand.Rand, tab *Table, vs []Variant) {
	t.Helper()
	var c Columns
	for range 50 {
		from := rng.IntN(len(vs) + 1)
		to := from + rng.IntN(len(vs)-from+1)
		c.Reset()
		tab.AppendColumns(&c, from, to)
		if len(c.Pos) != to-from || len(c.Chrom) != to-from || len(c.Line) != to-from || len(c.Weight) != to-from {
			t.Fatalf("AppendColumns(%d, %d): %d rows", from, to, len(c.Pos))
		}
		for i := range to - from {
			v, al := vs[from+i], tab.Alleles()
			got := Variant{RsID: v.RsID, Chrom: tab.Chroms()[c.Chrom[i]], Pos: c.Pos[i], EffectAllele: al[c.Effect[i]], OtherAllele: al[c.Other[i]],
				Weight: c.Weight[i], Dominant: c.Dominant[i], Recessive: c.Recessive[i], EffectFreq: v.EffectFreq, Line: int(c.Line[i])}
			if !sameVariant(v, got) {
				t.Fatalf("AppendColumns(%d, %d) row %d: %+v, want %+v", from, to, i, got, v)
			}
		}
	}
	for j, v := range vs {
		chrom, from, end := tab.ChromRun(j)
		if chrom != v.Chrom || from > j || end <= j || (from > 0 && vs[from-1].Chrom == chrom) || (end < len(vs) && vs[end].Chrom == chrom) {
			t.Fatalf("ChromRun(%d) = %s %d %d, variant on %s", j, chrom, from, end, v.Chrom)
		}
		if j == from && slices.ContainsFunc(vs[from:end], func(x Variant) bool { return x.Chrom != chrom }) {
			t.Fatalf("ChromRun(%d) = %s %d %d: another chromosome in the run", j, chrom, from, end)
		}
		w := tab.Weighted(j)
		got := Variant{RsID: v.RsID, Chrom: v.Chrom, Pos: v.Pos, EffectAllele: w.EffectAllele, OtherAllele: w.OtherAllele, Weight: w.Weight,
			Dominant: w.Dominant, Recessive: w.Recessive, EffectFreq: w.EffectFreq, Line: v.Line}
		if !sameVariant(v, got) {
			t.Fatalf("Weighted(%d) = %+v, want %+v", j, w, v)
		}
	}
}

// sameVariant is cmp.Equal(a, b, nanEqual), fast.
func sameVariant(a, b Variant) bool {
	fa, fb := a.EffectFreq, b.EffectFreq
	a.EffectFreq, b.EffectFreq = 0, 0
	return a == b && (fa == fb || math.IsNaN(fa) && math.IsNaN(fb))
}

// TestReadFileMemory: a scoring file in memory costs at most 28 bytes a
// variant (21 and the slices' spare room), not the lines it was read from:
// the heap after reading a 200,000-variant file, with rsIDs, stays under
// that bound.
func TestReadFileMemory(t *testing.T) {
	const n = 200000
	var b strings.Builder
	b.WriteString("#pgs_id=M\n#genome_build=GRCh38\n#variants_number=200000\nrsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n")
	for j := range n {
		fmt.Fprintf(&b, "rs%d\t%d\t%d\t%s\t%s\t%.6g\n", 1000+j, 1+j*22/n, 10000+j*50, "ACGT"[j%4:j%4+1], "ACGT"[(j+1)%4:(j+1)%4+1], float64(j%1000)/997)
	}
	p := filepath.Join(t.TempDir(), "m.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	before := heapInUse()
	s, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	perVariant := float64(heapInUse()-before) / n
	runtime.KeepAlive(s)
	if s.Variants.Len() != n || s.Variants.RsID(n-1) != fmt.Sprint("rs", 1000+n-1) {
		t.Fatalf("%d variants, last %q", s.Variants.Len(), s.Variants.RsID(n-1))
	}
	t.Logf("%.1f bytes a variant", perVariant)
	if perVariant > 28 {
		t.Errorf("%.1f bytes a variant in memory, want at most 28", perVariant)
	}
}

func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
