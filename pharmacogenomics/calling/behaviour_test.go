package calling

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// refSource gives every position of the genes a called homozygous
// reference record.
func refSource(db *alleles.DB, genes ...string) memSource {
	src := memSource{}
	for _, name := range genes {
		g := db.Gene(name)
		for _, p := range g.Positions {
			src[genome.Locus{Chrom: g.Chrom, Pos: p.Pos}] = []genome.Genotype{genotype(g, p, []string{p.Ref, p.Ref}, false, 0)}
		}
	}
	return src
}

// rec builds a record at a gene position.
func rec(db *alleles.DB, gene string, pos int64, ref string, alts []string, al []int, phased bool) genome.Genotype {
	g := db.Gene(gene)
	gt := genome.Genotype{Chrom: g.Chrom, Pos: pos, End: pos + int64(len(ref)) - 1, Ref: ref, Alts: alts, Alleles: al, Phased: phased, GQ: -1, DP: -1}
	gt.State = genome.StateOf(al)
	return gt
}

func callOne(t *testing.T, src memSource, gene string, subj Subject) pharmacogenomics.GeneCall {
	t.Helper()
	c := testCaller(t, Config{Genes: []string{gene}})
	out, err := c.Call(context.Background(), src, subj)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Genes) != 1 {
		t.Fatalf("%d genes", len(out.Genes))
	}
	return out.Genes[0]
}

func locus(db *alleles.DB, gene string, pos int64) genome.Locus {
	return genome.Locus{Chrom: db.Gene(gene).Chrom, Pos: pos}
}

// summary is the part of a call the table tests compare.
type summary struct {
	Called     bool
	Diplotypes []string
	Phenotype  string
	Activity   string
	Phased     bool
	Uncertain  bool
	Missing    int
	Novel      []string
}

func summarize(c pharmacogenomics.GeneCall) summary {
	s := summary{Called: c.Called, Diplotypes: c.Diplotypes, Phenotype: c.Phenotype, Phased: c.Phased,
		Uncertain: c.Uncertain, Missing: len(c.MissingPositions), Novel: c.Novel}
	if c.ActivityScore != nil {
		s.Activity = strconv.FormatFloat(*c.ActivityScore, 'f', -1, 64)
	}
	return s
}

func TestCalls(t *testing.T) {
	db := testDB(t)
	const c19 = "CYP2C19"
	tests := []struct {
		name string
		gene string
		subj Subject
		edit func(src memSource)
		want summary
		note string // a note the call must carry
	}{
		{
			name: "all reference", gene: c19, edit: func(memSource) {},
			want: summary{Called: true, Diplotypes: []string{"*38/*38"}, Phenotype: "Normal Metabolizer", Phased: true},
		},
		{
			name: "*1/*2 unphased", gene: c19,
			edit: func(src memSource) {
				// *1: rs3758581 (94842866) G; *2: rs4244285 A, rs12769205 G, rs3758581 G.
				src[locus(db, c19, 94842866)] = []genome.Genotype{rec(db, c19, 94842866, "A", []string{"G"}, []int{1, 1}, false)}
				src[locus(db, c19, 94781859)] = []genome.Genotype{rec(db, c19, 94781859, "G", []string{"A"}, []int{0, 1}, false)}
				src[locus(db, c19, 94775367)] = []genome.Genotype{rec(db, c19, 94775367, "A", []string{"G"}, []int{0, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"*1/*2"}, Phenotype: "Intermediate Metabolizer"},
		},
		{
			name: "gVCF reference block is reference", gene: c19,
			edit: func(src memSource) {
				l := locus(db, c19, 94781859)
				src[l] = []genome.Genotype{{Chrom: l.Chrom, Pos: l.Pos - 10, End: l.Pos + 100, Ref: "T", Alts: []string{"<NON_REF>"}, Alleles: []int{0, 0}, State: genome.HomRef, GQ: 60, DP: 30}}
			},
			want: summary{Called: true, Diplotypes: []string{"*38/*38"}, Phenotype: "Normal Metabolizer", Phased: true},
		},
		{
			name: "phased record inside a reference span keeps its phase", gene: c19,
			edit: func(src memSource) {
				l := locus(db, c19, 94781859)
				span := rec(db, c19, l.Pos-2, "TTG", []string{"T"}, []int{0, 0}, false)
				for _, r := range []genome.Genotype{
					rec(db, c19, 94842866, "A", []string{"G"}, []int{1, 1}, true),
					rec(db, c19, 94781859, "G", []string{"A"}, []int{1, 0}, true),
					rec(db, c19, 94775367, "A", []string{"G"}, []int{1, 0}, true),
					rec(db, c19, 94761900, "C", []string{"T"}, []int{0, 1}, true),
				} {
					src[genome.Locus{Chrom: r.Chrom, Pos: r.Pos}] = []genome.Genotype{r}
				}
				src[l] = append([]genome.Genotype{span}, src[l]...)
			},
			want: summary{Called: true, Diplotypes: []string{"*2/*17"}, Phenotype: "Intermediate Metabolizer", Phased: true},
		},
		{
			name: "no-call is missing, not reference", gene: c19,
			edit: func(src memSource) {
				l := locus(db, c19, 94781859)
				src[l] = []genome.Genotype{rec(db, c19, l.Pos, "G", []string{"A"}, []int{genome.Missing, genome.Missing}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"*38/*38"}, Phenotype: "Normal Metabolizer", Phased: true, Uncertain: true, Missing: 1},
			note: "1 no call",
		},
		{
			name: "not covered is missing", gene: c19,
			edit: func(src memSource) { delete(src, locus(db, c19, 94781859)) },
			want: summary{Called: true, Diplotypes: []string{"*38/*38"}, Phenotype: "Normal Metabolizer", Phased: true, Uncertain: true, Missing: 1},
			note: "called without some of their defining positions: *2",
		},
		{
			name: "nothing covered", gene: c19,
			edit: func(src memSource) {
				for k := range src {
					delete(src, k)
				}
			},
			want: summary{Missing: 35},
			note: "not called: no data",
		},
		{
			name: "novel allele", gene: c19,
			edit: func(src memSource) {
				l := locus(db, c19, 94781859)
				src[l] = []genome.Genotype{rec(db, c19, l.Pos, "G", []string{"C"}, []int{0, 1}, false)}
			},
			want: summary{Uncertain: true, Phased: true, Novel: []string{"chr10:94781859 G>C"}},
			note: "not called: an observed allele is in no definition",
		},
		{
			name: "partly missing genotype", gene: c19,
			edit: func(src memSource) {
				l := locus(db, c19, 94781859)
				src[l] = []genome.Genotype{rec(db, c19, l.Pos, "G", []string{"A"}, []int{genome.Missing, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"*38/*38"}, Phenotype: "Normal Metabolizer", Phased: true, Uncertain: true, Missing: 1},
			note: "partly missing",
		},
		{
			name: "reference mismatch", gene: c19,
			edit: func(src memSource) {
				l := locus(db, c19, 94781859)
				src[l] = []genome.Genotype{rec(db, c19, l.Pos, "T", []string{"A"}, []int{0, 0}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"*38/*38"}, Phenotype: "Normal Metabolizer", Phased: true, Uncertain: true, Missing: 1},
			note: "does not match the definition's G",
		},
		{
			name: "multi-allelic one record", gene: "CYP2C9",
			edit: func(src memSource) {
				src[locus(db, "CYP2C9", 94942309)] = []genome.Genotype{rec(db, "CYP2C9", 94942309, "G", []string{"A", "T"}, []int{1, 2}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"*8/*27"}, Phenotype: "Indeterminate", Phased: true},
		},
		{
			name: "multi-allelic split records", gene: "CYP2C9",
			edit: func(src memSource) {
				src[locus(db, "CYP2C9", 94942309)] = []genome.Genotype{
					rec(db, "CYP2C9", 94942309, "G", []string{"A"}, []int{0, 1}, false),
					rec(db, "CYP2C9", 94942309, "G", []string{"T"}, []int{0, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"*8/*27"}, Phenotype: "Indeterminate", Phased: true},
		},
		{
			name: "CYP2C9 *1/*3", gene: "CYP2C9",
			edit: func(src memSource) {
				src[locus(db, "CYP2C9", 94981296)] = []genome.Genotype{rec(db, "CYP2C9", 94981296, "A", []string{"C"}, []int{0, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"*1/*3"}, Phenotype: "Intermediate Metabolizer", Activity: "1", Phased: true},
		},
		{
			name: "UGT1A1 *28 as the definitions spell it", gene: "UGT1A1",
			edit: func(src memSource) {
				src[locus(db, "UGT1A1", 233760233)] = []genome.Genotype{rec(db, "UGT1A1", 233760233, "CAT", []string{"CATAT"}, []int{0, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"*1/*28"}, Phenotype: "Intermediate Metabolizer", Phased: true},
		},
		{
			name: "UGT1A1 *28 as a minimal insertion", gene: "UGT1A1",
			edit: func(src memSource) {
				src[locus(db, "UGT1A1", 233760233)] = []genome.Genotype{rec(db, "UGT1A1", 233760233, "C", []string{"CAT"}, []int{1, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"*28/*28"}, Phenotype: "Poor Metabolizer", Phased: true},
		},
		{
			name: "phased in one phase set", gene: c19,
			edit: func(src memSource) {
				// *2 on one chromosome, *17 (rs12248560 T) on the other.
				for _, r := range []genome.Genotype{
					rec(db, c19, 94842866, "A", []string{"G"}, []int{1, 1}, true),
					rec(db, c19, 94781859, "G", []string{"A"}, []int{1, 0}, true),
					rec(db, c19, 94775367, "A", []string{"G"}, []int{1, 0}, true),
					rec(db, c19, 94761900, "C", []string{"T"}, []int{0, 1}, true),
				} {
					r.PS = 100
					src[genome.Locus{Chrom: r.Chrom, Pos: r.Pos}] = []genome.Genotype{r}
				}
			},
			want: summary{Called: true, Diplotypes: []string{"*2/*17"}, Phenotype: "Intermediate Metabolizer", Phased: true},
		},
		{
			name: "phased with *2 variants on different chromosomes", gene: c19,
			edit: func(src memSource) {
				for _, r := range []genome.Genotype{
					rec(db, c19, 94842866, "A", []string{"G"}, []int{1, 1}, true),
					rec(db, c19, 94781859, "G", []string{"A"}, []int{1, 0}, true),
					rec(db, c19, 94775367, "A", []string{"G"}, []int{0, 1}, true),
				} {
					src[genome.Locus{Chrom: r.Chrom, Pos: r.Pos}] = []genome.Genotype{r}
				}
			},
			want: summary{Uncertain: true, Phased: true},
			note: "not called: no pair of defined alleles explains",
		},
		{
			name: "G6PD male hemizygous Mediterranean", gene: "G6PD", subj: Subject{Sex: Male},
			edit: func(src memSource) {
				src[locus(db, "G6PD", 154534419)] = []genome.Genotype{rec(db, "G6PD", 154534419, "G", []string{"A"}, []int{1, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"Mediterranean, Dallas, Panama, Sassari, Cagliari, Birmingham"}, Phenotype: "Deficient", Phased: true},
		},
		{
			name: "G6PD female heterozygous Mediterranean", gene: "G6PD", subj: Subject{Sex: Female},
			edit: func(src memSource) {
				src[locus(db, "G6PD", 154534419)] = []genome.Genotype{rec(db, "G6PD", 154534419, "G", []string{"A"}, []int{0, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"B (reference)/Mediterranean, Dallas, Panama, Sassari, Cagliari, Birmingham"}, Phenotype: "Variable", Phased: true},
		},
		{
			name: "G6PD heterozygous in a male", gene: "G6PD", subj: Subject{Sex: Male},
			edit: func(src memSource) {
				src[locus(db, "G6PD", 154534419)] = []genome.Genotype{rec(db, "G6PD", 154534419, "G", []string{"A"}, []int{0, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{}, Phenotype: "Indeterminate", Uncertain: true, Missing: 1},
			note: "measure G6PD enzyme activity",
		},
		{
			name: "MT-RNR1 m.1555A>G homoplasmic", gene: "MT-RNR1",
			edit: func(src memSource) {
				src[locus(db, "MT-RNR1", 1555)] = []genome.Genotype{rec(db, "MT-RNR1", 1555, "A", []string{"G"}, []int{1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"m.1555A>G"}, Phenotype: "increased risk of aminoglycoside-induced hearing loss", Phased: true},
			note: "not tested, cannot be called from SNVs: m.960C>del",
		},
		{
			name: "MT-RNR1 heteroplasmy is not read as either allele", gene: "MT-RNR1",
			edit: func(src memSource) {
				src[locus(db, "MT-RNR1", 1555)] = []genome.Genotype{rec(db, "MT-RNR1", 1555, "A", []string{"G"}, []int{0, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{}, Phenotype: "Indeterminate", Uncertain: true, Missing: 1},
			note: "indeterminate: heteroplasmic call at chrM:1555",
		},
		{
			name: "MT-RNR1 heteroplasmy by allele fraction", gene: "MT-RNR1",
			edit: func(src memSource) {
				g := rec(db, "MT-RNR1", 1555, "A", []string{"G"}, []int{1}, false)
				g.AD = []int32{60, 40}
				src[locus(db, "MT-RNR1", 1555)] = []genome.Genotype{g}
			},
			want: summary{Called: true, Diplotypes: []string{}, Phenotype: "Indeterminate", Uncertain: true, Missing: 1},
			note: "non-reference allele fraction 0.40",
		},
		{
			name: "MT-RNR1 homoplasmic by allele fraction", gene: "MT-RNR1",
			edit: func(src memSource) {
				g := rec(db, "MT-RNR1", 1555, "A", []string{"G"}, []int{1}, false)
				g.AD = []int32{1, 99}
				src[locus(db, "MT-RNR1", 1555)] = []genome.Genotype{g}
			},
			want: summary{Called: true, Diplotypes: []string{"m.1555A>G"}, Phenotype: "increased risk of aminoglycoside-induced hearing loss", Phased: true},
			note: "not tested, cannot be called from SNVs: m.960C>del",
		},
		{
			name: "RYR1 reference is never normal", gene: "RYR1", edit: func(memSource) {},
			want: summary{Called: true, Diplotypes: []string{"Reference/Reference"}, Phenotype: "Uncertain Susceptibility", Phased: true},
		},
		{
			name: "DPYD unphased three variants", gene: "DPYD",
			edit: func(src memSource) {
				src[locus(db, "DPYD", 97883329)] = []genome.Genotype{rec(db, "DPYD", 97883329, "A", []string{"G"}, []int{0, 1}, false)}
				src[locus(db, "DPYD", 97450058)] = []genome.Genotype{rec(db, "DPYD", 97450058, "C", []string{"T"}, []int{0, 1}, false)}
				src[locus(db, "DPYD", 97082391)] = []genome.Genotype{rec(db, "DPYD", 97082391, "T", []string{"A"}, []int{0, 1}, false)}
			},
			want: summary{Called: true, Diplotypes: []string{"c.1905+1G>A (*2A)/c.2846A>T"}, Phenotype: "Poor Metabolizer", Activity: "0.5"},
			note: "presumed to be on different chromosomes",
		},
		{
			name: "DPYD phased two on one chromosome", gene: "DPYD",
			edit: func(src memSource) {
				src[locus(db, "DPYD", 97883329)] = []genome.Genotype{rec(db, "DPYD", 97883329, "A", []string{"G"}, []int{0, 1}, true)}
				src[locus(db, "DPYD", 97450058)] = []genome.Genotype{rec(db, "DPYD", 97450058, "C", []string{"T"}, []int{0, 1}, true)}
			},
			want: summary{Called: true, Diplotypes: []string{"Reference/[c.85T>C (*9A) + c.1905+1G>A (*2A)]"}, Phenotype: "Intermediate Metabolizer", Activity: "1", Phased: true},
		},
		{
			name: "SLCO1B1 from rs4149056 when no diplotype fits", gene: "SLCO1B1",
			edit: func(src memSource) {
				// *2 and *5 variants phased on the same chromosome: no allele has both.
				src[locus(db, "SLCO1B1", 21172782)] = []genome.Genotype{rec(db, "SLCO1B1", 21172782, "T", []string{"C"}, []int{1, 0}, true)}
				src[locus(db, "SLCO1B1", 21178615)] = []genome.Genotype{rec(db, "SLCO1B1", 21178615, "T", []string{"C"}, []int{1, 0}, true)}
			},
			want: summary{Called: true, Phenotype: "Decreased Function", Phased: true, Uncertain: true},
			note: "phenotype from rs4149056 (c.521T>C) alone: 1 C allele",
		},
		{
			name: "GP below threshold", gene: "CYP2C9",
			edit: func(src memSource) {
				r := rec(db, "CYP2C9", 94981296, "A", []string{"C"}, []int{0, 1}, false)
				r.GP = []float32{0.25, 0.7, 0.05}
				src[locus(db, "CYP2C9", 94981296)] = []genome.Genotype{r}
			},
			want: summary{Called: true, Diplotypes: []string{"*1/*3"}, Phenotype: "Intermediate Metabolizer", Activity: "1", Phased: true, Uncertain: true},
			note: "confidence 0.700 is below 0.9",
		},
		{
			name: "GP without GT", gene: "CYP2C9",
			edit: func(src memSource) {
				r := rec(db, "CYP2C9", 94981296, "A", []string{"C"}, nil, false)
				r.State = genome.NoCall
				r.GP = []float32{0.01, 0.02, 0.97}
				src[locus(db, "CYP2C9", 94981296)] = []genome.Genotype{r}
			},
			want: summary{Called: true, Diplotypes: []string{"*3/*3"}, Phenotype: "Poor Metabolizer", Activity: "0", Phased: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := refSource(db, tc.gene)
			tc.edit(src)
			call := callOne(t, src, tc.gene, tc.subj)
			if diff := cmp.Diff(tc.want, summarize(call), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("call (-want +got):\n%s\nnotes: %q", diff, call.Notes)
			}
			if tc.note != "" && !strings.Contains(strings.Join(call.Notes, "\n"), tc.note) {
				t.Errorf("notes %q lack %q", call.Notes, tc.note)
			}
		})
	}
}
