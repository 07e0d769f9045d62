package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// writePGxVCF writes a one-sample VCF with a reference call at every
// pharmacogene position and the given genotypes (pos → GT).
func writePGxVCF(t *testing.T, gts map[int64]string) string {
	t.Helper()
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		l genome.Locus
		p alleles.Position
	}
	var rows []row
	for _, g := range db.Genes {
		for _, p := range g.Positions {
			rows = append(rows, row{genome.Locus{Chrom: g.Chrom, Pos: p.Pos}, p})
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		ra, _ := genome.ChromRank(a.l.Chrom)
		rb, _ := genome.ChromRank(b.l.Chrom)
		if ra != rb {
			return ra - rb
		}
		return int(a.l.Pos - b.l.Pos)
	})
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.2\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n")
	for _, r := range rows {
		gt, ok := gts[r.l.Pos]
		if !ok {
			gt = "0/0"
		}
		fmt.Fprintf(&b, "%s\t%d\t.\t%s\t%s\t.\tPASS\t.\tGT\t%s\n", strings.TrimPrefix(r.l.Chrom, "chr"), r.l.Pos, r.p.Ref, strings.Join(r.p.Alts, ","), gt)
	}
	path := filepath.Join(t.TempDir(), "s1.vcf")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPgxCall(t *testing.T) {
	// CYP2C19 *2/*17: rs3758581 hom, rs4244285, rs12769205, rs12248560 het.
	vcfPath := writePGxVCF(t, map[int64]string{94842866: "1/1", 94781859: "0/1", 94775367: "0/1", 94761900: "0/1"})
	outside := filepath.Join(t.TempDir(), "outside.tsv")
	if err := os.WriteFile(outside, []byte("CYP2D6\t*1/*4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runMerged(t, "pgx", "call", vcfPath, "--outside-calls", outside)
	if err != nil {
		t.Fatal(err)
	}
	var cs pharmacogenomics.CallSet
	if err := json.Unmarshal([]byte(out), &cs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if cs.DataVersion != alleles.DataVersion || len(cs.Samples) != 1 || cs.Samples[0].Sample != "S1" {
		t.Fatalf("version %q samples %d", cs.DataVersion, len(cs.Samples))
	}
	got := map[string]string{}
	for _, g := range cs.Samples[0].Genes {
		got[g.Gene] = strings.Join(g.Diplotypes, "|") + " " + g.Phenotype
	}
	for gene, want := range map[string]string{
		"CYP2C19": "*2/*17 Intermediate Metabolizer",
		"CYP2D6":  "*1/*4 Intermediate Metabolizer",
		"CYP2C9":  "*1/*1 Normal Metabolizer",
		"HLA-B":   " ",
	} {
		if got[gene] != want {
			t.Errorf("%s: %q, want %q", gene, got[gene], want)
		}
	}

	tsv, err := runMerged(t, "pgx", "call", vcfPath, "--format", "tsv", "--sample", "S1")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(tsv), "\n")
	if len(lines) != 1+len(cs.Samples[0].Genes) || !strings.HasPrefix(lines[0], "sample\tsex\tgene\t") {
		t.Errorf("tsv: %d lines, header %q", len(lines), lines[0])
	}

	page, err := runMerged(t, "pgx", "call", vcfPath, "--outside-calls", outside, "--format", "html")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "*2/*17", "clopidogrel", strings.SplitN(alleles.DataVersion, "+", 2)[1], "HLA-B"} {
		if !strings.Contains(page, want) {
			t.Errorf("html lacks %q", want)
		}
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{vcfPath, "--sample", "NOPE"}, `sample "NOPE" is not in`},
		{[]string{vcfPath, "--format", "xml"}, `--format "xml"`},
		{[]string{vcfPath, "--min-confidence", "2"}, "min confidence 2"},
		{[]string{filepath.Join(t.TempDir(), "missing.vcf")}, "no such file"},
	} {
		if _, err := runMerged(t, append([]string{"pgx", "call"}, tc.args...)...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.args, err, tc.want)
		}
	}
}
