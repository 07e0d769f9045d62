package synthvcf

import (
	"bytes"
	"context"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/varamu/varamu/genome"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func generate(t testing.TB, cfg Config) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Generate(context.Background(), &b, cfg); err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return b.Bytes()
}

// vcfLine is a data line split into its columns.
type vcfLine struct {
	chrom   string
	pos     int64
	ref     string
	alts    []string
	info    string
	format  string
	samples []string
	raw     string
}

func parseVCF(t testing.TB, data []byte) (header []string, lines []vcfLine) {
	t.Helper()
	for n, l := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if strings.HasPrefix(l, "#") {
			header = append(header, l)
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) < 8 {
			t.Fatalf("line %d: %d columns: %q", n+1, len(f), l)
		}
		pos, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			t.Fatalf("line %d: POS %q", n+1, f[1])
		}
		v := vcfLine{chrom: f[0], pos: pos, ref: f[3], alts: strings.Split(f[4], ","), info: f[7], raw: l}
		if len(f) > 9 {
			v.format, v.samples = f[8], f[9:]
		}
		lines = append(lines, v)
	}
	return header, lines
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Samples: 50, Variants: 300, Seed: 7, Format: []string{"GQ", "DP", "DS"}}
	a := generate(t, cfg)
	b := generate(t, cfg)
	if !bytes.Equal(a, b) {
		t.Fatal("same Config gave different output")
	}
	cfg.Seed = 8
	c := generate(t, cfg)
	if bytes.Equal(a, c) {
		t.Fatal("seeds 7 and 8 gave the same output")
	}

	// BGZF and the index are deterministic too, and decompress to the
	// plain text.
	dir := t.TempDir()
	cfg.Seed = 7
	for _, name := range []string{"a.vcf.gz", "b.vcf.gz"} {
		if err := GenerateFile(context.Background(), filepath.Join(dir, name), cfg); err != nil {
			t.Fatal(err)
		}
	}
	for _, suffix := range []string{"", ".tbi"} {
		x, _ := os.ReadFile(filepath.Join(dir, "a.vcf.gz"+suffix))
		y, _ := os.ReadFile(filepath.Join(dir, "b.vcf.gz"+suffix))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s: two runs differ (or are empty: %d bytes)", "a.vcf.gz"+suffix, len(x))
		}
	}
	if got := gunzip(t, filepath.Join(dir, "a.vcf.gz")); !bytes.Equal(got, a) {
		t.Error("BGZF output does not decompress to the plain output")
	}
}

// TestGolden pins the exact output of a small Config, header included.
func TestGolden(t *testing.T) {
	cfg := Config{
		Samples: 6, Variants: 12, Seed: 42, Format: []string{"DS", "GQ", "DP"},
		Chromosomes: []string{"10", "chrX"},
		Sites: []Site{
			{Chrom: "10", Pos: 94842866, ID: "rs1057910", Ref: "A", Alts: []string{"C"}, AF: []float64{0.07}},
			{Chrom: "chr22", Pos: 42130692, ID: "rs3892097", Ref: "G", Alts: []string{"A"}},
		},
	}
	got := generate(t, cfg)
	path := filepath.Join("testdata", "golden", "small.vcf")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("output differs from %s (-want +got):\n%s", path, diff)
	}
}

func TestHeader(t *testing.T) {
	g, err := NewGenerator(Config{Samples: 3, Variants: 10, Format: []string{"DP"}, Sites: []Site{{Chrom: "chr19", Pos: 100, Ref: "A", Alts: []string{"G"}}}})
	if err != nil {
		t.Fatal(err)
	}
	header, _ := parseVCF(t, generate(t, Config{Samples: 3, Variants: 10, Format: []string{"DP"}, Sites: []Site{{Chrom: "chr19", Pos: 100, Ref: "A", Alts: []string{"G"}}}}))
	if header[0] != "##fileformat=VCFv4.3" {
		t.Errorf("first line %q", header[0])
	}
	wantLines := []string{
		"##reference=GRCh38",
		"##contig=<ID=chr1,length=248956422,assembly=GRCh38>",
		"##contig=<ID=chr2,length=242193529,assembly=GRCh38>",
		"##contig=<ID=chr10,length=133797422,assembly=GRCh38>",
		"##contig=<ID=chr19,length=58617616,assembly=GRCh38>",
		"##contig=<ID=chr22,length=50818468,assembly=GRCh38>",
		"##contig=<ID=chrX,length=156040895,assembly=GRCh38>",
		`##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">`,
		`##FORMAT=<ID=DP,Number=1,Type=Integer,Description="Read depth">`,
		`##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency in called genotypes, for each ALT allele">`,
		"#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS000001\tS000002\tS000003",
	}
	var contigs []string
	for _, l := range header {
		if strings.HasPrefix(l, "##contig") {
			contigs = append(contigs, l)
		}
	}
	if diff := cmp.Diff(wantLines[1:7], contigs); diff != "" {
		t.Errorf("contig lines in order (-want +got):\n%s", diff)
	}
	for _, w := range wantLines {
		found := false
		for _, l := range header {
			found = found || l == w
		}
		if !found {
			t.Errorf("header lacks %q", w)
		}
	}
	if last := header[len(header)-1]; last != wantLines[len(wantLines)-1] {
		t.Errorf("last header line %q", last)
	}
	// Each ##contig has the length genome.BuildFromContig recognises.
	for _, c := range g.Header().Contigs {
		if b := genome.BuildFromContig(c.Name, c.Length); b != genome.GRCh38 && c.Name != "chr19" {
			t.Errorf("%s length %d: build %q", c.Name, c.Length, b)
		}
	}
}

func TestGenotypeShapes(t *testing.T) {
	cfg := Config{
		Samples: 400, Variants: 3000, Seed: 3, MultiAllelicFraction: 0.1,
		Sites: []Site{
			{Chrom: "chrX", Pos: 100000, Ref: "C", Alts: []string{"T"}, AF: []float64{0.4}},  // PAR1
			{Chrom: "chrX", Pos: 5000000, Ref: "C", Alts: []string{"T"}, AF: []float64{0.4}}, // not PAR
			{Chrom: "chrY", Pos: 3000000, Ref: "G", Alts: []string{"A"}, AF: []float64{0.3}}, // males only
			{Chrom: "chr22", Pos: 100000, Ref: "G", Alts: []string{"A", "C"}, AF: []float64{0.3, 0.3}},
		},
	}
	g, err := NewGenerator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, lines := parseVCF(t, generate(t, cfg))
	if len(lines) != 3004 {
		t.Fatalf("%d records, want 3004", len(lines))
	}
	var (
		phased, unphased, multi, hasTwo, missing, partial, calls int
		prev                                                     vcfLine
	)
	for n, l := range lines {
		if n > 0 && l.chrom == prev.chrom && l.pos <= prev.pos {
			t.Fatalf("%s:%d after %s:%d: not sorted", l.chrom, l.pos, prev.chrom, prev.pos)
		}
		prev = l
		var seps = map[byte]int{}
		for i, s := range l.samples {
			calls++
			male := g.Male(i)
			haploidWant := (l.chrom == "chrX" && !inPAR("chrX", l.pos) && male) || l.chrom == "chrY"
			switch len(s) {
			case 1:
				if !haploidWant {
					t.Fatalf("%s:%d sample %d (male %v): haploid %q", l.chrom, l.pos, i, male, s)
				}
				if s == "." {
					missing++
				}
				if l.chrom == "chrY" && !male && s != "." {
					t.Fatalf("chrY female sample %d called %q", i, s)
				}
			case 3:
				if haploidWant {
					t.Fatalf("%s:%d sample %d (male %v): diploid %q", l.chrom, l.pos, i, male, s)
				}
				seps[s[1]]++
				switch {
				case s[0] == '.' && s[2] == '.':
					missing++
				case s[0] == '.' || s[2] == '.':
					partial++
				}
				if strings.Contains(s, "2") {
					hasTwo++
				}
				if s[1] == '/' && s[0] != '.' && s[0] > s[2] {
					t.Fatalf("%s:%d unphased call %q not in ascending order", l.chrom, l.pos, s)
				}
			default:
				t.Fatalf("%s:%d sample %d: GT %q", l.chrom, l.pos, i, s)
			}
		}
		if len(seps) > 1 {
			t.Fatalf("%s:%d mixes phased and unphased calls: %v", l.chrom, l.pos, seps)
		}
		switch {
		case seps['|'] > 0:
			phased++
		case seps['/'] > 0:
			unphased++
		}
		if len(l.alts) == 2 {
			multi++
		}
	}
	t.Logf("phased %d unphased %d multi-allelic %d missing %d partial %d of %d calls", phased, unphased, multi, missing, partial, calls)
	if f := float64(phased) / float64(phased+unphased); f < 0.45 || f > 0.55 {
		t.Errorf("phased fraction %.3f, want about 0.5", f)
	}
	if f := float64(multi) / float64(len(lines)); f < 0.08 || f > 0.12 {
		t.Errorf("multi-allelic fraction %.3f, want about 0.1", f)
	}
	if hasTwo == 0 {
		t.Error("no genotype carries allele 2")
	}
	// chrY females (about 200 calls) are missing by design; the rest at 1%.
	if f := float64(missing+partial) / float64(calls); f < 0.008 || f > 0.0125 {
		t.Errorf("missing fraction %.4f, want about 0.01", f)
	}
	if f := float64(partial) / float64(missing+partial); f < 0.05 || f > 0.15 {
		t.Errorf("partly missing share %.3f, want about 0.1", f)
	}
}

// TestNoMissingNoPhasing checks that negative rates switch features off.
func TestNoMissingNoPhasing(t *testing.T) {
	cfg := Config{Samples: 100, Variants: 500, MissingRate: -1, PhasedFraction: -1, MultiAllelicFraction: -1, MaleFraction: -1}
	_, lines := parseVCF(t, generate(t, cfg))
	for _, l := range lines {
		if len(l.alts) != 1 {
			t.Fatalf("%s:%d: %d ALT alleles", l.chrom, l.pos, len(l.alts))
		}
		for _, s := range l.samples {
			if len(s) != 3 || s[1] != '/' || strings.Contains(s, ".") {
				t.Fatalf("%s:%d: GT %q, want unphased diploid called", l.chrom, l.pos, s)
			}
		}
	}
}

// TestAlleleFrequencies checks the site frequency spectrum and
// Hardy–Weinberg proportions on the generated genotypes.
func TestAlleleFrequencies(t *testing.T) {
	for _, m := range []Model{ModelLD, ModelIndependent} {
		t.Run(string(m), func(t *testing.T) { testAlleleFrequencies(t, m) })
	}
}

func testAlleleFrequencies(t *testing.T, model Model) {
	g, err := NewGenerator(Config{Samples: 2000, Variants: 4000, Seed: 11, MultiAllelicFraction: -1, Chromosomes: []string{"chr1", "chr2"}, Model: model})
	if err != nil {
		t.Fatal(err)
	}
	var (
		sites, rare, common, monomorphic int
		hweFail, commonSites             int
		obsHet, expHet                   float64
	)
	for rec, err := range g.All() {
		if err != nil {
			t.Fatal(err)
		}
		sites++
		var n [3]float64   // hom-ref, het, hom-alt among fully called
		var ac, an float64 // as INFO AC and AN count them
		for i := 0; i < len(rec.Alleles); i += 2 {
			x, y := rec.Alleles[i], rec.Alleles[i+1]
			for _, a := range []int{x, y} {
				if a >= 0 {
					ac += float64(a)
					an++
				}
			}
			if x >= 0 && y >= 0 {
				n[x+y]++
			}
		}
		af := ac / an
		switch {
		case ac == 0:
			monomorphic++
		case af < 0.01:
			rare++
		case af > 0.05:
			common++
		}
		if af >= 0.2 && af <= 0.8 {
			commonSites++
			N := n[0] + n[1] + n[2]
			e := [3]float64{N * (1 - af) * (1 - af), N * 2 * af * (1 - af), N * af * af}
			chi2 := 0.0
			for k := range 3 {
				chi2 += (n[k] - e[k]) * (n[k] - e[k]) / e[k]
			}
			if chi2 > 10.83 { // p < 0.001 with one degree of freedom
				hweFail++
			}
			obsHet += n[1]
			expHet += e[1]
		}
	}
	t.Logf("%d sites: AF<1%% %d, AF>5%% %d, monomorphic %d; %d sites with AF 0.2-0.8: HWE p<0.001 %d, het obs/exp %.4f",
		sites, rare, common, monomorphic, commonSites, hweFail, obsHet/expHet)
	if monomorphic != 0 {
		t.Errorf("%d monomorphic sites, want every site polymorphic", monomorphic)
	}
	// Log-uniform AF on [1e-4, 0.5]: P(AF<0.01) = ln(100)/ln(5000) = 0.54,
	// less the 2% of sites flipped to ALT-major.
	if f := float64(rare) / float64(sites); f < 0.48 || f > 0.58 {
		t.Errorf("fraction of sites with AF < 0.01 is %.3f, want 0.48-0.58", f)
	}
	// P(AF>0.05) = ln(10)/ln(5000) = 0.27, plus the flipped 2%.
	if f := float64(common) / float64(sites); f < 0.24 || f > 0.33 {
		t.Errorf("fraction of sites with AF > 0.05 is %.3f, want 0.24-0.33", f)
	}
	if commonSites < 200 {
		t.Fatalf("only %d common sites", commonSites)
	}
	// Under HWE about 0.1% of sites fail at p < 0.001.
	if f := float64(hweFail) / float64(commonSites); f > 0.01 {
		t.Errorf("%.3f of common sites fail HWE at p<0.001, want <= 0.01", f)
	}
	if r := obsHet / expHet; math.Abs(r-1) > 0.01 {
		t.Errorf("observed/expected heterozygotes %.4f, want 1 ± 0.01", r)
	}
}

func TestExplicitSites(t *testing.T) {
	sites := []Site{
		{Chrom: "chr22", Pos: 42130692, ID: "rs3892097", Ref: "G", Alts: []string{"A"}, AF: []float64{0.2}},
		{Chrom: "10", Pos: 94781859, ID: "rs4244285", Ref: "G", Alts: []string{"A"}, AF: []float64{0.15}},
		{Chrom: "chr10", Pos: 94761900, ID: "rs12248560", Ref: "C", Alts: []string{"T"}, AF: []float64{0}},
	}
	cfg := Config{Samples: 300, Sites: sites, MissingRate: -1}
	_, lines := parseVCF(t, generate(t, cfg))
	var got []string
	for _, l := range lines {
		got = append(got, l.chrom+":"+strconv.FormatInt(l.pos, 10)+" "+strings.Split(l.raw, "\t")[2])
	}
	want := []string{"chr10:94761900 rs12248560", "chr10:94781859 rs4244285", "chr22:42130692 rs3892097"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("only the sites, sorted (-want +got):\n%s", diff)
	}
	for _, l := range lines {
		if l.pos == 94761900 && !strings.HasPrefix(l.info, "AC=0;") {
			t.Errorf("AF 0 site: INFO %q, want AC=0", l.info)
		}
		if l.pos == 94781859 {
			af := infoAF(t, l.info)
			if af < 0.1 || af > 0.2 {
				t.Errorf("AF 0.15 site: realised AF %v", af)
			}
		}
	}

	// With random sites too, the sites are merged in order.
	cfg.Variants = 2000
	cfg.Chromosomes = []string{"chr10"}
	_, lines = parseVCF(t, generate(t, cfg))
	if len(lines) != 2003 {
		t.Fatalf("%d records, want 2003", len(lines))
	}
	found := 0
	for i, l := range lines {
		if i > 0 && l.chrom == lines[i-1].chrom && l.pos <= lines[i-1].pos {
			t.Fatalf("%s:%d after %d", l.chrom, l.pos, lines[i-1].pos)
		}
		if strings.Contains(l.raw, "\trs") {
			found++
		}
	}
	if found != 3 {
		t.Errorf("%d explicit sites in the output, want 3", found)
	}
}

func infoAF(t testing.TB, info string) float64 {
	for f := range strings.SplitSeq(info, ";") {
		if v, ok := strings.CutPrefix(f, "AF="); ok {
			af, err := strconv.ParseFloat(strings.Split(v, ",")[0], 64)
			if err != nil {
				t.Fatal(err)
			}
			return af
		}
	}
	t.Fatalf("no AF in %q", info)
	return 0
}

func TestFormatFields(t *testing.T) {
	_, lines := parseVCF(t, generate(t, Config{Samples: 200, Variants: 300, Format: []string{"DS", "GQ", "DP"}, Seed: 5}))
	for _, l := range lines {
		if l.format != "GT:GQ:DP:DS" {
			t.Fatalf("FORMAT %q", l.format)
		}
		for _, s := range l.samples {
			f := strings.Split(s, ":")
			if len(f) != 4 {
				t.Fatalf("sample %q: want 4 fields", s)
			}
			missing := strings.Contains(f[0], ".")
			ds := strings.Split(f[3], ",")
			if len(ds) != len(l.alts) {
				t.Fatalf("%s:%d sample %q: %d DS values for %d ALTs", l.chrom, l.pos, s, len(ds), len(l.alts))
			}
			if missing != (ds[0] == ".") {
				t.Fatalf("%s:%d sample %q: DS is missing exactly when GT is", l.chrom, l.pos, s)
			}
			if !missing {
				gq, err := strconv.Atoi(f[1])
				if err != nil || gq < 0 || gq > 99 {
					t.Fatalf("GQ %q", f[1])
				}
				d, err := strconv.ParseFloat(ds[0], 64)
				alt := float64(strings.Count(f[0], "1"))
				if err != nil || math.Abs(d-alt) > 0.05 {
					t.Fatalf("%s:%d sample %q: DS %v for GT with %v ALT copies", l.chrom, l.pos, s, d, alt)
				}
			}
			if noCall := strings.Trim(f[0], "./|") == ""; noCall != (f[1] == ".") {
				t.Fatalf("%s:%d sample %q: GQ is missing exactly when no allele is called", l.chrom, l.pos, s)
			}
			if _, err := strconv.Atoi(f[2]); err != nil {
				t.Fatalf("DP %q", f[2])
			}
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"negative samples", Config{Samples: -1}, "Samples -1"},
		{"negative variants", Config{Variants: -5}, "Variants -5"},
		{"rate above 1", Config{PhasedFraction: 1.5}, "PhasedFraction 1.5"},
		{"NaN rate", Config{MaleFraction: math.NaN()}, "MaleFraction NaN"},
		{"all missing", Config{MissingRate: 1}, "MissingRate 1: want < 1"},
		{"unknown chromosome", Config{Chromosomes: []string{"chrUn_KI270302v1"}}, `chromosome "chrUn_KI270302v1"`},
		{"unknown format", Config{Format: []string{"AD"}}, `FORMAT key "AD"`},
		{"site outside chromosome", Config{Sites: []Site{{Chrom: "chr22", Pos: 60000000, Ref: "A", Alts: []string{"C"}}}}, "site 1 (chr22:60000000): position outside 1-50818468"},
		{"site AF count", Config{Sites: []Site{{Chrom: "chr22", Pos: 10, Ref: "A", Alts: []string{"C"}, AF: []float64{0.1, 0.2}}}}, "2 AF values for 1 ALT"},
		{"site AF sum", Config{Sites: []Site{{Chrom: "chr22", Pos: 10, Ref: "A", Alts: []string{"C", "G"}, AF: []float64{0.6, 0.6}}}}, "sum to 1.2"},
		{"site bad REF", Config{Sites: []Site{{Chrom: "chr22", Pos: 10, Ref: "X", Alts: []string{"C"}}}}, `REF "X"`},
		{"too dense", Config{Variants: 2000, Chromosomes: []string{"chrM"}}, "at most one per 10 bases"},
		{"bad level", Config{Compression: Compression{Level: 12}}, "compression level 12"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.cfg.Compression.Level != 0 {
				err = GenerateFile(context.Background(), filepath.Join(t.TempDir(), "x.vcf.gz"), tc.cfg)
			} else {
				err = Generate(context.Background(), io.Discard, tc.cfg)
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestSampleNamesAndSexes(t *testing.T) {
	names := []string{"EE0001", "EE0002", "EE0003", "EE0004"}
	male := []bool{true, false, false, true}
	cfg := Config{SampleNames: names, Male: male, Variants: 300, Chromosomes: []string{"chrX"}, MissingRate: -1}
	header, lines := parseVCF(t, generate(t, cfg))
	if got := header[len(header)-1]; !strings.HasSuffix(got, "\tFORMAT\tEE0001\tEE0002\tEE0003\tEE0004") {
		t.Errorf("column line %q", got)
	}
	outsidePAR := 0
	for _, l := range lines {
		if inPAR("chrX", l.pos) {
			continue
		}
		outsidePAR++
		for i, s := range l.samples {
			if haploid := len(s) == 1; haploid != male[i] {
				t.Fatalf("chrX:%d sample %s (male %v): GT %q", l.pos, names[i], male[i], s)
			}
		}
	}
	if outsidePAR == 0 {
		t.Fatal("no chrX site outside the PARs")
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Samples: 3, SampleNames: names}, "4 SampleNames for 3 samples"},
		{Config{SampleNames: names, Male: male[:2]}, "2 Male values for 4 samples"},
		{Config{SampleNames: []string{"A", "A"}}, "sample A listed twice"},
	} {
		if _, err := NewGenerator(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want one containing %q", err, tc.want)
		}
	}
}

func TestGenerateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	path := filepath.Join(t.TempDir(), "x.vcf.gz")
	if err := GenerateFile(ctx, path, Config{}); err != context.Canceled {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 0 {
		t.Errorf("cancelled run left %d files", len(entries))
	}
}

func TestSampleName(t *testing.T) {
	for i, want := range map[int]string{0: "S000001", 9: "S000010", 999998: "S999999", 999999: "S1000000"} {
		if got := SampleName(i); got != want {
			t.Errorf("SampleName(%d) = %q, want %q", i, got, want)
		}
	}
}

// BenchmarkGenerate measures generation of 2,000 samples × 1,000 sites,
// plain and BGZF with index (to memory).
func BenchmarkGenerate(b *testing.B) {
	cfg := Config{Samples: 2000, Variants: 1000, Seed: 1}
	b.Run("plain", func(b *testing.B) {
		var n int64
		for b.Loop() {
			var c countWriter
			if err := Generate(context.Background(), &c, cfg); err != nil {
				b.Fatal(err)
			}
			n = c.n
		}
		b.SetBytes(n)
		b.ReportMetric(float64(cfg.Variants)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
	b.Run("bgzf", func(b *testing.B) {
		var n int64
		for b.Loop() {
			g, err := NewGenerator(cfg)
			if err != nil {
				b.Fatal(err)
			}
			var c countWriter
			vw, err := NewBGZFWriter(&c, io.Discard, g.Header(), Compression{})
			if err != nil {
				b.Fatal(err)
			}
			if err := copyRecords(context.Background(), vw, g); err != nil {
				b.Fatal(err)
			}
			n = c.n
		}
		b.ReportMetric(float64(n), "bytes-out")
		b.ReportMetric(float64(cfg.Variants)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// TestLinkage checks that ModelLD gives linkage disequilibrium between
// neighbouring common sites and ModelIndependent none: the mean r² of
// the ALT-allele indicators of consecutive common sites, over haplotypes.
func TestLinkage(t *testing.T) {
	for _, tc := range []struct {
		model    Model
		min, max float64
	}{{ModelLD, 0.04, 1}, {ModelIndependent, 0, 0.01}} {
		g, err := NewGenerator(Config{Samples: 500, Variants: 3000, Seed: 5, MultiAllelicFraction: -1, MissingRate: -1,
			PhasedFraction: 1, Chromosomes: []string{"chr22"}, Model: tc.model})
		if err != nil {
			t.Fatal(err)
		}
		var prev []int
		var sum float64
		var pairs int
		for rec, err := range g.All() {
			if err != nil {
				t.Fatal(err)
			}
			ac := 0
			for _, a := range rec.Alleles {
				ac += a
			}
			if f := float64(ac) / float64(len(rec.Alleles)); f < 0.05 || f > 0.95 {
				continue
			}
			if prev != nil {
				sum += rSquared(prev, rec.Alleles)
				pairs++
			}
			prev = slices.Clone(rec.Alleles)
		}
		if pairs < 100 {
			t.Fatalf("%s: %d pairs of common sites", tc.model, pairs)
		}
		r2 := sum / float64(pairs)
		t.Logf("%s: mean r² of %d neighbouring common sites %.3f", tc.model, pairs, r2)
		if r2 < tc.min || r2 > tc.max {
			t.Errorf("%s: mean r² %.3f, want %.2f-%.2f", tc.model, r2, tc.min, tc.max)
		}
	}
}

func rSquared(x, y []int) float64 {
	var n, sx, sy, sxy float64
	for i := range x {
		a, b := float64(x[i]), float64(y[i])
		n++
		sx += a
		sy += b
		sxy += a * b
	}
	px, py := sx/n, sy/n
	d := sxy/n - px*py
	v := px * (1 - px) * py * (1 - py)
	if v == 0 {
		return 0
	}
	return d * d / v
}
