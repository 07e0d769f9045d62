package synthvcf

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestPlink2Freq compares plink2's ALT allele frequencies with those of the
// genotypes written, half-calls ("./1") counted as missing as plink2's
// --vcf-half-call m does.
func TestPlink2Freq(t *testing.T) {
	plink2 := needTool(t, "plink2")
	cfg := Config{Samples: 150, Variants: 1500, Seed: 23, MultiAllelicFraction: 0.1, Chromosomes: []string{"chr1", "chr22"}}
	dir := t.TempDir()
	gz := filepath.Join(dir, "p.vcf.gz")
	if err := GenerateFile(context.Background(), gz, cfg); err != nil {
		t.Fatal(err)
	}
	_, lines := parseVCF(t, generate(t, cfg))
	out := filepath.Join(dir, "p")
	run(t, plink2, "--vcf", gz, "--vcf-half-call", "m", "--freq", "--out", out, "--silent", "--threads", "1")
	data, err := os.ReadFile(out + ".afreq")
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")[1:]
	if len(rows) != len(lines) {
		t.Fatalf("plink2: %d variants, want %d", len(rows), len(lines))
	}
	for i, row := range rows {
		f := strings.Split(row, "\t") // CHROM ID REF ALT ALT_FREQS OBS_CT
		l := lines[i]
		counts := make([]float64, 1+len(l.alts))
		obs := 0.0
		for _, s := range l.samples {
			if strings.Contains(s, ".") {
				continue
			}
			for _, a := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '|' }) {
				k, _ := strconv.Atoi(a)
				counts[k]++
				obs++
			}
		}
		if got, _ := strconv.ParseFloat(f[5], 64); got != obs {
			t.Fatalf("%s:%d: plink2 OBS_CT %v, want %v", l.chrom, l.pos, got, obs)
		}
		freqs := strings.Split(f[4], ",")
		if len(freqs) != len(l.alts) {
			t.Fatalf("%s:%d: plink2 ALT_FREQS %q for %d ALTs", l.chrom, l.pos, f[4], len(l.alts))
		}
		for j, v := range freqs {
			got, err := strconv.ParseFloat(v, 64)
			if want := counts[j+1] / obs; err != nil || math.Abs(got-want) > 1e-5 {
				t.Fatalf("%s:%d ALT %d: plink2 frequency %q, want %v", l.chrom, l.pos, j+1, v, want)
			}
		}
	}
}
