package main

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/access"

	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk/findings"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// riskBiobank makes a synthetic biobank store with clinical records and
// returns the store, the biobank folder and the people in sample order.
func riskBiobank(t *testing.T) (dir, bb string, people []string) {
	t.Helper()
	tmp := t.TempDir()
	bb = filepath.Join(tmp, "bb")
	dir = filepath.Join(tmp, "st")
	for _, args := range [][]string{
		{"datasets", "synth", "--people", "150", "--seed", "4", "--out", bb},
		{"ingest", "vcf", "--store", dir, filepath.Join(bb, "genotypes.vcf.gz")},
		{"ingest", "fhir", "--store", dir, "--biobank-samples", filepath.Join(bb, "biobank", "samples.tsv"), filepath.Join(bb, "fhir")},
	} {
		if _, stderr, err := run(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
	}
	f, err := os.Open(filepath.Join(bb, "biobank", "samples.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		if _, p, ok := strings.Cut(sc.Text(), "\t"); ok {
			people = append(people, p)
		}
	}
	return dir, bb, people
}

func firstSamples(t *testing.T, dir string, n int) []string {
	t.Helper()
	gs, err := genotypes.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	all, err := gs.Samples()
	if err != nil {
		t.Fatal(err)
	}
	return all[:n]
}

func generation(t *testing.T, dir string) int64 {
	t.Helper()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return st.Manifest().Generation
}

func TestRiskCommands(t *testing.T) {
	dir, bb, people := riskBiobank(t)
	tmp := t.TempDir()
	score := filepath.Join(tmp, "score.txt")
	if _, _, err := run(t, "datasets", "synth-pgs", "--vcf", filepath.Join(bb, "genotypes.vcf.gz"), "--variants", "300", "--id", "DEMO1", "-o", score); err != nil {
		t.Fatal(err)
	}

	// Bad input: clear error with file and line, nothing written.
	before := generation(t, dir)
	bad := []struct{ name, text, want string }{
		{"weight", "#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n1\t5\tA\tG\tx\n", `bad.txt:3: effect_weight: "x": want a finite number`},
		{"column", "#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\n", "bad.txt:2: missing required column effect_weight"},
		{"build", "#genome_build=GRCh36\nchr_name\tchr_position\teffect_allele\teffect_weight\n", `bad.txt:1: genome_build: unknown genome build "GRCh36"`},
		{"no build", "chr_name\tchr_position\teffect_allele\teffect_weight\n1\t5\tA\t1\n", "names no genome build"},
		{"other build", "#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\teffect_weight\n1\t5\tA\t1\n", "the scoring file is GRCh37, the store is GRCh38"},
		{"no overlap", "#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\teffect_weight\n1\t5\tA\t1\n", "no variant of the scoring file is in the store (0 of 1"},
		{"duplicate", "#genome_build=GRCh38\nchr_name\tchr_position\teffect_allele\teffect_weight\n1\t5\tA\t1\n1\t5\tA\t2\n", "bad.txt:4: duplicate variant chr1:5 A/. (first on line 3)"},
	}
	for _, tt := range bad {
		p := filepath.Join(tmp, "bad.txt")
		os.WriteFile(p, []byte(tt.text), 0o644)
		_, _, err := run(t, "risk", "score", "--store", dir, p)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "bad.txt") {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	if g := generation(t, dir); g != before {
		t.Errorf("bad input changed the store: generation %d → %d", before, g)
	}

	out, stderr, err := run(t, "risk", "score", "--store", dir, score, "--format", "csv")
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 151 || lines[0] != "sample,score,sum,avg,z,percentile,missing,abstain" {
		t.Errorf("csv: %d lines, header %q", len(lines), lines[0])
	}
	for _, want := range []string{"DEMO1 (", "variants matched", "reference cohort: 150 samples", "stored as DEMO1@"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	pq := filepath.Join(tmp, "scores.parquet")
	if _, _, err := run(t, "risk", "score", "--store", dir, score, "--samples", "NOPE"); err == nil || !strings.Contains(err.Error(), `sample "NOPE"`) {
		t.Errorf("unknown sample: %v", err)
	}
	if _, _, err := run(t, "risk", "score", "--store", dir, score, "--format", "parquet", "-o", pq, "--samples", strings.Join(firstSamples(t, dir, 2), ",")); err != nil {
		t.Fatal(err)
	}
	n := 0
	readRow := func(r *rows.Row) error {
		if r.Str(2) != "DEMO1" || len(r.Str(3)) != 64 || r.Str(4) != "" {
			t.Errorf("parquet row: score %q, file %q, abstain %q", r.Str(2), r.Str(3), r.Str(4))
		}
		n++
		return nil
	}
	if err := rows.ScanFile(t.Context(), pq, []string{"sample", "sum", "score_id", "file_sha256", "abstain"}, readRow); err != nil || n != 2 {
		t.Errorf("parquet output: %d rows, %v", n, err)
	}
	q, _, err := run(t, "query", "--store", dir, "--format", "csv", "SELECT count(*) AS n, count(percentile) AS p FROM risk_scores WHERE score_id = 'DEMO1'")
	if err != nil || strings.TrimSpace(q) != "n,p\n150,150" {
		t.Errorf("steward query: %q %v", q, err)
	}
	if _, _, err := researchSession(t, dir, "res-1", time.Time{}, "SELECT * FROM risk_scores"); err == nil {
		t.Error("a researcher's extract shows person-level risk scores")
	}

	// Plot with one sample marked.
	gs, err := genotypes.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	samples, _ := gs.Samples()
	plots := filepath.Join(tmp, "plots")
	pout, _, err := run(t, "risk", "plot", "--store", dir, "--score", "DEMO1", "--sample", samples[0], "-o", plots)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"distribution-DEMO1-" + samples[0] + ".png", "distribution-DEMO1-" + samples[0] + ".svg", "match-rates.png", "match-rates.svg"} {
		if fi, err := os.Stat(filepath.Join(plots, name)); err != nil || fi.Size() < 1000 || !strings.Contains(pout, name) {
			t.Errorf("plot %s: %v", name, err)
		}
	}

	// A person's report: themselves yes; an unknown professional no.
	rep, _, err := runAs(t, people[0], "risk", "report", "--store", dir, "--person", people[0])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Polygenic scores of " + people[0], "What it means:", "What it does not mean:", "What was missing:"} {
		if !strings.Contains(rep, want) {
			t.Errorf("report lacks %q:\n%s", want, rep)
		}
	}
	page := filepath.Join(tmp, "risk.html")
	if _, _, err := runAs(t, people[0], "risk", "report", "--store", dir, "--person", people[0], "--html", page); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Polygenic scores of " + people[0], "<dt>What it means</dt>", "<dt>What it does not mean</dt>", "<dt>What was missing</dt>",
		`<img src="data:image/svg`, "audit entry"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	if strings.Contains(string(html), "<script") {
		t.Error("HTML report has a script")
	}
	if _, _, err := runAs(t, people[1], "risk", "report", "--store", dir, "--person", people[0], "--html", page+".2"); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("someone else's HTML report: %v", err)
	} else if _, err := os.Stat(page + ".2"); err == nil {
		t.Error("a refused HTML report was written")
	}
	if _, _, err := runAs(t, people[1], "risk", "report", "--store", dir, "--person", people[0]); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("someone else's report: %v", err)
	}
	if _, _, err := runAs(t, "pr-99999", "risk", "report", "--store", dir, "--person", people[0], "--clinician"); err == nil || !strings.Contains(err.Error(), "access denied") {
		t.Errorf("unregistered professional: %v", err)
	}
	riskFindingsCLI(t, dir, gs, people, tmp)
}

// riskFindingsCLI: findings for a consenting person, refused for one who
// did not consent; the ClinVar file without CLNSIG is refused.
func riskFindingsCLI(t *testing.T, dir string, gs *genotypes.Store, people []string, tmp string) {
	var lines []string
	permit, err := access.OpenSteward(t.Context(), gs.Base(), access.StewardAccess{Actor: "test-steward", Scope: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for rec, err := range gs.Region(t.Context(), permit, "chr1", 1, math.MaxInt64, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Alts) == 1 && len(lines) < 40 {
			lines = append(lines, fmt.Sprintf("1\t%d\t%d\t%s\t%s\t.\t.\tCLNDN=Test_condition;CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Pathogenic;GENEINFO=GENE%d:1",
				rec.Pos, len(lines), rec.Ref, rec.Alts[0], len(lines)%2))
		}
	}
	head := "##fileformat=VCFv4.1\n##reference=GRCh38\n##INFO=<ID=CLNDN,Number=.,Type=String,Description=\"d\">\n##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description=\"r\">\n##INFO=<ID=CLNSIG,Number=.,Type=String,Description=\"s\">\n##INFO=<ID=GENEINFO,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
	cv := filepath.Join(tmp, "clinvar.vcf")
	os.WriteFile(cv, []byte(head+strings.Join(lines, "\n")+"\n"), 0o644)
	genes := filepath.Join(tmp, "genes.tsv")
	os.WriteFile(genes, []byte("GENE0\tAD\nGENE1\tAR\n"), 0o644)
	var shown, refused bool
	for _, p := range people {
		out, _, err := runAs(t, p, "risk", "findings", "--store", dir, "--person", p, "--clinvar", cv, "--genes", genes)
		switch {
		case err == nil:
			shown = shown || strings.Contains(out, "GENE0")
		case errors.Is(err, findings.ErrDenied) && strings.Contains(err.Error(), "no consent to return of secondary findings"):
			refused = true
		default:
			t.Fatalf("%s: %v", p, err)
		}
		if shown && refused {
			break
		}
	}
	if !shown || !refused {
		t.Errorf("findings shown to a consenting person: %v; refused without consent: %v", shown, refused)
	}
	noSig := filepath.Join(tmp, "nosig.vcf")
	os.WriteFile(noSig, []byte(strings.Replace(head, "##INFO=<ID=CLNSIG,Number=.,Type=String,Description=\"s\">\n", "", 1)), 0o644)
	if _, _, err := runAs(t, people[0], "risk", "findings", "--store", dir, "--person", people[0], "--clinvar", noSig, "--genes", genes); err == nil ||
		!strings.Contains(err.Error(), "nosig.vcf:6: INFO: findings: not a ClinVar-format VCF: the header declares no INFO CLNSIG") {
		t.Errorf("ClinVar VCF without CLNSIG: %v", err)
	}
}
