package calling

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
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
		for _, p := range append(g.Positions, g.Extra...) {
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

// FuzzCallVCF feeds arbitrary VCF text to the one-pass VCF caller: it must
// return an error or calls, never panic.
func FuzzCallVCF(f *testing.F) {
	hdr := "##fileformat=VCFv4.3\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"x\">\n##FORMAT=<ID=GP,Number=G,Type=Float,Description=\"x\">\n##FORMAT=<ID=PS,Number=1,Type=Integer,Description=\"x\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tA\tB\n"
	f.Add(hdr + "chr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t0/1\t1|1\n10\t94761900\t.\tC\tT\t.\t.\t.\tGT:GP\t0/1:0.1,0.8,0.1\t./.\n")
	f.Add(hdr + "chr2\t233760233\t.\tCAT\tC,CATAT\t.\t.\t.\tGT:PS\t1|2:5\t2/2:.\n")
	f.Add(hdr + "chrX\t154534419\t.\tG\tA\t.\t.\t.\tGT\t1\t0/1\n")
	f.Add(hdr + "chr1\t97000000\t.\tN\t<NON_REF>\t.\t.\tEND=98000000\tGT\t0/0\t0/0\n")
	c := testCaller(f, Config{})
	f.Fuzz(func(t *testing.T, text string) {
		r, err := vcf.NewReader(strings.NewReader(text), "f.vcf")
		if err != nil {
			return
		}
		cs, err := c.CallVCF(context.Background(), r, VCFConfig{Workers: 1})
		if err != nil {
			return
		}
		if _, err := json.Marshal(cs); err != nil {
			t.Fatal(err)
		}
	})
}

// BenchmarkCallReferenceSample calls every gene for a WGS-like sample:
// every position covered, reference except CYP2C19 *2/*17 and CYP2C9 *1/*3.
func BenchmarkCallReferenceSample(b *testing.B) {
	db := testDB(b)
	c := testCaller(b, Config{})
	src := refSource(db, "ABCG2", "CACNA1S", "CFTR", "CYP2B6", "CYP2C19", "CYP2C9", "CYP3A4", "CYP3A5", "CYP4F2",
		"DPYD", "G6PD", "IFNL3", "NAT2", "NUDT15", "RYR1", "SLCO1B1", "TPMT", "UGT1A1", "VKORC1")
	src[locus(db, "CYP2C19", 94842866)] = []genome.Genotype{rec(db, "CYP2C19", 94842866, "A", []string{"G"}, []int{1, 1}, false)}
	src[locus(db, "CYP2C19", 94781859)] = []genome.Genotype{rec(db, "CYP2C19", 94781859, "G", []string{"A"}, []int{0, 1}, false)}
	src[locus(db, "CYP2C19", 94775367)] = []genome.Genotype{rec(db, "CYP2C19", 94775367, "A", []string{"G"}, []int{0, 1}, false)}
	src[locus(db, "CYP2C19", 94761900)] = []genome.Genotype{rec(db, "CYP2C19", 94761900, "C", []string{"T"}, []int{0, 1}, false)}
	src[locus(db, "CYP2C9", 94981296)] = []genome.Genotype{rec(db, "CYP2C9", 94981296, "A", []string{"C"}, []int{0, 1}, false)}
	gts, err := src.Genotypes(context.Background(), "B", c.Loci())
	if err != nil {
		b.Fatal(err)
	}
	subj := Subject{Sample: "B"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.CallGenotypes(subj, gts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallVCF reads a 200-sample VCF (every PGx position, 3% of
// genotypes heterozygous, 0.5% homozygous alternate) and calls every
// sample; ns/op is per VCF, see the samples/s metric.
func BenchmarkCallVCF(b *testing.B) {
	db := testDB(b)
	c := testCaller(b, Config{})
	const n = 200
	rng := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	sb.WriteString("##fileformat=VCFv4.3\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"x\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")
	for i := range n {
		fmt.Fprintf(&sb, "\tS%d", i)
	}
	sb.WriteString("\n")
	for _, l := range c.Loci() {
		var p alleles.Position
		for _, g := range db.Genes {
			for _, q := range append(g.Positions, g.Extra...) {
				if g.Chrom == l.Chrom && q.Pos == l.Pos {
					p = q
				}
			}
		}
		fmt.Fprintf(&sb, "%s\t%d\t.\t%s\t%s\t.\tPASS\t.\tGT", l.Chrom, l.Pos, p.Ref, strings.Join(p.Alts, ","))
		for range n {
			switch x := rng.Float64(); {
			case x < 0.97:
				sb.WriteString("\t0/0")
			case x < 0.995:
				sb.WriteString("\t0/1")
			default:
				sb.WriteString("\t1/1")
			}
		}
		sb.WriteString("\n")
	}
	text := sb.String()
	b.ResetTimer()
	for b.Loop() {
		r, err := vcf.NewReader(strings.NewReader(text), "bench.vcf")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.CallVCF(context.Background(), r, VCFConfig{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "samples/s")
}
