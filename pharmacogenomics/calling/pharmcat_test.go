package calling

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/varamu/varamu/genome"
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
