package risk

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/risk/pgs"
)

func TestMatchAlleles(t *testing.T) {
	tests := []struct {
		name, effect, other, ref string
		alts                     []string
		want                     siteMatch
	}{
		{"direct", "G", "A", "A", []string{"G"}, siteMatch{1, Direct}},
		{"swapped", "A", "G", "A", []string{"G"}, siteMatch{0, Swapped}},
		{"flipped", "C", "T", "A", []string{"G"}, siteMatch{1, Flipped}},
		{"flipped and swapped", "T", "C", "A", []string{"G"}, siteMatch{0, FlippedSwapped}},
		{"multi-allelic second ALT", "T", "C", "C", []string{"A", "T"}, siteMatch{2, Direct}},
		{"multi-allelic REF effect", "A", "T", "A", []string{"C", "T"}, siteMatch{0, AmbiguousDropped}},
		{"no other allele, ALT", "G", "", "A", []string{"G"}, siteMatch{1, Direct}},
		{"no other allele, no flip", "C", "", "A", []string{"G"}, siteMatch{-1, AlleleMismatch}},
		{"ambiguous A/T", "A", "T", "T", []string{"A"}, siteMatch{1, AmbiguousDropped}},
		{"ambiguous C/G swapped", "C", "G", "C", []string{"G"}, siteMatch{0, AmbiguousDropped}},
		{"mismatch", "G", "A", "C", []string{"A", "CA"}, siteMatch{-1, AlleleMismatch}},
		{"indel", "AT", "A", "A", []string{"AT"}, siteMatch{1, Direct}},
		{"indel flipped", "AT", "T", "A", []string{"AT"}, siteMatch{1, Flipped}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchAlleles(tt.effect, tt.other, tt.ref, tt.alts); got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestResolveAmbiguous(t *testing.T) {
	tests := []struct {
		file, cohort float64
		keep, flip   bool
	}{
		{math.NaN(), 0.2, false, false},
		{0.2, 0.25, true, false},
		{0.2, 0.8, true, true},
		{0.45, 0.2, false, false},
		{0.2, 0.55, false, false},
		{0.9, 0.1, true, true},
	}
	for _, tt := range tests {
		keep, flip, why := resolveAmbiguous(tt.file, tt.cohort)
		if keep != tt.keep || flip != tt.flip || (keep == (why != "")) {
			t.Errorf("resolve(%v, %v) = %v %v %q", tt.file, tt.cohort, keep, flip, why)
		}
	}
}

func TestPercentile(t *testing.T) {
	s := []float64{1, 2, 2, 3}
	for _, tt := range []struct{ x, want float64 }{{0, 0}, {1, 12.5}, {2, 50}, {3, 87.5}, {4, 100}} {
		if got := Percentile(s, tt.x); got != tt.want {
			t.Errorf("Percentile(%v) = %v, want %v", tt.x, got, tt.want)
		}
	}
}

// smallScore writes a scoring file text for tests.
func smallScore(t *testing.T, dir, name, text string) *pgs.Score {
	t.Helper()
	return readScore(t, writeFile(t, dir, name, text))
}

func TestBuildAndOverlapErrors(t *testing.T) {
	dir := t.TempDir()
	samples := sampleNames(20)
	sites := []testSite{{pos: 100, ref: "A", alts: []string{"G"}, gts: repeat("0/1", 20)}}
	_, gs := cohortStore(t, writeCohortVCF(t, dir, "c.vcf", samples, sites, nil))
	cols := "chr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
	tests := []struct {
		name, text string
		build      genome.Build
		err        error
		msg        string
	}{
		{"other build", "#genome_build=GRCh38\n" + cols + "22\t100\tG\tA\t1\n", "", ErrBuildMismatch, "the scoring file is GRCh38, the store is GRCh37"},
		{"no build", "#genome_build=NR\n" + cols + "22\t100\tG\tA\t1\n", "", ErrNoBuild, "give the build it uses"},
		{"build flag disagrees", "#genome_build=GRCh37\n" + cols + "22\t100\tG\tA\t1\n", genome.GRCh38, ErrBuildMismatch, "--build says GRCh38"},
		{"empty intersection", "#genome_build=GRCh37\n" + cols + "22\t200\tG\tA\t1\n22\t100\tC\tA\t1\n", "", ErrNoOverlap,
			"0 of 2 variants matched: 1 positions without a record, 1 with other alleles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := smallScore(t, dir, "s.txt", tt.text)
			_, err := Score(context.Background(), gs, stewardPermit(t, gs), []*pgs.Score{s}, Config{Build: tt.build})
			if !errors.Is(err, tt.err) || !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), "s.txt") {
				t.Errorf("error %v, want %v containing %q and the file name", err, tt.err, tt.msg)
			}
		})
	}
	// A missing build is accepted with Config.Build.
	s := smallScore(t, dir, "nr.txt", "#genome_build=NR\n"+cols+"22\t100\tG\tA\t1\n")
	res, err := Score(context.Background(), gs, stewardPermit(t, gs), []*pgs.Score{s}, Config{Build: genome.GRCh37})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Samples[0].Sum != 1 || res[0].Build != genome.GRCh37 {
		t.Errorf("got %+v", res[0].Samples[0])
	}
}

func TestAmbiguousResolvedByFrequency(t *testing.T) {
	dir := t.TempDir()
	n := 200
	samples := sampleNames(n)
	// A/T site where T (the ALT) is rare: 10% carriers.
	gts := repeat("0/0", n)
	for i := 0; i < n; i += 10 {
		gts[i] = "0/1"
	}
	sites := []testSite{
		{pos: 100, ref: "A", alts: []string{"T"}, gts: gts},
		{pos: 200, ref: "C", alts: []string{"G"}, gts: gts},
		{pos: 300, ref: "G", alts: []string{"A"}, gts: gts},
	}
	_, gs := cohortStore(t, writeCohortVCF(t, dir, "c.vcf", samples, sites, nil))
	// Line 1: the file's effect allele T is common (0.95): the strand is
	// reversed, the effect allele is the store's A. Line 2: C/G, frequency
	// 0.5: dropped. Line 3: plain SNP.
	s := smallScore(t, dir, "s.txt", "#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tallelefrequency_effect\n"+
		"22\t100\tT\tA\t1\t0.95\n22\t200\tG\tC\t1\t0.5\n22\t300\tA\tG\t1\t\n")
	res, err := Score(context.Background(), gs, stewardPermit(t, gs), []*pgs.Score{s}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if m0, m1 := r.Match(0), r.Match(1); m0.Orient != AmbiguousResolved || m0.Alt != "A" || m1.Orient != AmbiguousDropped || r.Report.Matched != 2 {
		t.Fatalf("matches %+v %+v report %+v", m0, m1, r.Report)
	}
	// Sample 1 is 0/1 at both used sites: A dosage 1 + A dosage 1.
	if got := r.Samples[0].Sum; got != 2 {
		t.Errorf("S001 sum %v, want 2", got)
	}
	if got := r.Samples[1].Sum; got != 2 { // 0/0: A dosage 2, A(alt) dosage 0
		t.Errorf("S002 sum %v, want 2", got)
	}
}

func TestAbstention(t *testing.T) {
	dir := t.TempDir()
	n := 120
	samples := sampleNames(n)
	var sites []testSite
	for k := range 10 {
		gts := make([]string, n)
		for i := range gts {
			gts[i] = []string{"0/0", "0/1", "1/1"}[(i+k)%3]
		}
		if k < 2 {
			gts[0] = "./." // S001 misses 2 of 10: 20%
		}
		sites = append(sites, testSite{pos: int64(100 + k), ref: "A", alts: []string{"G"}, gts: gts})
	}
	_, gs := cohortStore(t, writeCohortVCF(t, dir, "c.vcf", samples, sites, nil))
	var b strings.Builder
	b.WriteString("#pgs_id=T1\n#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n")
	for k := range 10 {
		b.WriteString("22\t" + itoa(100+k) + "\tG\tA\t" + itoa(k+1) + "\n")
	}
	full := smallScore(t, dir, "full.txt", b.String())
	half := smallScore(t, dir, "half.txt", b.String()+"22\t500\tG\tA\t1\n22\t501\tG\tA\t1\n22\t502\tG\tA\t1\n22\t503\tG\tA\t1\n")
	res, err := Score(context.Background(), gs, stewardPermit(t, gs), []*pgs.Score{full, half}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	s0, s1 := res[0].Samples[0], res[0].Samples[1]
	if !strings.Contains(s0.Abstain, "2 of the 10 matched variants") || !math.IsNaN(s0.Percentile) {
		t.Errorf("S001: abstain %q percentile %v", s0.Abstain, s0.Percentile)
	}
	if s1.Abstain != "" || math.IsNaN(s1.Percentile) || math.IsNaN(s1.Z) {
		t.Errorf("S002: %+v", s1)
	}
	if r := res[1]; !strings.Contains(r.Abstain, "only 10 of the score's 14 variants (71.4%)") || r.Samples[1].Abstain != r.Abstain {
		t.Errorf("half score abstain %q", r.Abstain)
	}
	small, err := Score(context.Background(), gs, stewardPermit(t, gs), []*pgs.Score{full}, Config{Reference: samples[:50]})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(small[0].Abstain, "reference cohort has 50 people") {
		t.Errorf("small reference: %q", small[0].Abstain)
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func itoa(i int) string { return fmtInt(i) }
