package calling

import (
	"encoding/binary"
	"encoding/json"
	"hash/fnv"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/varamu/varamu/genome"
)

// randomGenotypes fills every locus of c from a seed: not covered, no-call,
// gVCF block, hom-ref, heterozygous, homozygous, multi-allelic, novel,
// haploid, phased with phase sets, GP/DS/GQ, split records.
func randomGenotypes(c *Caller, data []byte) [][]genome.Genotype {
	h := fnv.New64a()
	h.Write(data)
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(len(data))))
	next := func(n int) int {
		if len(data) >= 2 {
			v := int(binary.LittleEndian.Uint16(data))
			data = data[2:]
			return v % n
		}
		return rng.IntN(n)
	}
	pos := map[genome.Locus]struct {
		ref  string
		alts []string
	}{}
	for _, g := range c.db.Genes {
		for _, p := range g.Positions {
			pos[genome.Locus{Chrom: g.Chrom, Pos: p.Pos}] = struct {
				ref  string
				alts []string
			}{p.Ref, p.Alts}
		}
	}
	out := make([][]genome.Genotype, len(c.loci))
	for i, l := range c.loci {
		p := pos[l]
		alts := append([]string(nil), p.alts...)
		if len(alts) == 0 {
			alts = []string{"A"}
		}
		g := genome.Genotype{Chrom: l.Chrom, Pos: l.Pos, End: l.Pos + int64(len(p.ref)) - 1, Ref: p.ref, Alts: alts, GQ: -1, DP: -1}
		// Mostly reference, so that calls are made and the matcher is exercised.
		switch k := next(40); {
		case k == 0:
			g.State = genome.NotCovered
			out[i] = []genome.Genotype{g}
			continue
		case k == 1:
			g.Alleles = []int{genome.Missing, genome.Missing}
		case k == 2:
			g.Pos, g.End, g.Ref, g.Alts, g.Alleles = l.Pos-3, l.Pos+10, "N", []string{"<NON_REF>"}, []int{0, 0}
		case k == 3:
			g.Alleles = []int{0, 1}
		case k == 4:
			g.Alleles = []int{1, 1}
		case k == 5:
			g.Alts = append(g.Alts, "G")
			g.Alleles = []int{1, len(g.Alts)}
		case k == 6:
			g.Alts = []string{"ACGTTT"}
			g.Alleles = []int{0, 1}
		case k == 7:
			g.Alleles = []int{next(2)}
		case k == 8:
			g.Alleles, g.Phased, g.PS = []int{next(2), next(2)}, true, int64(next(3))
		case k == 9:
			g.Alleles = []int{0, 1}
			g.GP = []float32{float32(next(100)) / 100, float32(next(100)) / 100, 0.01}
		case k == 10:
			g.Alleles = []int{0, 1}
			g.DS = []float32{float32(next(200)) / 100}
		case k == 11:
			g.Alleles, g.GQ = []int{0, 0}, int32(next(60))
		case k == 12:
			g.Alleles = []int{genome.Missing, 1}
		case k == 13:
			g.Alleles = nil
			g.GP = []float32{0.1, 0.2, 0.7}
		case k == 14:
			g2 := g
			g.Alleles = []int{0, 1}
			g2.Alts = []string{"T"}
			g2.Alleles = []int{1, 0}
			g2.State = genome.StateOf(g2.Alleles)
			g.State = genome.StateOf(g.Alleles)
			out[i] = []genome.Genotype{g, g2}
			continue
		default:
			g.Alleles = []int{0, 0}
		}
		g.State = genome.StateOf(g.Alleles)
		if len(g.Alleles) == 0 {
			g.State = genome.NoCall
		}
		out[i] = []genome.Genotype{g}
	}
	return out
}

// FuzzCall checks that calling never panics, is deterministic, and keeps
// its invariants on arbitrary genotypes.
func FuzzCall(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{3, 0, 4, 0, 5, 0, 8, 0, 8, 0})
	f.Add([]byte("phased and unphased and missing and novel"))
	c := testCaller(f, Config{})
	f.Fuzz(func(t *testing.T, data []byte) {
		gts := randomGenotypes(c, data)
		for _, sex := range []Sex{SexUnknown, Male, Female} {
			subj := Subject{Sample: "F", Sex: sex}
			a, err := c.CallGenotypes(subj, gts)
			if err != nil {
				t.Fatal(err)
			}
			b, err := c.CallGenotypes(subj, gts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a, b); diff != "" {
				t.Fatalf("not deterministic:\n%s", diff)
			}
			if _, err := json.Marshal(a); err != nil {
				t.Fatal(err)
			}
			for _, g := range a.Genes {
				if len(g.Diplotypes) > 1 && !g.Uncertain {
					t.Fatalf("%s: %d diplotypes but not uncertain", g.Gene, len(g.Diplotypes))
				}
				if g.Confidence != nil && (*g.Confidence < 0 || *g.Confidence > 1) {
					t.Fatalf("%s: confidence %v", g.Gene, *g.Confidence)
				}
				if !g.Called && g.Phenotype != "" {
					t.Fatalf("%s: not called but phenotype %q", g.Gene, g.Phenotype)
				}
				if g.Called && len(g.Diplotypes) == 0 && g.Source != "outside" && g.Phenotype == "" {
					t.Fatalf("%s: called with neither diplotype nor phenotype: %q", g.Gene, g.Notes)
				}
			}
		}
	})
}

// BenchmarkCallSample calls every gene for one sample with WGS-like data:
// every position covered, a few variants.
func BenchmarkCallSample(b *testing.B) {
	c := testCaller(b, Config{})
	gts := randomGenotypes(c, []byte("benchmark sample"))
	subj := Subject{Sample: "B"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CallGenotypes(subj, gts); err != nil {
			b.Fatal(err)
		}
	}
}
