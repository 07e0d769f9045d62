package calling

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// pcGT is one genotype of a PharmCAT test VCF: the rsid and the VCF GT,
// "0/1" unphased, "0|1" phased, "0|1|7" phased in phase set (FORMAT/PS) 7.
type pcGT struct{ rsid, gt string }

// pharmcatSource builds the VCF of a PharmCAT test: every position of the
// gene homozygous reference except those given.
func pharmcatSource(t *testing.T, db *alleles.DB, gene string, gts []pcGT) memSource {
	t.Helper()
	src := refSource(db, gene)
	g := db.Gene(gene)
	for _, x := range gts {
		i := slices.IndexFunc(g.Positions, func(p alleles.Position) bool { return p.RSID == x.rsid })
		if i < 0 {
			t.Fatalf("%s has no %s", gene, x.rsid)
		}
		p := g.Positions[i]
		f := strings.Split(x.gt, "|")
		phased := len(f) > 1
		if !phased {
			f = strings.Split(x.gt, "/")
		}
		var al []int
		for _, a := range f[:2] {
			n, err := strconv.Atoi(a)
			if err != nil {
				t.Fatalf("%s: GT %q", x.rsid, x.gt)
			}
			al = append(al, n)
		}
		r := rec(db, gene, p.Pos, p.Ref, p.Alts, al, phased)
		if len(f) == 3 {
			r.PS, _ = strconv.ParseInt(f[2], 10, 64)
		}
		src[locus(db, gene, p.Pos)] = []genome.Genotype{r}
	}
	return src
}

// lookupOf is the diplotype a DPYD call was looked up by: the one named in
// the lowest-function note, else the called diplotype itself.
func lookupOf(call pharmacogenomics.GeneCall) string {
	for _, n := range call.Notes {
		if s, ok := strings.CutPrefix(n, lookupNotePrefix); ok {
			return strings.SplitN(s, "; ", 2)[0]
		}
	}
	if len(call.Diplotypes) == 1 {
		return call.Diplotypes[0]
	}
	return ""
}

// listedOf is the variant list of an unphased DPYD call's note.
func listedOf(call pharmacogenomics.GeneCall) string {
	for _, n := range call.Notes {
		if _, s, ok := strings.Cut(n, "variants found: "); ok {
			return strings.SplitN(s, "; ", 2)[0]
		}
	}
	return ""
}

// TestPharmCATDpyd replays PharmCAT 3's DpydTest (src/test/java/org/
// pharmgkb/pharmcat/DpydTest.java, the version with the HapB3 intronic
// allele, phase-set and hapB3AndIntronic tests): the same VCF must give
// the diplotypes PharmCAT lists ("possible diplotypes" when phase sets of
// unknown relative phase leave several), the variant list it prints for
// unphased data, and the diplotype it looks the recommendation up by
// (the lowest-function alleles; for several possible diplotypes the one
// of lowest activity), with that diplotype's phenotype and score.
func TestPharmCATDpyd(t *testing.T) {
	db := testDB(t)
	const (
		hapB3    = "c.1129-5923C>G, c.1236G>A (HapB3)"
		intronic = "c.1129-5923C>G"
	)
	tests := []struct {
		name   string
		gts    []pcGT
		want   []string // diplotypes as PharmCAT lists them
		listed string   // unphased: PharmCAT's list of variants found
		lookup string   // PharmCAT's recommendation (lookup) diplotype
		pheno  string
		score  string
	}{
		{"testDpydUnphasedMultiple1", []pcGT{{"rs183385770", "0/1"}, {"rs186169810", "0/1"}, {"rs112766203", "0/1"}, {"rs144395748", "0/1"}},
			[]string{"c.1024G>A/c.1314T>G"}, "c.1024G>A, c.1314T>G, c.1358C>G, c.2279C>T", "c.1024G>A/c.1314T>G", "Poor Metabolizer", "0.5"},
		// c.1314T>G and c.2846A>T tie at 0.5: PharmCAT 3 takes
		// c.1314T>G by name order (PharmCAT 2's test took c.2846A>T,
		// which its separate DPWG table listed and c.1314T>G not).
		{"testDpydUnphasedMultiple2", []pcGT{{"rs183385770", "0/1"}, {"rs186169810", "0/1"}, {"rs67376798", "0/1"}, {"rs144395748", "0/1"}},
			[]string{"c.1024G>A/c.1314T>G"}, "c.1024G>A, c.1314T>G, c.1358C>G, c.2846A>T", "c.1024G>A/c.1314T>G", "Poor Metabolizer", "0.5"},
		{"testDpydUnphased", []pcGT{{"rs3918290", "0/1"}, {"rs1801159", "0/1"}},
			[]string{"c.1627A>G (*5)/c.1905+1G>A (*2A)"}, "c.1627A>G (*5), c.1905+1G>A (*2A)", "c.1627A>G (*5)/c.1905+1G>A (*2A)", "Intermediate Metabolizer", "1"},
		{"testDpydUnphasedMultiTrans", []pcGT{{"rs67376798", "0/1"}, {"rs72547601", "0/1"}, {"rs60139309", "0/1"}, {"rs139834141", "0/1"}},
			[]string{"c.2846A>T/c.2933A>G"}, "c.498G>A, c.2582A>G, c.2846A>T, c.2933A>G", "c.2846A>T/c.2933A>G", "Poor Metabolizer", "0.5"},
		{"testDpydUnphasedMultiTrans_infer_homo", []pcGT{{"rs67376798", "0/1"}, {"rs72547601", "1/1"}, {"rs60139309", "0/1"}, {"rs139834141", "0/1"}},
			[]string{"c.2933A>G/c.2933A>G"}, "c.498G>A, c.2582A>G, c.2846A>T, c.2933A>G (homozygous)", "c.2933A>G/c.2933A>G", "Poor Metabolizer", "0"},
		{"testDpydHomNoFunctionUnphased", []pcGT{{"rs72547601", "1/1"}, {"rs67376798", "0/1"}, {"rs60139309", "0/1"}},
			[]string{"c.2933A>G/c.2933A>G"}, "c.2582A>G, c.2846A>T, c.2933A>G (homozygous)", "c.2933A>G/c.2933A>G", "Poor Metabolizer", "0"},
		{"testDpydPhasedMultiTrans", []pcGT{{"rs67376798", "1|0"}, {"rs72547601", "1|0"}, {"rs60139309", "0|1"}, {"rs139834141", "0|1"}},
			[]string{"[c.498G>A + c.2582A>G]/[c.2846A>T + c.2933A>G]"}, "", "c.498G>A/c.2933A>G", "Intermediate Metabolizer", "1"},
		{"testDpydHomNoFunctionPhased", []pcGT{{"rs72549310", "1|1"}, {"rs150385342", "0|1"}},
			[]string{"c.61C>T/[c.61C>T + c.313G>A]"}, "", "c.61C>T/c.61C>T", "Poor Metabolizer", "0"},
		{"issue155_strandMismatch", []pcGT{{"rs1801158", "1|0"}, {"rs56038477", "0|1"}, {"rs75017182", "0|1"}, {"rs2297595", "1|0"}, {"rs1801265", "1|1"}},
			[]string{"[c.85T>C (*9A) + " + hapB3 + "]/[c.85T>C (*9A) + c.496A>G + c.1601G>A (*4)]"}, "", "c.85T>C (*9A)/" + hapB3, "Intermediate Metabolizer", "1.5"},
		{"issue156", []pcGT{{"rs1801160", "1|0"}, {"rs1801159", "1|0"}, {"rs56038477", "1|0"}, {"rs75017182", "1|0"}},
			[]string{"Reference/[" + hapB3 + " + c.1627A>G (*5) + c.2194G>A (*6)]"}, "", "Reference/" + hapB3, "Intermediate Metabolizer", "1.5"},
		{"hapB3AndIntronicC", []pcGT{{"rs56038477", "0|1"}, {"rs75017182", "1|1"}},
			[]string{intronic + "/" + hapB3}, "", intronic + "/" + hapB3, "Intermediate Metabolizer", "1"},
		{"hapB3AndIntronicD", []pcGT{{"rs56038477", "1|0"}, {"rs75017182", "1|1"}},
			[]string{intronic + "/" + hapB3}, "", intronic + "/" + hapB3, "Intermediate Metabolizer", "1"},
		{"hapB3AndIntronicA", []pcGT{{"rs56038477", "1|0"}, {"rs75017182", "1|1"}, {"rs3918290", "1|0"}},
			[]string{intronic + "/[" + hapB3 + " + c.1905+1G>A (*2A)]"}, "", intronic + "/c.1905+1G>A (*2A)", "Poor Metabolizer", "0.5"},
		{"hapB3AndIntronicB", []pcGT{{"rs56038477", "0|1"}, {"rs75017182", "1|1"}, {"rs3918290", "0|1"}},
			[]string{intronic + "/[" + hapB3 + " + c.1905+1G>A (*2A)]"}, "", intronic + "/c.1905+1G>A (*2A)", "Poor Metabolizer", "0.5"},
		// The same genotypes unphased, PharmCAT 2's
		// testDpydHapB3_hom_wobble_het, which expected HapB3/HapB3: it
		// predates the intronic allele c.1129-5923C>G (PA166325141, in
		// the embedded definitions). With one heterozygous site the data
		// are effectively phased and PharmCAT 3 calls each chromosome
		// (DpydHapB3Matcher.handlePhasedCall): intronic with exonic is
		// HapB3, intronic alone is c.1129-5923C>G.
		{"testDpydHapB3_hom_wobble_het (PharmCAT 3 rule)", []pcGT{{"rs56038477", "0/1"}, {"rs75017182", "1/1"}},
			[]string{intronic + "/" + hapB3}, "", intronic + "/" + hapB3, "Intermediate Metabolizer", "1"},
		{"issue209_strandMismatch", []pcGT{{"rs1801159", "1|0|97513581"}, {"rs56038477", "0|1|97571276"}, {"rs75017182", "0|1|97571276"}, {"rs1801265", "1|0|97879893"}},
			[]string{
				"Reference/[c.85T>C (*9A) + " + hapB3 + " + c.1627A>G (*5)]",
				"c.85T>C (*9A)/[" + hapB3 + " + c.1627A>G (*5)]",
				hapB3 + "/[c.85T>C (*9A) + c.1627A>G (*5)]",
				"c.1627A>G (*5)/[c.85T>C (*9A) + " + hapB3 + "]",
			}, "", "Reference/" + hapB3, "Intermediate Metabolizer", "1.5"},
		{"phaseSet_lowFunctionsOnSameStrand", []pcGT{{"rs1801159", "1|0|97513581"}, {"rs56038477", "0|1|97571276"}, {"rs75017182", "0|1|97571276"}, {"rs72549310", "0|1|97571276"}},
			[]string{
				"Reference/[c.61C>T + " + hapB3 + " + c.1627A>G (*5)]",
				"c.1627A>G (*5)/[c.61C>T + " + hapB3 + "]",
			}, "", "Reference/c.61C>T", "Intermediate Metabolizer", "1"},
		{"psMissToRef", []pcGT{{"rs140114515", "0|1|1"}, {"rs1801268", "0|1|1"}, {"rs67376798", "0|1|1"}, {"rs1801265", "0|1|2"}},
			[]string{
				"Reference/[c.85T>C (*9A) + c.2846A>T + c.2983G>T (*10) + c.3049G>A]",
				"c.85T>C (*9A)/[c.2846A>T + c.2983G>T (*10) + c.3049G>A]",
			}, "", "Reference/c.2983G>T (*10)", "Intermediate Metabolizer", "1"},
		{"psHapB", []pcGT{{"rs1801267", "0|1|1"}, {"rs55886062", "0|1|1"}, {"rs56038477", "0|1|1"}, {"rs75017182", "0|1|2"}},
			[]string{
				"Reference/[" + hapB3 + " + c.1679T>G (*13) + c.2657G>A (*9B)]",
				intronic + "/[c.1679T>G (*13) + c.2657G>A (*9B)]",
			}, "", intronic + "/c.1679T>G (*13)", "Poor Metabolizer", "0.5"},
		{"psDpwg", []pcGT{{"rs1801267", "0|1|1"}, {"rs59086055", "0|1|2"}, {"rs55886062", "0|1|2"}},
			[]string{
				"Reference/[c.1679T>G (*13) + c.1774C>T + c.2657G>A (*9B)]",
				"c.2657G>A (*9B)/[c.1679T>G (*13) + c.1774C>T]",
			}, "", "Reference/c.1679T>G (*13)", "Intermediate Metabolizer", "1"},
		{"psDpwgFlip", []pcGT{{"rs1801267", "0|1|1"}, {"rs59086055", "0|1|2"}, {"rs55886062", "1|0|2"}},
			[]string{
				"c.1679T>G (*13)/[c.1774C>T + c.2657G>A (*9B)]",
				"c.1774C>T/[c.1679T>G (*13) + c.2657G>A (*9B)]",
			}, "", "c.1679T>G (*13)/c.1774C>T", "Poor Metabolizer", "0"},
		{"psDpwgNoRec", []pcGT{{"rs1801267", "0|1|1"}, {"rs59086055", "0|1|2"}},
			[]string{
				"Reference/[c.1774C>T + c.2657G>A (*9B)]",
				"c.1774C>T/c.2657G>A (*9B)",
			}, "", "Reference/c.1774C>T", "Intermediate Metabolizer", "1"},
		{"psTest3Sets", []pcGT{{"rs67376798", "0|1|1"}, {"rs55886062", "0|1|2"}, {"rs72549307", "0|1|3"}, {"rs1801265", "0|1|3"}},
			[]string{
				"Reference/[c.85T>C (*9A) + c.632A>G + c.1679T>G (*13) + c.2846A>T]",
				"c.1679T>G (*13)/[c.85T>C (*9A) + c.632A>G + c.2846A>T]",
				"c.2846A>T/[c.85T>C (*9A) + c.632A>G + c.1679T>G (*13)]",
				"[c.85T>C (*9A) + c.632A>G]/[c.1679T>G (*13) + c.2846A>T]",
			}, "", "c.632A>G/c.1679T>G (*13)", "Poor Metabolizer", "0"},
	}
	// Readings that differ in phenotype (each an Alternative); none where
	// every possible diplotype has the same activity.
	readings := map[string]int{"psHapB": 2, "psTest3Sets": 3}
	c := testCaller(t, Config{Genes: []string{"DPYD"}})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.Call(context.Background(), pharmcatSource(t, db, "DPYD", tc.gts), Subject{})
			if err != nil {
				t.Fatal(err)
			}
			call := out.Genes[0]
			score := ""
			if call.ActivityScore != nil {
				score = strconv.FormatFloat(*call.ActivityScore, 'f', -1, 64)
			}
			got := []string{strings.Join(call.Diplotypes, "\n"), listedOf(call), lookupOf(call), call.Phenotype, score}
			want := []string{strings.Join(tc.want, "\n"), tc.listed, tc.lookup, tc.pheno, tc.score}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-PharmCAT +varamu):\n%s\nnotes: %q", diff, call.Notes)
			}
			checkReadings(t, tc.want, tc.pheno, call)
			if len(call.Alternatives) != readings[tc.name] {
				t.Errorf("%d alternatives, want %d: %+v", len(call.Alternatives), readings[tc.name], call.Alternatives)
			}
		})
	}
}

// checkReadings checks a call with several possible diplotypes: uncertain;
// when the readings differ in phenotype, each is an Alternative and the
// lowest, the one reported, is marked assumed.
func checkReadings(t *testing.T, want []string, pheno string, call pharmacogenomics.GeneCall) {
	t.Helper()
	if len(want) < 2 {
		return
	}
	if !call.Uncertain {
		t.Error("several possible diplotypes: want uncertain")
	}
	if len(call.Alternatives) == 0 {
		return
	}
	i := slices.IndexFunc(call.Alternatives, func(a pharmacogenomics.Alternative) bool { return a.Assumed })
	if i < 0 || call.Alternatives[i].Phenotype != pheno {
		t.Errorf("alternatives %+v: want the %s reading assumed", call.Alternatives, pheno)
	}
}
