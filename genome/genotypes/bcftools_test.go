package genotypes

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/genome"
)

// needTool skips when a peer tool is absent; .ci/run installs them, so in CI
// these side-by-side tests always run.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed; .ci/run must install it", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

func bcfQuery(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("bcftools", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bcftools %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// TestViewEqualsBcftools compares `varamu view -r -s` on the store with
// `bcftools view -r -s` on the indexed source, record by record and
// genotype by genotype, for several regions and sample sets, with the
// samples spread over two batches.
func TestViewEqualsBcftools(t *testing.T) {
	needTool(t, "bcftools")
	ctx := context.Background()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "synth.vcf.gz")
	cfg := synthvcf.Config{Samples: 60, Variants: 40000, Seed: 7, Chromosomes: []string{"chr10", "chr22", "chrX"}, MultiAllelicFraction: 0.05}
	if err := synthvcf.GenerateFile(ctx, src, cfg); err != nil {
		t.Fatal(err)
	}
	// Split the samples into two batch files, as a biobank receives them.
	all := strings.Fields(bcfQuery(t, "query", "-l", src))
	b1, b2 := filepath.Join(tmp, "b1.vcf.gz"), filepath.Join(tmp, "b2.vcf.gz")
	bcfQuery(t, "view", "-I", "-s", strings.Join(all[:35], ","), "-Oz", "-o", b1, src)
	bcfQuery(t, "view", "-I", "-s", strings.Join(all[35:], ","), "-Oz", "-o", b2, src)
	dir := filepath.Join(tmp, "store")
	if _, err := Ingest(ctx, dir, []string{b1, b2}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	format := "%CHROM\t%POS\t%ID\t%REF\t%ALT\t%QUAL\t%FILTER\t%INFO[\t%GT]\n"
	cases := []struct{ region, samples string }{
		{"chr10", ""},
		{"chr10:20000000-60000000", strings.Join([]string{all[3], all[40], all[0], all[59]}, ",")},
		{"chr22:1-30000000", strings.Join(all[30:40], ",")},
		{"chrX", strings.Join([]string{all[1], all[2], all[50]}, ",")},
		{"chr22:25000000-", all[5]},
	}
	for _, c := range cases {
		t.Run(c.region+"/"+c.samples, func(t *testing.T) {
			args := []string{"view", "-r", c.region}
			var names []string
			if c.samples != "" {
				args = append(args, "-s", c.samples)
				names = strings.Split(c.samples, ",")
			}
			peer := filepath.Join(t.TempDir(), "peer.vcf")
			bcfQuery(t, append(append(args, "-o", peer), src)...)
			var buf bytes.Buffer
			chrom, start, end, _ := genome.ParseRegion(c.region)
			if err := s.WriteVCF(ctx, allPermit(t, s), &buf, chrom, start, end, names, ViewConfig{}); err != nil {
				t.Fatal(err)
			}
			mine := filepath.Join(t.TempDir(), "mine.vcf")
			os.WriteFile(mine, buf.Bytes(), 0o644)
			want := bcfQuery(t, "query", "-H", "-f", format, peer)
			got := bcfQuery(t, "query", "-H", "-f", format, mine)
			if want != got {
				wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
				for i := range min(len(wl), len(gl)) {
					if wl[i] != gl[i] {
						t.Fatalf("line %d differs (bcftools %d lines, varamu %d):\nbcftools: %.300s\nvaramu:   %.300s", i, len(wl), len(gl), wl[i], gl[i])
					}
				}
				t.Fatalf("bcftools %d lines, varamu %d", len(wl), len(gl))
			}
			if strings.Count(want, "\n") < 2 {
				t.Fatalf("region %s has too few records to compare", c.region)
			}
		})
	}
}
