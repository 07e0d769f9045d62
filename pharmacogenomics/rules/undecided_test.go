package rules_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// site sets one position's genotype: alleles as VCF indices ("0/1" is
// {0, 1}), phased with phase set ps when ps != 0; nil alleles drop the
// position (not genotyped).
type site struct {
	chrom   string
	pos     int64
	alleles []int
	ps      int64
	ad      []int32
}

// sample builds genotypes at every locus the caller reads: reference
// (haploid on chrM, and on chrX when male) except where sites say
// otherwise.
func sample(t *testing.T, c *calling.Caller, male bool, sites ...site) [][]genome.Genotype {
	t.Helper()
	loadBoth(t)
	ref := map[genome.Locus]alleles.Position{}
	for _, g := range bothDB.Genes {
		for _, p := range slices.Concat(g.Positions, g.Extra) {
			ref[genome.Locus{Chrom: g.Chrom, Pos: p.Pos}] = p
		}
	}
	out := make([][]genome.Genotype, len(c.Loci()))
	for i, l := range c.Loci() {
		p := ref[l]
		gt := genome.Genotype{Chrom: l.Chrom, Pos: l.Pos, End: l.Pos + int64(len(p.Ref)) - 1, ID: p.RSID, Ref: p.Ref, Alts: p.Alts, GQ: -1, DP: -1}
		switch {
		case l.Chrom == "chrM" || (l.Chrom == "chrX" && male):
			gt.Alleles = []int{0}
		default:
			gt.Alleles = []int{0, 0}
		}
		dropped := false
		for _, s := range sites {
			if s.chrom == l.Chrom && s.pos == l.Pos {
				dropped = s.alleles == nil
				gt.Alleles, gt.PS, gt.Phased, gt.AD = s.alleles, s.ps, s.ps != 0, s.ad
			}
		}
		if dropped {
			gt = genome.Genotype{Chrom: l.Chrom, Pos: l.Pos, State: genome.NotCovered}
		} else {
			gt.State = genome.StateOf(gt.Alleles)
		}
		out[i] = []genome.Genotype{gt}
	}
	return out
}

func callSample(t *testing.T, c *calling.Caller, sex calling.Sex, gts [][]genome.Genotype) pharmacogenomics.SampleCalls {
	t.Helper()
	s, err := c.CallGenotypes(calling.Subject{Sample: "S", Sex: sex}, gts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func geneOf(s pharmacogenomics.SampleCalls, gene string) pharmacogenomics.GeneCall {
	for _, g := range s.Genes {
		if g.Gene == gene {
			return g
		}
	}
	return pharmacogenomics.GeneCall{}
}

// The key positions of the issue (GRCh38).
var (
	dpyd2A     = site{chrom: "chr1", pos: 97450058}  // c.1905+1G>A, *2A, rs3918290
	dpyd13     = site{chrom: "chr1", pos: 97515787}  // c.1679T>G, *13, rs55886062
	dpyd2846   = site{chrom: "chr1", pos: 97082391}  // c.2846A>T, rs67376798
	dpydHapB3i = site{chrom: "chr1", pos: 97579893}  // HapB3 intronic c.1129-5923C>G, rs75017182
	dpydHapB3e = site{chrom: "chr1", pos: 97573863}  // HapB3 exonic c.1236G>A, rs56038477
	tpmt3B     = site{chrom: "chr6", pos: 18138997}  // c.460G>A (*3A, *3B), rs1800460
	tpmt3C     = site{chrom: "chr6", pos: 18130687}  // c.719A>G (*3A, *3C), rs1142345
	nudt15_3   = site{chrom: "chr13", pos: 48045719} // *3, rs116855232
	cyp2c19_2  = site{chrom: "chr10", pos: 94781859} // *2, rs4244285
	cyp2c19_3  = site{chrom: "chr10", pos: 94780653} // *3, rs4986893
	cyp2c19_2b = site{chrom: "chr10", pos: 94775367} // *2 (with rs4244285), rs12769205
	// rs3758581 G: the GRCh38 reference carries the rare A (*38); people
	// with *1 carry G.
	cyp2c19_1 = site{chrom: "chr10", pos: 94842866, alleles: []int{1, 1}}
)

func with(s site, alleles ...int) site { s.alleles = alleles; return s }

// TestUntestedKeyPositions: each missing key position × its drugs. With
// every other position reference, no drug may get usual dosing; the answer
// says what was not tested and to test it before treatment.
func TestUntestedKeyPositions(t *testing.T) {
	c, e := loadBoth(t)
	tests := []struct {
		name, gene string
		drop       []site
		untested   string // an entry of GeneCall.Untested must start with it
		drugs      []string
	}{
		{"DPYD *2A", "DPYD", []site{dpyd2A}, "c.1905+1G>A (*2A) at chr1:97450058 (rs3918290)", []string{"fluorouracil", "capecitabine"}},
		{"DPYD *13", "DPYD", []site{dpyd13}, "c.1679T>G (*13) at chr1:97515787", []string{"fluorouracil", "capecitabine"}},
		{"DPYD c.2846A>T", "DPYD", []site{dpyd2846}, "c.2846A>T at chr1:97082391", []string{"fluorouracil", "capecitabine"}},
		{"DPYD HapB3", "DPYD", []site{dpydHapB3i, dpydHapB3e}, "c.1129-5923C>G, c.1236G>A (HapB3) at chr1:97573863", []string{"fluorouracil", "capecitabine"}},
		{"TPMT *3C (with *3A ruled out by c.460)", "TPMT", []site{tpmt3C}, "*3C at chr6:18130687", []string{"azathioprine", "mercaptopurine", "thioguanine"}},
		{"TPMT *3A/*3B/*3C", "TPMT", []site{tpmt3C, tpmt3B}, "*3A at chr6:18130687 (rs1142345), chr6:18138997", []string{"azathioprine", "mercaptopurine", "thioguanine"}},
		{"TPMT *3B", "TPMT", []site{tpmt3B}, "*3B at chr6:18138997", []string{"azathioprine", "mercaptopurine", "thioguanine"}},
		{"NUDT15 *3", "NUDT15", []site{nudt15_3}, "*3 at chr13:48045719", []string{"azathioprine", "mercaptopurine", "thioguanine"}},
		{"CYP2C19 *2", "CYP2C19", []site{cyp2c19_1, cyp2c19_2, cyp2c19_2b}, "*2 at chr10:94775367 (rs12769205), chr10:94781859", []string{"clopidogrel", "citalopram", "voriconazole"}},
		{"CYP2C19 *3", "CYP2C19", []site{cyp2c19_1, cyp2c19_3}, "*3 at chr10:94780653", []string{"clopidogrel", "citalopram", "voriconazole"}},
	}
	for _, tt := range tests {
		s := callSample(t, c, calling.Female, sample(t, c, false, tt.drop...))
		g := geneOf(s, tt.gene)
		if !slices.ContainsFunc(g.Untested, func(u string) bool { return strings.HasPrefix(u, tt.untested) }) {
			t.Errorf("%s: untested %q, want an entry starting %q", tt.name, g.Untested, tt.untested)
		}
		for _, d := range tt.drugs {
			t.Run(tt.name+"/"+d, func(t *testing.T) {
				recs := recommend(t, e, s, d)
				sawUnknown := false
				for _, r := range recs {
					uses := slices.ContainsFunc(r.Genes, func(g rules.GeneResult) bool { return g.Gene == tt.gene })
					if uses && (r.Action == rules.ActionStandard || r.Action == rules.ActionNoRecommendation) {
						t.Errorf("%s with %s untested: %s (%s)", d, tt.name, r.Action, r.Text)
					}
					if r.Action == rules.ActionNoGenotype {
						sawUnknown = true
						for _, want := range []string{tt.gene + " is incomplete: not tested: ", tt.untested, "before treatment"} {
							if !strings.Contains(r.Text, want) {
								t.Errorf("%s: text %q does not say %q", d, r.Text, want)
							}
						}
					}
				}
				if !sawUnknown {
					t.Errorf("%s: no unknown answer: %v", d, answers(recs))
				}
			})
		}
	}
}

// TestUntestedKeepsActions: a decreased-function finding is still acted on
// when another key position is missing, with the caveat.
func TestUntestedKeepsActions(t *testing.T) {
	c, e := loadBoth(t)
	s := callSample(t, c, calling.Female, sample(t, c, false, with(dpyd2A, 0, 1), dpyd2846))
	recs := recommend(t, e, s, "fluorouracil")
	if got := answers(recs); !slices.Contains(got, "CPIC reduce-dose") || slices.Contains(got, "CPIC standard") {
		t.Fatalf("answers %v, want CPIC reduce-dose", got)
	}
	if !mentions(recs, "c.2846A>T at chr1:97082391") {
		t.Errorf("no caveat names the untested c.2846A>T: %+v", recs)
	}
}

// TestUntestedRuledOut: a missing position does not leave an allele open
// when another of its defining positions shows it absent (TPMT *3A needs
// c.719A>G, which is reference), and a complete call has nothing untested.
func TestUntestedRuledOut(t *testing.T) {
	c, e := loadBoth(t)
	s := callSample(t, c, calling.Female, sample(t, c, false, tpmt3B))
	g := geneOf(s, "TPMT")
	if slices.ContainsFunc(g.Untested, func(u string) bool { return strings.HasPrefix(u, "*3A ") }) {
		t.Errorf("*3A listed untested although c.719 is reference: %q", g.Untested)
	}
	full := callSample(t, c, calling.Female, sample(t, c, false, cyp2c19_1))
	for _, gene := range []string{"DPYD", "TPMT", "NUDT15", "CYP2C19"} {
		if u := geneOf(full, gene).Untested; len(u) > 0 {
			t.Errorf("%s complete but untested %q", gene, u)
		}
	}
	if diff := cmp.Diff([]string{"CPIC standard", "DPWG no-recommendation"}, answers(recommend(t, e, full, "capecitabine"))); diff != "" {
		t.Errorf("complete DPYD reference: (-want +got)\n%s", diff)
	}
}

// TestIndeterminateNeverNormal: MT-RNR1 heteroplasmy (0/1 on chrM, or an
// allele fraction) and a heterozygous G6PD call in a male are
// indeterminate: every drug of the gene gets an unknown that says to
// confirm (G6PD: measure enzyme activity), never "normal" or usual dosing.
func TestIndeterminateNeverNormal(t *testing.T) {
	c, e := loadBoth(t)
	mt1555 := site{chrom: "chrM", pos: 1555}
	g6pd := site{chrom: "chrX", pos: 154534419} // rs5030868, Mediterranean
	tests := []struct {
		name, gene string
		male       bool
		sex        calling.Sex
		s          site
		say        string
		drugs      []string
	}{
		{"MT-RNR1 0/1", "MT-RNR1", false, calling.Female, with(mt1555, 0, 1), "confirm the variant and its heteroplasmy level",
			[]string{"amikacin", "gentamicin", "tobramycin", "streptomycin"}},
		{"MT-RNR1 allele fraction 0.3", "MT-RNR1", false, calling.Female, site{chrom: "chrM", pos: 1555, alleles: []int{0}, ad: []int32{70, 30}},
			"non-reference allele fraction 0.30", []string{"amikacin", "gentamicin", "tobramycin"}},
		{"G6PD heterozygous male", "G6PD", true, calling.Male, with(g6pd, 0, 1), "measure G6PD enzyme activity",
			[]string{"rasburicase", "primaquine", "dapsone", "nitrofurantoin", "tafenoquine"}},
	}
	for _, tt := range tests {
		s := callSample(t, c, tt.sex, sample(t, c, tt.male, tt.s))
		g := geneOf(s, tt.gene)
		if g.Phenotype != "Indeterminate" || !g.Uncertain {
			t.Fatalf("%s: phenotype %q uncertain %v, want Indeterminate and uncertain", tt.name, g.Phenotype, g.Uncertain)
		}
		for _, d := range tt.drugs {
			t.Run(tt.name+"/"+d, func(t *testing.T) {
				recs := recommend(t, e, s, d)
				for _, r := range recs {
					if r.Action == rules.ActionStandard || r.Action == rules.ActionNoRecommendation {
						t.Errorf("%s: %s (%s)", d, r.Action, r.Text)
					}
					for _, gr := range r.Genes {
						if strings.Contains(strings.ToLower(gr.Phenotype), "normal") {
							t.Errorf("%s: %s shown as %q", d, gr.Gene, gr.Phenotype)
						}
					}
				}
				for _, a := range answers(recs) {
					if !strings.HasSuffix(a, " "+rules.ActionNoGenotype) && !strings.HasSuffix(a, " "+rules.ActionTest) {
						t.Errorf("%s: answer %s, want unknown or a test", d, a)
					}
				}
				if len(recs) == 0 || !mentions(recs, tt.say) {
					t.Errorf("%s: no recommendation says %q: %+v", d, tt.say, recs)
				}
			})
		}
	}
}

// TestUnphasedAlternatives: unphased heterozygous variants that can sit on
// the chromosomes two ways are stated with each reading's phenotype; when
// the phenotypes differ the call is uncertain and each recommendation says
// which reading it assumed, or is unknown.
func TestUnphasedAlternatives(t *testing.T) {
	c, e := loadBoth(t)
	ugt80 := site{chrom: "chr2", pos: 233759924}
	ugt28 := site{chrom: "chr2", pos: 233760233} // TA repeat: index 2 is TA7 (*28)
	slco388 := site{chrom: "chr12", pos: 21176804}
	slco521 := site{chrom: "chr12", pos: 21178615}
	tests := []struct {
		name, gene string
		sites      []site
		reported   string
		note       string // the unphased note must contain it
		alts       []string
		drug       string
		want       []string
		say        string
	}{
		{"TPMT *1/*3A or *3B/*3C", "TPMT", []site{with(tpmt3B, 0, 1), with(tpmt3C, 0, 1)}, "*1/*3A",
			"the variants also fit *3B/*3C (Poor Metabolizer); *1/*3A (Intermediate Metabolizer) is reported",
			[]string{"*1/*3A Intermediate Metabolizer assumed", "*3B/*3C Poor Metabolizer"},
			"mercaptopurine", []string{"CPIC reduce-dose", "DPWG reduce-dose"},
			"this assumes TPMT *1/*3A → Intermediate Metabolizer; the other readings give: TPMT *3B/*3C → Poor Metabolizer → reduce-dose"},
		{"UGT1A1 *28 and *80 heterozygous", "UGT1A1", []site{with(ugt80, 0, 1), with(ugt28, 0, 2)}, "*1/*80+*28",
			"the variants also fit *28/*80 (Indeterminate)",
			[]string{"*1/*80+*28 Intermediate Metabolizer assumed", "*28/*80 Indeterminate"},
			"atazanavir", []string{"CPIC no-genotype-recommendation", "DPWG no-genotype-recommendation"},
			"UGT1A1 *1/*80+*28 → Intermediate Metabolizer → standard; UGT1A1 *28/*80 → Indeterminate → unknown"},
		{"SLCO1B1 *1/*15 or *5/*37", "SLCO1B1", []site{with(slco388, 0, 1), with(slco521, 0, 1)}, "*1/*15",
			"the variants also fit *5/*37 (Decreased Function); *1/*15 (Decreased Function) is reported",
			nil, "simvastatin", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := callSample(t, c, calling.Female, sample(t, c, false, append([]site{cyp2c19_1}, tt.sites...)...))
			g := geneOf(s, tt.gene)
			if diff := cmp.Diff([]string{tt.reported}, g.Diplotypes); diff != "" {
				t.Errorf("reported (-want +got):\n%s", diff)
			}
			if !slices.ContainsFunc(g.Notes, func(n string) bool { return strings.Contains(n, tt.note) }) {
				t.Errorf("notes %q, want one saying %q", g.Notes, tt.note)
			}
			var alts []string
			for _, a := range g.Alternatives {
				s := strings.Join(a.Diplotypes, ",") + " " + a.Phenotype
				if a.Assumed {
					s += " assumed"
				}
				alts = append(alts, s)
			}
			if diff := cmp.Diff(tt.alts, alts); diff != "" {
				t.Errorf("alternatives (-want +got):\n%s", diff)
			}
			if g.Uncertain != (len(tt.alts) > 1) {
				t.Errorf("uncertain %v with alternatives %q", g.Uncertain, alts)
			}
			if tt.drug == "" || tt.want == nil {
				return
			}
			recs := recommend(t, e, s, tt.drug)
			if diff := cmp.Diff(tt.want, answers(recs)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.drug, diff)
			}
			if !mentions(recs, tt.say) {
				t.Errorf("%s: nothing says %q: %+v", tt.drug, tt.say, recs)
			}
			for _, r := range recs {
				if r.Action == rules.ActionStandard {
					t.Errorf("%s: usual dosing from an uncertain call: %s", tt.drug, r.Text)
				}
			}
		})
	}
}

// TestNoUsualDoseFromIncompleteGenes: for every drug of the rule file, a
// sample with every other pharmacogene position not genotyped never gets
// usual dosing (or "no recommendation") from a gene whose reduced-function
// alleles were not all tested.
func TestNoUsualDoseFromIncompleteGenes(t *testing.T) {
	c, e := loadBoth(t)
	gts := sample(t, c, false, cyp2c19_1)
	for i := range gts {
		if i%2 == 1 {
			l := c.Loci()[i]
			gts[i] = []genome.Genotype{{Chrom: l.Chrom, Pos: l.Pos, State: genome.NotCovered}}
		}
	}
	s := callSample(t, c, calling.Female, gts)
	incomplete := map[string]bool{}
	for _, g := range s.Genes {
		incomplete[g.Gene] = len(g.Untested) > 0
	}
	recs, err := e.Recommend(context.Background(), s, rules.Patient{})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, r := range recs {
		for _, g := range r.Genes {
			if !incomplete[g.Gene] {
				continue
			}
			checked++
			if r.Action == rules.ActionStandard || r.Action == rules.ActionNoRecommendation {
				t.Errorf("%s: %s from incomplete %s (%s)", r.Drug, r.Action, g.Gene, r.Text)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d recommendations used an incomplete gene: the test does not test", checked)
	}
}

// TestDPYDPhaseSetReadings: DPYD variants phased in two phase sets of
// unknown relative phase (PharmCAT's DpydTest.psHapB) read as AS 1.0 or,
// with HapB3's intronic variant beside *13, AS 0.5. The lowest is assumed,
// as PharmCAT and CPIC do; the recommendation is that reading's action,
// naming the other, never usual dosing.
func TestDPYDPhaseSetReadings(t *testing.T) {
	c, e := loadBoth(t)
	dpyd9B := site{chrom: "chr1", pos: 97098598} // c.2657G>A (*9B), rs1801267
	s := callSample(t, c, calling.Female, sample(t, c, false, cyp2c19_1,
		site{chrom: dpyd9B.chrom, pos: dpyd9B.pos, alleles: []int{0, 1}, ps: 1},
		site{chrom: dpyd13.chrom, pos: dpyd13.pos, alleles: []int{0, 1}, ps: 1},
		site{chrom: dpydHapB3e.chrom, pos: dpydHapB3e.pos, alleles: []int{0, 1}, ps: 1},
		site{chrom: dpydHapB3i.chrom, pos: dpydHapB3i.pos, alleles: []int{0, 1}, ps: 2}))
	g := geneOf(s, "DPYD")
	if g.Phenotype != "Poor Metabolizer" || g.ActivityScore == nil || *g.ActivityScore != 0.5 || !g.Uncertain || len(g.Alternatives) != 2 {
		t.Fatalf("DPYD call %+v: want the AS 0.5 reading assumed beside the AS 1.0 one", g)
	}
	for _, drug := range []string{"fluorouracil", "capecitabine"} {
		recs := recommend(t, e, s, drug)
		if diff := cmp.Diff([]string{"CPIC avoid", "DPWG test"}, answers(recs)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", drug, diff)
		}
		for _, r := range recs {
			if r.Action == rules.ActionStandard {
				t.Errorf("%s: usual dosing from an uncertain DPYD call: %s", drug, r.Text)
			}
		}
		if !mentions(recs, "Intermediate Metabolizer") {
			t.Errorf("%s: the AS 1.0 reading is not named: %+v", drug, recs)
		}
	}
}
