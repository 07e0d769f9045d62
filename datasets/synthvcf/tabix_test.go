package synthvcf

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/biogo/hts/bgzf"
	"github.com/google/go-cmp/cmp"
)

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed: .ci/run installs it", name)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Errorf("%s %s wrote to stderr:\n%s", name, strings.Join(args, " "), stderr.String())
	}
	return string(out)
}

// bcftoolsConfig has indels crossing 16 kb tile boundaries, multi-allelic
// sites and every FORMAT field.
var bcftoolsConfig = Config{
	Samples: 60, Variants: 5000, Seed: 99, MultiAllelicFraction: 0.1,
	Format: []string{"GQ", "DP", "DS"},
	Sites: []Site{
		{Chrom: "chr10", Pos: 16380, Ref: "ACGTACGTAC", Alts: []string{"A"}},
		{Chrom: "chr10", Pos: 16384, Ref: "C", Alts: []string{"T"}},
		{Chrom: "chr10", Pos: 16385, Ref: "G", Alts: []string{"T", "GA"}},
		{Chrom: "chr10", Pos: 32760, Ref: "ACGTACGTACGTACGTACGT", Alts: []string{"A"}},
		{Chrom: "chr10", Pos: 94781859, ID: "rs4244285", Ref: "G", Alts: []string{"A"}, AF: []float64{0.15}},
	},
}

// TestBcftools reads the generated BGZF file and its index with bcftools
// and tabix and compares with the plain text.
func TestBcftools(t *testing.T) {
	bcftools := needTool(t, "bcftools")
	dir := t.TempDir()
	gz := filepath.Join(dir, "s.vcf.gz")
	if err := GenerateFile(context.Background(), gz, bcftoolsConfig); err != nil {
		t.Fatal(err)
	}
	_, lines := parseVCF(t, generate(t, bcftoolsConfig))

	// Every record, every GT.
	body := run(t, bcftools, "view", "-H", gz)
	if n := strings.Count(body, "\n"); n != len(lines) {
		t.Errorf("bcftools view -H: %d records, want %d", n, len(lines))
	}
	gts := strings.Split(strings.TrimSuffix(run(t, bcftools, "query", "-f", "[%GT ]\n", gz), "\n"), "\n")
	if len(gts) != len(lines) {
		t.Fatalf("bcftools query: %d lines, want %d", len(gts), len(lines))
	}
	for i, l := range lines {
		var want strings.Builder
		for _, s := range l.samples {
			gt, _, _ := strings.Cut(s, ":")
			want.WriteString(gt + " ")
		}
		if gts[i] != want.String() {
			t.Fatalf("record %d (%s:%d): bcftools GT\n%s\nwant\n%s", i+1, l.chrom, l.pos, gts[i], want.String())
		}
	}
	// INFO AC/AN agree with what bcftools counts from the genotypes.
	filled := run(t, bcftools, "+fill-tags", gz, "--", "-t", "AC,AN")
	_, refilled := parseVCF(t, []byte(filled))
	for i, l := range refilled {
		if l.info != lines[i].info {
			t.Fatalf("%s:%d: bcftools +fill-tags INFO %q, ours %q", l.chrom, l.pos, l.info, lines[i].info)
		}
	}

	// Index statistics: records per contig.
	perContig := map[string]int{}
	for _, l := range lines {
		perContig[l.chrom]++
	}
	var want []string
	g, _ := NewGenerator(bcftoolsConfig)
	for _, c := range g.Header().Contigs {
		if n := perContig[c.Name]; n > 0 {
			want = append(want, fmt.Sprintf("%s\t%d\t%d", c.Name, c.Length, n))
		}
	}
	if diff := cmp.Diff(strings.Join(want, "\n")+"\n", run(t, bcftools, "index", "-s", gz)); diff != "" {
		t.Errorf("bcftools index -s (-want +got):\n%s", diff)
	}

	// Regions: bcftools -r returns exactly the records overlapping the
	// region (POS..POS+len(REF)-1).
	regions := []string{
		"chr10:1-100000", "chr10:16385-16385", "chr10:16389-16389", "chr10:16390-20000",
		"chr10:32770-32780", "chr10:32779", "chr10:94781859", "chr1:1000000-50000000",
		"chr22", "chrX:1-3000000", "chr2:200000000-242193529",
	}
	empty := map[string]bool{"chr10:16390-20000": true} // just past the deletion at 16380
	for _, region := range regions {
		chrom, beg, end, err := parseRegion(region)
		if err != nil {
			t.Fatal(err)
		}
		want := overlapping(lines, chrom, beg, end)
		got := run(t, bcftools, "query", "-f", siteFormat, "-r", region, gz)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("bcftools query -r %s (-want +got):\n%s", region, diff)
		}
		if (want == "") != empty[region] {
			t.Errorf("region %s: %d records, a test region must have records unless meant to be empty", region, strings.Count(want, "\n"))
		}
	}

	if tabix, err := exec.LookPath("tabix"); err == nil {
		if got := run(t, tabix, "-l", gz); got != "chr1\nchr2\nchr10\nchr22\nchrX\n" {
			t.Errorf("tabix -l: %q", got)
		}
		got := run(t, tabix, gz, "chr10:16389-16389")
		if !strings.HasPrefix(got, "chr10\t16380\t") {
			t.Errorf("tabix chr10:16389: the deletion at 16380 crossing the tile boundary is missing:\n%.200s", got)
		}
	}
}

// siteFormat makes bcftools print what overlapping writes for a record.
const siteFormat = "%CHROM\t%POS\t%REF\t%ALT\t%INFO/AC\t[%GT,]\n"

// overlapping formats the records overlapping chrom:beg-end (the record
// spans POS..POS+len(REF)-1) as bcftools query -f siteFormat does.
func overlapping(lines []vcfLine, chrom string, beg, end int64) string {
	var b strings.Builder
	for _, l := range lines {
		if l.chrom != chrom || l.pos > end || l.pos+int64(len(l.ref))-1 < beg {
			continue
		}
		ac, _, _ := strings.Cut(strings.TrimPrefix(l.info, "AC="), ";")
		fmt.Fprintf(&b, "%s\t%d\t%s\t%s\t%s\t", l.chrom, l.pos, l.ref, strings.Join(l.alts, ","), ac)
		for _, s := range l.samples {
			gt, _, _ := strings.Cut(s, ":")
			b.WriteString(gt + ",")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// parseRegion parses "chr:beg-end", "chr:pos" or "chr".
func parseRegion(s string) (string, int64, int64, error) {
	chrom, rest, ok := strings.Cut(s, ":")
	if !ok {
		return chrom, 1, 1 << 62, nil
	}
	a, b, ok := strings.Cut(rest, "-")
	beg, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return "", 0, 0, err
	}
	if !ok {
		return chrom, beg, beg, nil
	}
	end, err := strconv.ParseInt(b, 10, 64)
	return chrom, beg, end, err
}

// TestBcftoolsLarge checks the index over many BGZF blocks, with records
// wider than a block (5,000 samples with every FORMAT field).
func TestBcftoolsLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	bcftools := needTool(t, "bcftools")
	cfg := Config{Samples: 5000, Variants: 300, Seed: 5, Format: []string{"GQ", "DP", "DS"}, Chromosomes: []string{"chr22", "chrX"}, Compression: Compression{Level: 1}}
	dir := t.TempDir()
	gz := filepath.Join(dir, "l.vcf.gz")
	if err := GenerateFile(context.Background(), gz, cfg); err != nil {
		t.Fatal(err)
	}
	_, lines := parseVCF(t, generate(t, cfg))
	if len(lines[0].raw) <= bgzf.BlockSize {
		t.Fatalf("record of %d bytes: want records wider than a BGZF block", len(lines[0].raw))
	}
	for _, region := range []string{"chr22:10000000-20000000", "chr22:30000000-40000000", "chrX:100000000-156040895"} {
		chrom, beg, end, _ := parseRegion(region)
		want := overlapping(lines, chrom, beg, end)
		if want == "" {
			t.Fatalf("region %s has no records", region)
		}
		if got := run(t, bcftools, "query", "-f", siteFormat, "-r", region, gz); got != want {
			t.Errorf("bcftools query -r %s: %d records, want %d", region, strings.Count(got, "\n"), strings.Count(want, "\n"))
		}
	}
	st, _ := os.Stat(gz)
	t.Logf("%d records, %d bytes compressed", len(lines), st.Size())
}
