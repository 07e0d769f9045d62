package query

import (
	"bytes"
	"context"
	"fmt"
	"github.com/varamu/varamu/access"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
)

const testVCF = `##fileformat=VCFv4.3
##reference=GRCh38
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
##FORMAT=<ID=GQ,Number=1,Type=Integer,Description="GQ">
##FORMAT=<ID=DS,Number=A,Type=Float,Description="Dosage">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	A	B	C
10	100	rs1	A	G	50	PASS	.	GT:GQ	0|1:30	1/1:.	./.:5
10	200	.	C	T,G	.	.	.	GT:DS	1|2:0.9,1.1	./1:.,1	0/0:0,0
X	300	.	G	A	.	.	.	GT	0	0/0	.
X	400	.	G	A	.	.	.	GT	1	0/1	0
`

func TestGenotypesView(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	vcfPath := filepath.Join(tmp, "a.vcf")
	os.WriteFile(vcfPath, []byte(testVCF), 0o644)
	dir := filepath.Join(tmp, "store")
	if _, err := genotypes.Ingest(ctx, dir, []string{vcfPath}, genotypes.IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "o.parquet")
	e, err := OpenAs(ctx, dir, Config{Role: Steward, Actor: "test-steward", Output: out})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.Run(ctx, `SELECT sample, chrom, pos, alt, gt, phased, dosage, gq, ds FROM genotypes ORDER BY pos, alt_index, sample`)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	res.WriteCSV(&buf)
	want := `sample,chrom,pos,alt,gt,phased,dosage,gq,ds
A,chr10,100,G,0|1,true,1,30,
B,chr10,100,G,1/1,false,2,,
C,chr10,100,G,./.,false,,5,
A,chr10,200,T,1|2,true,1,,0.9
B,chr10,200,T,./1,false,,,
C,chr10,200,T,0/0,false,0,,0
A,chr10,200,G,1|2,true,1,,1.1
B,chr10,200,G,./1,false,,,1
C,chr10,200,G,0/0,false,0,,0
A,chrX,300,A,0,false,0,,
B,chrX,300,A,0/0,false,0,,
C,chrX,300,A,.,false,,,
A,chrX,400,A,1,false,1,,
B,chrX,400,A,0/1,false,1,,
C,chrX,400,A,0,false,0,,
`
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("genotypes view (-want +got):\n%s", diff)
	}
	res, err = e.Run(ctx, `SELECT count(*) AS n FROM samples`)
	if err != nil || Text(res.Rows[0][0]) != "3" {
		t.Errorf("samples: %v %v", res, err)
	}
	var tb bytes.Buffer
	res.WriteTable(&tb)
	if !strings.Contains(tb.String(), "(1 rows)") {
		t.Errorf("table output: %q", tb.String())
	}
	if err := e.CopyParquet(ctx, "SELECT * FROM variants", out); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Errorf("parquet output: %v", err)
	}
}

// TestGenotypesViewMatchesGoReader checks the SQL decoding of the store
// (defaults, ploidy, exceptions) against the Go reader on synthetic data
// with males on chrX.
func TestGenotypesViewMatchesGoReader(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "s.vcf.gz")
	if err := synthvcf.GenerateFile(ctx, src, synthvcf.Config{Samples: 40, Variants: 9000, Seed: 3, Chromosomes: []string{"chr22", "chrX"}}); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(tmp, "store")
	if _, err := genotypes.Ingest(ctx, dir, []string{src}, genotypes.IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	s, err := genotypes.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	names, _ := s.Samples()
	g, err := access.OpenSteward(ctx, s.Base(), access.StewardAccess{Actor: "test-steward", Scope: "test"})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, chrom := range []string{"chr22", "chrX"} {
		for rec, err := range s.Region(ctx, g, chrom, 1, 1<<40, nil) {
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range rec.Codes {
				a, ph := genome.DecodeGT(c, nil)
				want = append(want, fmt.Sprintf("%s %s %d %s", chrom, names[i], rec.Pos, genome.FormatGT(a, ph)))
			}
		}
	}
	slices.Sort(want)
	e, err := OpenAs(ctx, dir, Config{Role: Steward, Actor: "test-steward"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.Run(ctx, `SELECT chrom, sample, pos, gt FROM genotypes WHERE alt_index <= 1`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rows {
		got = append(got, fmt.Sprintf("%s %s %d %s", Text(r[0]), Text(r[1]), r[2], Text(r[3])))
	}
	slices.Sort(got)
	if len(want) < 40*1000 {
		t.Fatalf("only %d genotypes", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SQL view and Go reader differ:\n%.2000s", diff)
	}
	haploid := 0
	for _, g := range want {
		if strings.HasPrefix(g, "chrX") && !strings.ContainsAny(g[len(g)-3:], "/|") {
			haploid++
		}
	}
	if haploid == 0 {
		t.Error("no haploid chrX genotypes: the test does not exercise ploidy")
	}
}

func TestWriteJSONKeepsColumnOrder(t *testing.T) {
	r := &Result{Columns: []string{"z", "a", "m"}, Rows: [][]any{{int64(1), "x", nil}, {int64(2), []byte("y"), 1.5}}}
	var buf bytes.Buffer
	if err := r.WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	want := "[\n  {\"z\": 1, \"a\": \"x\", \"m\": null},\n  {\"z\": 2, \"a\": \"y\", \"m\": 1.5}\n]\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
}
