package risk

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/varamu/varamu/internal/testref"
	"github.com/varamu/varamu/risk/pgs"
)

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testref.Missing(t, name+" not installed (.ci/run installs it)")
	}
	return p
}

// Offsets let a test read plink2's sums to far more than the 6 significant
// digits plink2 2.00a3.5 prints (it has no precision option): the VCF given
// to plink2 carries offsetBits extra variants plus a bias variant, whose
// genotypes encode each sample's own score q (as round((q+offsetBias) ×
// 2^offsetScale) in binary) with negative weights, so that plink2 prints
// the residual SUM − q; q + residual is plink2's sum to within 2^-30 plus 6
// digits of the residual.
const (
	offsetBits  = 40
	offsetScale = 30
	offsetBias  = 256.0
	offsetBase  = 51000000 // positions of the offset variants on chr22
)

// offsetLines returns the offset VCF lines for per-sample values q and
// the plink2 score rows (ID, allele, weight) that subtract them. set is
// the genotype of a set bit: one that the run's mode reads as dosage 1.
func offsetLines(q []float64, set string) (lines []string, rows []string, quantized []float64) {
	n := make([]uint64, len(q))
	quantized = make([]float64, len(q))
	for i, x := range q {
		n[i] = uint64(math.Round((x + offsetBias) * (1 << offsetScale)))
		quantized[i] = float64(n[i])/(1<<offsetScale) - offsetBias
	}
	for k := range offsetBits {
		gts := make([]string, len(q))
		for i := range q {
			gts[i] = "0/0"
			if n[i]>>k&1 == 1 {
				gts[i] = set
			}
		}
		id := fmt.Sprintf("off%d", k)
		lines = append(lines, fmt.Sprintf("22\t%d\t%s\tA\tC\t.\tPASS\t.\tGT\t%s", offsetBase+k, id, strings.Join(gts, "\t")))
		rows = append(rows, fmt.Sprintf("%s\tC\t%.17g", id, -math.Ldexp(1, k-offsetScale)))
	}
	all := make([]string, len(q))
	for i := range all {
		all[i] = set
	}
	lines = append(lines, fmt.Sprintf("22\t%d\tbias\tA\tC\t.\tPASS\t.\tGT\t%s", offsetBase+offsetBits, strings.Join(all, "\t")))
	rows = append(rows, fmt.Sprintf("bias\tC\t%.17g", offsetBias))
	return lines, rows, quantized
}

// plink2Sums runs plink2 --score on a VCF with a scoring file of rows (ID,
// allele, weight) and returns SCORE1_SUM by sample.
func plink2Sums(t *testing.T, plink2, dir, vcf string, rows []string, mode string, modifiers ...string) map[string]float64 {
	t.Helper()
	sf := filepath.Join(dir, "plink2-"+mode+".txt")
	if err := os.WriteFile(sf, []byte("ID\tA1\tW\n"+strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out-"+mode)
	args := []string{"--vcf", vcf, "--vcf-half-call", "missing", "--score", sf, "1", "2", "3", "header"}
	if mode != "additive" {
		args = append(args, mode)
	}
	args = append(args, modifiers...)
	args = append(args, "cols=+scoresums", "--threads", "1", "--silent", "--out", out)
	cmd := exec.Command(plink2, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		log, _ := os.ReadFile(out + ".log")
		t.Fatalf("plink2 %s: %v\n%s\n%s", strings.Join(args, " "), err, stderr.String(), log)
	}
	b, err := os.ReadFile(out + ".sscore")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	head := strings.Split(lines[0], "\t")
	col := -1
	for i, h := range head {
		if h == "SCORE1_SUM" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("plink2 output has no SCORE1_SUM: %s", lines[0])
	}
	got := map[string]float64{}
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		v, err := strconv.ParseFloat(f[col], 64)
		if err != nil {
			t.Fatalf("plink2 output: %v", err)
		}
		got[f[0]] = v
	}
	return got
}

// splitByMode splits a score into its additive, dominant and recessive
// parts (pgsc_calc scores these with one plink2 run each).
func splitByMode(s *pgs.Score) map[string]*pgs.Score {
	out := map[string]*pgs.Score{}
	for _, v := range s.Variants.All() {
		mode := "additive"
		switch {
		case v.Dominant:
			mode = "dominant"
		case v.Recessive:
			mode = "recessive"
		}
		p := out[mode]
		if p == nil {
			p = &pgs.Score{Header: s.Header, Path: s.Path + "#" + mode, SHA256: s.SHA256}
			p.Header.ID = s.ID() + "-" + mode
			out[mode] = p
		}
		p.Variants.Append(v)
	}
	return out
}

// TestEqualsPlink2 scores a generated cohort (direct, swapped, strand-flipped
// and multi-allelic records, missing genotypes and half-calls, positions
// absent from the store) with PGS001229 (chr22) and with its dominant and
// recessive variant, and requires plink2 --score, given the matched
// variants, to agree within a relative difference of 1e-6 per sample, with
// plink2's default mean imputation and with no-mean-imputation semantics
// checked through the match counts.
func TestEqualsPlink2(t *testing.T) {
	plink2 := needTool(t, "plink2")
	main := readScore(t, reference(t, "PGS001229_22.txt"))
	readScore(t, reference(t, "scorefile_dominant_and_recessive.txt")) // read in TestDominantRecessiveFile
	domrec := withModes(main)
	dir := t.TempDir()
	samples := sampleNames(150)
	var mainVariants []pgs.Variant
	for _, v := range main.Variants.All() {
		mainVariants = append(mainVariants, v)
	}
	sites := makeSites(mainVariants, len(samples), 1)
	vcf := writeCohortVCF(t, dir, "cohort.vcf", samples, sites, nil)
	_, gs := cohortStore(t, vcf)

	scores := []*pgs.Score{main}
	parts := splitByMode(domrec)
	modes := []string{"additive", "dominant", "recessive"}
	for _, m := range modes {
		scores = append(scores, parts[m])
	}
	scores = append(scores, domrec)
	res, err := Score(context.Background(), gs, stewardPermit(t, gs), scores, Config{})
	if err != nil {
		t.Fatal(err)
	}
	rep := res[0].Report
	if rep.Swapped == 0 || rep.Flipped == 0 || rep.MultiAllelic == 0 || rep.NoSite == 0 || rep.AlleleMismatch == 0 || rep.MissingGenotypes == 0 || rep.AmbiguousDropped == 0 {
		t.Fatalf("test cohort does not cover every case: %+v", rep)
	}
	check := func(name string, r *ScoreResult, mode string, modifiers ...string) {
		var rows []string
		for _, m := range r.Matches() {
			if m.Orient.Used() {
				rows = append(rows, fmt.Sprintf("%s\t%s\t%.17g", siteID(sites, m.Variant.Pos), m.Alt, m.Variant.Weight))
			}
		}
		q := make([]float64, len(samples))
		for i, s := range r.Samples {
			q[i] = s.Sum
		}
		set := "0/1"
		if mode == "recessive" {
			set = "1/1"
		}
		lines, offRows, quant := offsetLines(q, set)
		pv := writeCohortVCF(t, dir, "plink2-"+mode+".vcf", samples, sites, lines)
		got := plink2Sums(t, plink2, dir, pv, append(rows, offRows...), mode, modifiers...)
		worst := 0.0
		for i, s := range r.Samples {
			resid, ok := got[s.Sample]
			if !ok {
				t.Fatalf("%s: plink2 has no sample %s", name, s.Sample)
			}
			p := quant[i] + resid
			rel := math.Abs(p-s.Sum) / math.Max(math.Abs(s.Sum), 1e-12)
			worst = max(worst, rel)
			if rel >= 1e-6 {
				t.Errorf("%s %s: varamu %.10g, plink2 %.10g (relative difference %.2g)", name, s.Sample, s.Sum, p, rel)
			}
		}
		t.Logf("%s (%s): %d variants used, worst relative difference %.2g", name, mode, len(rows), worst)
	}
	check("PGS001229", res[0], "additive")
	for i, m := range modes {
		check("dominant/recessive example", res[1+i], m)
	}
	noImp, err := Score(context.Background(), gs, stewardPermit(t, gs), []*pgs.Score{main}, Config{NoMeanImputation: true})
	if err != nil {
		t.Fatal(err)
	}
	check("PGS001229 no-mean-imputation", noImp[0], "additive", "no-mean-imputation")
	// The combined score is the sum of its parts.
	for i, s := range res[4].Samples {
		parts := res[1].Samples[i].Sum + res[2].Samples[i].Sum + res[3].Samples[i].Sum
		if math.Abs(parts-s.Sum) > 1e-9*math.Max(1, math.Abs(s.Sum)) {
			t.Fatalf("%s: combined %v, parts %v", s.Sample, s.Sum, parts)
		}
	}
}

// withModes returns a copy of s with every 5th variant dominant and every
// 7th recessive.
func withModes(s *pgs.Score) *pgs.Score {
	c := *s
	c.Header.ID = s.ID() + "-modes"
	c.Variants = pgs.Table{}
	for j, v := range s.Variants.All() {
		v.Dominant = j%5 == 0
		v.Recessive = j%7 == 0 && j%5 != 0
		c.Variants.Append(v)
	}
	return &c
}

func siteID(sites []testSite, pos int64) string {
	for _, s := range sites {
		if s.pos == pos {
			return s.id()
		}
	}
	return ""
}
