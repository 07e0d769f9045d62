package calling

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

// TestPharmCATCases replays the CYP2C19 cases of PharmCAT's
// NamedAlleleMatcherCyp2c19Test with the current definitions (where *1
// carries rs3758581 G and *38 is the reference): the same VCF must give the
// same diplotypes, ties included.
func TestPharmCATCases(t *testing.T) {
	db := testDB(t)
	const g = "CYP2C19"
	type gt struct {
		pos     int64
		ref     string
		alt     string
		alleles []int // nil: not covered
	}
	star1 := gt{94842866, "A", "G", []int{1, 1}}
	tests := []struct {
		name string
		gts  []gt
		want []string
	}{
		{"s1s1", []gt{star1}, []string{"*1/*1"}},
		{"s1s2", []gt{star1, {94775367, "A", "G", []int{0, 1}}, {94781859, "G", "A", []int{0, 1}}}, []string{"*1/*2"}},
		{"s2s2", []gt{star1, {94775367, "A", "G", []int{1, 1}}, {94781859, "G", "A", []int{1, 1}}}, []string{"*2/*2"}},
		{"s2s3", []gt{star1, {94775367, "A", "G", []int{0, 1}}, {94781859, "G", "A", []int{0, 1}}, {94780653, "G", "A", []int{0, 1}}}, []string{"*2/*3"}},
		{"s15s28 (shared position homozygous)", []gt{star1, {94762760, "A", "C", []int{1, 1}}, {94842995, "G", "A", []int{0, 1}}}, []string{"*15/*28"}},
		{"s1s17", []gt{star1, {94761900, "C", "T", []int{0, 1}}}, []string{"*1/*17"}},
		{"rs12769205 missing, rs4244285 het", []gt{star1, {94775367, "A", "G", nil}, {94781859, "G", "A", []int{0, 1}}}, []string{"*1/*2"}},
		{"rs12769205 het, rs4244285 missing", []gt{star1, {94775367, "A", "G", []int{0, 1}}, {94781859, "G", "A", nil}}, []string{"*1/*2", "*1/*35"}},
		{"unknown haplotype with *17 (no call)", []gt{star1, {94761900, "C", "T", []int{0, 1}}, {94780653, "G", "A", []int{1, 1}}, {94781859, "G", "A", []int{0, 1}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := refSource(db, g)
			for _, x := range tc.gts {
				l := locus(db, g, x.pos)
				if x.alleles == nil {
					delete(src, l)
					continue
				}
				src[l] = []genome.Genotype{rec(db, g, x.pos, x.ref, []string{x.alt}, x.alleles, false)}
			}
			call := callOne(t, src, g, Subject{})
			got := slices.Clone(call.Diplotypes)
			if len(got) == 0 {
				got = nil
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("diplotypes (-want +got):\n%s\nnotes: %q", diff, call.Notes)
			}
			if len(tc.want) > 1 && !call.Uncertain {
				t.Error("a tie must be uncertain")
			}
		})
	}
}

// TestPharmCATNaming replays cases of PharmCAT's DpydTest and Ryr1Test
// (PharmCAT 3): the same genotypes must give the same diplotype names, in
// PharmCAT's order (a single allele before a combination, HGVS names by
// position, alleles inside a combination in definition order). GT strings
// are VCF genotypes; "|" is phased; a third field is the phase set.
func TestPharmCATNaming(t *testing.T) {
	db := testDB(t)
	type g struct{ rsid, gt string }
	tests := []struct {
		name, gene string
		gts        []g
		want       []string
	}{
		{"DpydTest.testDpydPhased", "DPYD", []g{{"rs3918290", "0|1"}, {"rs1801159", "1|0"}},
			[]string{"c.1627A>G (*5)/c.1905+1G>A (*2A)"}},
		{"DpydTest.testDpydPhasedMultiTrans", "DPYD", []g{{"rs67376798", "1|0"}, {"rs72547601", "1|0"}, {"rs60139309", "0|1"}, {"rs139834141", "0|1"}},
			[]string{"[c.498G>A + c.2582A>G]/[c.2846A>T + c.2933A>G]"}},
		{"DpydTest.testDpydHomNoFunctionEffectivelyPhased", "DPYD", []g{{"rs72549310", "1/1"}, {"rs150385342", "0/1"}},
			[]string{"c.61C>T/[c.61C>T + c.313G>A]"}},
		{"DpydTest.testDpydHomNoFunctionPhased", "DPYD", []g{{"rs72549310", "1|1"}, {"rs150385342", "0|1"}},
			[]string{"c.61C>T/[c.61C>T + c.313G>A]"}},
		{"DpydTest.testDpydC2846het", "DPYD", []g{{"rs67376798", "0|1"}}, []string{"Reference/c.2846A>T"}},
		{"DpydTest.testDpydS12het", "DPYD", []g{{"rs78060119", "0|1"}}, []string{"Reference/c.1156G>T (*12)"}},
		{"DpydTest.testDpydDifferenceOnScore (low)", "DPYD", []g{{"rs67376798", "1|1"}}, []string{"c.2846A>T/c.2846A>T"}},
		{"Ryr1Test.cacna1sRef_ryr1Het", "RYR1", []g{{"rs193922749", "0/1"}}, []string{"Reference/c.152C>A"}},
		{"Ryr1Test.cacna1sMissing_ryr1Het2Hom1Phased", "RYR1", []g{{"rs193922746", "1|1"}, {"rs193922749", "0|1"}, {"rs142474192", "0|1"}},
			[]string{"c.97A>G/[c.97A>G + c.152C>A + c.418G>A]"}},
		{"issue 9: RYR1 homozygous plus heterozygous", "RYR1", []g{{"rs142474192", "1/1"}, {"rs193922746", "0/1"}},
			[]string{"c.418G>A/[c.97A>G + c.418G>A]"}},
		// Unphased DPYD: PharmCAT lists the variants and looks up the two
		// lowest-function ones (DpydAlleleMatcher); varamu's diplotype is
		// that lookup diplotype.
		{"DpydTest.testDpydUnphased", "DPYD", []g{{"rs3918290", "0/1"}, {"rs1801159", "0/1"}},
			[]string{"c.1627A>G (*5)/c.1905+1G>A (*2A)"}},
		{"DpydTest.testDpydUnphasedMultiple1", "DPYD", []g{{"rs183385770", "0/1"}, {"rs186169810", "0/1"}, {"rs112766203", "0/1"}, {"rs144395748", "0/1"}},
			[]string{"c.1024G>A/c.1314T>G"}},
		// More DpydTest cases (phase sets, HapB3, ties, variant lists) in
		// TestPharmCATDpyd.
		{"DpydTest.testDpydUnphasedMultiTrans", "DPYD", []g{{"rs67376798", "0/1"}, {"rs72547601", "0/1"}, {"rs60139309", "0/1"}, {"rs139834141", "0/1"}},
			[]string{"c.2846A>T/c.2933A>G"}},
		{"DpydTest.testDpydHomNoFunctionUnphased", "DPYD", []g{{"rs72547601", "1/1"}, {"rs67376798", "0/1"}, {"rs60139309", "0/1"}},
			[]string{"c.2933A>G/c.2933A>G"}},
		{"DPYD in two phase sets: both orientations", "DPYD",
			[]g{{"rs67376798", "0|1|100"}, {"rs72547601", "0|1|100"}, {"rs60139309", "0|1|200"}, {"rs139834141", "1|0|200"}},
			[]string{"c.498G>A/[c.2582A>G + c.2846A>T + c.2933A>G]", "c.2582A>G/[c.498G>A + c.2846A>T + c.2933A>G]"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := refSource(db, tc.gene)
			gene := db.Gene(tc.gene)
			for _, x := range tc.gts {
				i := slices.IndexFunc(gene.Positions, func(p alleles.Position) bool { return p.RSID == x.rsid })
				if i < 0 {
					t.Fatalf("%s has no %s", tc.gene, x.rsid)
				}
				p := gene.Positions[i]
				f := strings.Split(x.gt, "|")
				phased := len(f) > 1
				if !phased {
					f = strings.Split(x.gt, "/")
				}
				var al []int
				for _, a := range f[:2] {
					n, _ := strconv.Atoi(a)
					al = append(al, n)
				}
				r := rec(db, tc.gene, p.Pos, p.Ref, p.Alts, al, phased)
				if len(f) == 3 {
					r.PS, _ = strconv.ParseInt(f[2], 10, 64)
				}
				src[locus(db, tc.gene, p.Pos)] = []genome.Genotype{r}
			}
			call := callOne(t, src, tc.gene, Subject{})
			if diff := cmp.Diff(tc.want, call.Diplotypes); diff != "" {
				t.Errorf("diplotypes (-PharmCAT +varamu):\n%s\nnotes: %q", diff, call.Notes)
			}
		})
	}
}

func TestCompareHaplotypeNamesOrder(t *testing.T) {
	names := []string{"[c.61C>T + c.313G>A + c.2846A>T]", "[c.61C>T + c.313G>A]", "c.2846A>T", "Reference", "c.1627A>G (*5)", "c.61C>T", "c.1905+1G>A (*2A)", "[c.498G>A + c.2582A>G]"}
	slices.SortFunc(names, phenotype.CompareHaplotypeNames)
	want := []string{"Reference", "c.61C>T", "c.1627A>G (*5)", "c.1905+1G>A (*2A)", "c.2846A>T", "[c.61C>T + c.313G>A]", "[c.498G>A + c.2582A>G]", "[c.61C>T + c.313G>A + c.2846A>T]"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
