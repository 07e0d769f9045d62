package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/datasets/synthpgs"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk"
	"github.com/varamu/varamu/risk/findings"
	"github.com/varamu/varamu/risk/pgs"
	"github.com/varamu/varamu/server/fhirops"
	"github.com/varamu/varamu/store"
)

var (
	riskOnce sync.Once
	riskErr  error
)

// withRisk scores the fixture store once with a synthetic polygenic score
// (a new store generation with the risk tables).
func withRisk(t *testing.T, dir string) {
	t.Helper()
	riskOnce.Do(func() {
		ctx := context.Background()
		path := filepath.Join(filepath.Dir(dir), "risk-score.txt")
		var b bytes.Buffer
		if _, riskErr = synthpgs.FromVCF(filepath.Join(filepath.Dir(dir), "bb", "genotypes.vcf.gz"), synthpgs.Config{Variants: 60, Seed: 3, ID: "TESTPRS"}, &b); riskErr != nil {
			return
		}
		if riskErr = os.WriteFile(path, b.Bytes(), 0o644); riskErr != nil {
			return
		}
		s, err := pgs.ReadFile(path)
		if err != nil {
			riskErr = err
			return
		}
		st, err := store.Open(dir, store.Config{})
		if err != nil {
			riskErr = err
			return
		}
		gs, err := genotypes.FromStore(st)
		if err != nil {
			riskErr = err
			return
		}
		permit, err := access.OpenSteward(ctx, st, access.StewardAccess{Actor: "server-test-steward", Scope: "risk score (test)"})
		if err != nil {
			riskErr = err
			return
		}
		res, err := risk.Score(ctx, gs, permit, []*pgs.Score{s}, risk.Config{})
		if err != nil {
			riskErr = err
			return
		}
		riskErr = risk.Write(ctx, st, res)
	})
	if riskErr != nil {
		t.Fatal(riskErr)
	}
}

// sfPeople finds people with return-of-results consent, record open and
// not withdrawn: one who consented to secondary findings and one who did
// not, with their newest samples.
func sfPeople(t *testing.T, dir string) (yes, no, yesSample string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := genotypes.FromStore(st)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := clinical.ConsentEvents(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var people []string
	for p := range evs {
		people = append(people, p)
	}
	slices.Sort(people)
	for _, p := range people {
		h, err := consent.Load(p, evs[p])
		if err != nil {
			t.Fatal(err)
		}
		s := h.StateAt(time.Now())
		if !s.ReturnOfResults || s.RecordClosed || s.Withdrawn {
			continue
		}
		samples, err := risk.SamplesOf(ctx, st, gs, p)
		if err != nil || len(samples) == 0 {
			continue
		}
		switch {
		case s.SecondaryFindings && yes == "":
			yes, yesSample = p, samples[len(samples)-1]
		case !s.SecondaryFindings && no == "":
			no = p
		}
	}
	if yes == "" || no == "" {
		t.Fatalf("fixture lacks a person with (%q) and without (%q) consent to secondary findings", yes, no)
	}
	return yes, no, yesSample
}

// testClinVar writes a ClinVar-format VCF of P/LP assertions at stored
// records: some the sample carries (gene TESTAD, dominant) and some it
// does not; and returns the parsed assertions and gene list.
func testClinVar(t *testing.T, dir, sample string) *fhirops.RiskFindings {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := genotypes.FromStore(st)
	if err != nil {
		t.Fatal(err)
	}
	permit, err := access.OpenSteward(ctx, st, access.StewardAccess{Actor: "server-test-steward", Scope: "test ClinVar file"})
	if err != nil {
		t.Fatal(err)
	}
	var carried, other []string
	for _, chrom := range []string{"chr1", "chr2", "chr10", "chr22"} {
		for rec, err := range gs.Region(ctx, permit, chrom, 1, 1<<40, []string{sample}) {
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.Alts) != 1 || len(rec.Ref) != 1 || len(rec.Alts[0]) != 1 {
				continue
			}
			alleles, _ := genome.DecodeGT(rec.Codes[0], nil)
			line := func(gene string, n int) string {
				return fmt.Sprintf("%s\t%d\t%d\t%s\t%s\t.\t.\tCLNDN=Test_condition_%s;CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Pathogenic;GENEINFO=%s:1",
					strings.TrimPrefix(rec.Chrom, "chr"), rec.Pos, 900000+n, rec.Ref, rec.Alts[0], gene, gene)
			}
			switch {
			case slices.Contains(alleles, 1) && len(carried) < 2:
				carried = append(carried, line("TESTAD", len(carried)))
			case !slices.Contains(alleles, 1) && !slices.Contains(alleles, genome.Missing) && len(alleles) > 0 && len(other) < 3:
				other = append(other, line("TESTAR", 10+len(other)))
			}
		}
	}
	if len(carried) == 0 {
		t.Fatalf("sample %s carries no stored ALT allele", sample)
	}
	head := "##fileformat=VCFv4.1\n##reference=GRCh38\n##INFO=<ID=CLNDN,Number=.,Type=String,Description=\"d\">\n##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description=\"r\">\n" +
		"##INFO=<ID=CLNSIG,Number=.,Type=String,Description=\"s\">\n##INFO=<ID=GENEINFO,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
	body := append(carried, other...)
	slices.SortFunc(body, func(a, b string) int { return strings.Compare(a, b) })
	gl, err := findings.ReadGeneList(writeTemp(t, "genes.tsv", "TESTAD\tAD\nTESTAR\tAR\n"))
	if err != nil {
		t.Fatal(err)
	}
	cv, err := findings.ReadClinVar(writeTemp(t, "clinvar.vcf", head+strings.Join(body, "\n")+"\n"), gl)
	if err != nil {
		t.Fatal(err)
	}
	return &fhirops.RiskFindings{ClinVar: cv, Genes: gl}
}

func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// dxAnswer is what a test reads from a $find-subject-dx-implications
// answer: the implication Observations by kind, and the findings status.
type dxAnswer struct {
	scores, findings, variants int
	status                     string
	body                       string
}

func getDx(t *testing.T, c *http.Client, base, person string) (int, dxAnswer) {
	t.Helper()
	resp, err := c.Get(base + "/fhir/$find-subject-dx-implications?subject=" + person)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	a := dxAnswer{body: string(body)}
	if resp.StatusCode != 200 {
		return resp.StatusCode, a
	}
	var p struct {
		Parameter []struct {
			Name        string `json:"name"`
			ValueString string `json:"valueString"`
			Part        []struct {
				Name     string         `json:"name"`
				Resource map[string]any `json:"resource"`
			} `json:"part"`
		} `json:"parameter"`
	}
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("answer is not JSON: %v", err)
	}
	for _, prm := range p.Parameter {
		if prm.Name == "secondaryFindings" {
			a.status = prm.ValueString
		}
		for _, part := range prm.Part {
			id, _ := part.Resource["id"].(string)
			profile := fmt.Sprint(part.Resource["meta"])
			switch {
			case part.Name == "implication" && strings.HasPrefix(id, "prs-") && strings.Contains(profile, "diagnostic-implication"):
				a.scores++
			case part.Name == "implication" && strings.HasPrefix(id, "sf-") && strings.Contains(profile, "diagnostic-implication"):
				a.findings++
			case part.Name == "variant" && strings.Contains(profile, "/variant"):
				a.variants++
			}
		}
	}
	return 200, a
}

// TestDxImplicationsMatrix: the operation's answers and refusals by caller
// and consent. Every refusal is logged and says nothing about the person;
// findings come only with the person's consent to secondary findings, and
// a refused findings decision is logged too.
func TestDxImplicationsMatrix(t *testing.T) {
	b := fixture(t)
	withRisk(t, b.dir)
	sfYes, sfNo, sfYesSample := sfPeople(t, b.dir)
	rf := testClinVar(t, b.dir, sfYesSample)
	r := start(t, nil)
	if err := fhirops.RegisterRisk(r.Srv, rf); err != nil {
		t.Fatal(err)
	}
	closed, noReturn, withdrawn := special(t, b.dir, time.Now())
	patient := r.People["patient"].Isikukood
	cases := []struct {
		name     string
		client   *http.Client
		person   string
		status   int
		findings bool   // findings returned
		sfDenied bool   // a secondary-findings refusal is logged
		word     string // in the findings status
	}{
		{"no certificate", r.client(nil), patient, 401, false, false, ""},
		{"revoked certificate", r.as(t, "revoked"), patient, 401, false, false, ""},
		{"no licence (not in the register)", r.as(t, "researcher"), patient, 403, false, false, ""},
		{"patient A asking for patient B", r.as(t, "patient"), sfYes, 403, false, false, ""},
		{"closed record", r.as(t, "professional"), closed, 403, false, false, ""},
		{"no return-of-results consent", r.as(t, "professional"), noReturn, 403, false, false, ""},
		{"withdrawn from the biobank", r.as(t, "professional"), withdrawn, 403, false, false, ""},
		{"professional, person consented to secondary findings", r.as(t, "professional"), sfYes, 200, true, false, "assessed"},
		{"professional, no consent to secondary findings", r.as(t, "professional"), sfNo, 200, false, true, "only with the person's consent"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before, _ := denials(t, b.dir, c.person)
			status, a := getDx(t, c.client, r.URL, c.person)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, a.body)
			}
			after, _ := denials(t, b.dir, c.person)
			if c.status != 200 {
				if after <= before {
					t.Errorf("refusal not logged: %d denials before, %d after", before, after)
				}
				noLeak(t, []byte(a.body), c.person)
				for _, bad := range []string{"TESTPRS", "Test_condition", "Diagnostic Implication", "prs-"} {
					if strings.Contains(a.body, bad) {
						t.Errorf("refusal leaks %q", bad)
					}
				}
				return
			}
			if a.scores != 1 {
				t.Errorf("%d polygenic score implications, want 1: %s", a.scores, a.body)
			}
			if got := a.findings > 0 && a.variants == a.findings; got != c.findings {
				t.Errorf("findings returned: %v (%d implications, %d variants), want %v; status %q", got, a.findings, a.variants, c.findings, a.status)
			}
			if !strings.Contains(a.status, c.word) {
				t.Errorf("findings status %q lacks %q", a.status, c.word)
			}
			if (after > before) != c.sfDenied {
				t.Errorf("secondary-findings refusal logged: %v (%d → %d), want %v", after > before, before, after, c.sfDenied)
			}
			if !c.findings && strings.Contains(a.body, "Test_condition") {
				t.Error("a finding's condition is in an answer without findings")
			}
		})
	}
}

// TestDxImplicationsWithoutClinVar: a server without ClinVar assertions
// answers scores and says findings were not assessed; a bad subject is a
// 400.
func TestDxImplicationsWithoutClinVar(t *testing.T) {
	b := fixture(t)
	withRisk(t, b.dir)
	r := start(t, nil)
	if err := fhirops.RegisterRisk(r.Srv, nil); err != nil {
		t.Fatal(err)
	}
	patient := r.People["patient"].Isikukood
	status, a := getDx(t, r.as(t, "patient"), r.URL, patient)
	if status != 200 || a.scores != 1 || a.findings != 0 || !strings.Contains(a.status, "not assessed") {
		t.Fatalf("status %d, %d scores, %d findings, status %q: %s", status, a.scores, a.findings, a.status, a.body)
	}
	for _, want := range []string{"What it does not mean", "81259-4", "Percentile within the reference cohort"} {
		if !strings.Contains(a.body, want) {
			t.Errorf("answer lacks %q", want)
		}
	}
	if status, _ := getDx(t, r.as(t, "patient"), r.URL, "123"); status != 400 {
		t.Errorf("bad subject: %d", status)
	}
}
