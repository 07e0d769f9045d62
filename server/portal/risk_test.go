package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/datasets/synthpgs"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk"
	"github.com/varamu/varamu/risk/findings"
	"github.com/varamu/varamu/risk/pgs"
	"github.com/varamu/varamu/server/devca"
	"github.com/varamu/varamu/server/portal"
	"github.com/varamu/varamu/store"
)

// TestRiskSection: the patient's genome page shows their polygenic score
// in plain words with its figure inline (a data: image the CSP allows),
// in English and Estonian; their secondary findings only while they
// consent to them (a choice made in the portal), each read decided and
// logged.
func TestRiskSection(t *testing.T) {
	e := newEnv(t, envConfig{before: scoreStore, findings: patientClinVar})
	patient := e.People["patient"].Isikukood
	c := e.loggedIn(t, patient)
	choose := func(given string) {
		t.Helper()
		form := url.Values{"action": {"secondary-findings"}, "given": {given}, "csrf": {e.csrf(t, c)}}
		if code, body := e.post(t, c, "/portal/p/"+patient+"/choices", form); code != http.StatusSeeOther {
			t.Fatalf("secondary findings %s: %d %s", given, code, body)
		}
	}
	choose("no")
	resp, err := c.Get(e.URL + "/portal/p/" + patient + "/genome")
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(t, resp)
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q: want data: images and no script", csp)
	}
	for _, want := range []string{`id="risk"`, `id="score-TESTPRS"`, "What it does not mean", "What was missing",
		`<img src="data:image/svg&#43;xml;base64,`, `id="findings-noconsent"`} {
		if !strings.Contains(page, want) {
			t.Errorf("genome page without consent to findings lacks %q", want)
		}
	}
	if strings.Contains(page, `id="findings-table"`) || strings.Contains(page, "TESTAD") {
		t.Errorf("findings shown without consent to them")
	}
	choose("yes")
	_, page = e.get(t, c, "/portal/p/"+patient+"/genome")
	for _, want := range []string{`id="findings-checked"`, `id="findings-table"`, "<td>TESTAD</td>", "Test condition TESTAD"} {
		if !strings.Contains(page, want) {
			t.Errorf("genome page with consent to findings lacks %q", want)
		}
	}
	_, et := e.get(t, c, "/portal/p/"+patient+"/genome?lang=et")
	for _, want := range []string{"Polügeensed riskiskoorid", "Leiud haigusgeenides", "Mida see ei tähenda", "ühest haigust põhjustavast koopiast piisab"} {
		if !strings.Contains(et, want) {
			t.Errorf("Estonian genome page lacks %q", want)
		}
	}
	for _, english := range []string{"heterozygous)", "homozygous)", "suffices", "one P/LP"} {
		if strings.Contains(et, english) {
			t.Errorf("Estonian findings say %q", english)
		}
	}
	// Each findings read asked access about the consent, logged: refused
	// once, allowed twice.
	es, err := audit.ByPerson(context.Background(), e.Dir, patient)
	if err != nil {
		t.Fatal(err)
	}
	allowed, denied := 0, 0
	for _, x := range es {
		if x.Purpose == string(access.SecondaryFindings) && x.Actor == findings.ConsentJob {
			if x.Allowed {
				allowed++
			} else {
				denied++
			}
		}
	}
	if allowed != 2 || denied != 1 {
		t.Errorf("secondary findings decisions logged: %d allowed, %d denied; want 2 and 1", allowed, denied)
	}
}

// scoreStore scores the store with a synthetic polygenic score.
func scoreStore(t *testing.T, dir string, _ map[string]devca.Person) {
	t.Helper()
	ctx := context.Background()
	var b bytes.Buffer
	vcf := filepath.Join(filepath.Dir(fixture(t)), "bb", "genotypes.vcf.gz")
	if _, err := synthpgs.FromVCF(vcf, synthpgs.Config{Variants: 60, Seed: 3, ID: "TESTPRS"}, &b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "score.txt")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := pgs.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, gs, permit := stewardRead(t, dir, "risk score (portal test)")
	res, err := risk.Score(ctx, gs, permit, []*pgs.Score{s}, risk.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := risk.Write(ctx, st, res); err != nil {
		t.Fatal(err)
	}
}

func stewardRead(t *testing.T, dir, scope string) (*store.Store, *genotypes.Store, access.Permit) {
	t.Helper()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	gs, err := genotypes.FromStore(st)
	if err != nil {
		t.Fatal(err)
	}
	permit, err := access.OpenSteward(context.Background(), st, access.StewardAccess{Actor: "portal-test-steward", Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	return st, gs, permit
}

// patientClinVar writes a ClinVar-format VCF with Pathogenic assertions
// at two stored records the patient's newest sample carries (gene TESTAD,
// dominant) and returns it with its gene list.
func patientClinVar(t *testing.T, dir string, people map[string]devca.Person) *portal.Findings {
	t.Helper()
	ctx := context.Background()
	st, gs, permit := stewardRead(t, dir, "test ClinVar file")
	samples, err := risk.SamplesOf(ctx, st, gs, people["patient"].Isikukood)
	if err != nil || len(samples) == 0 {
		t.Fatalf("the patient has no genotyped sample (%v)", err)
	}
	sample := samples[len(samples)-1]
	var carried []string
	for _, chrom := range []string{"chr1", "chr2", "chr10", "chr22"} {
		for rec, err := range gs.Region(ctx, permit, chrom, 1, 1<<40, []string{sample}) {
			if err != nil {
				t.Fatal(err)
			}
			if len(rec.Alts) != 1 || len(rec.Ref) != 1 || len(rec.Alts[0]) != 1 || len(carried) == 2 {
				continue
			}
			if alleles, _ := genome.DecodeGT(rec.Codes[0], nil); slices.Contains(alleles, 1) {
				carried = append(carried, fmt.Sprintf("%s\t%d\t%d\t%s\t%s\t.\t.\tCLNDN=Test_condition_TESTAD;CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Pathogenic;GENEINFO=TESTAD:1",
					strings.TrimPrefix(rec.Chrom, "chr"), rec.Pos, 900000+len(carried), rec.Ref, rec.Alts[0]))
			}
		}
	}
	if len(carried) == 0 {
		t.Fatalf("sample %s carries no stored ALT allele", sample)
	}
	slices.Sort(carried)
	head := "##fileformat=VCFv4.1\n##reference=GRCh38\n##INFO=<ID=CLNDN,Number=.,Type=String,Description=\"d\">\n##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description=\"r\">\n" +
		"##INFO=<ID=CLNSIG,Number=.,Type=String,Description=\"s\">\n##INFO=<ID=GENEINFO,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
	gl, err := findings.ParseGeneList(strings.NewReader("TESTAD\tAD\n"), "genes.tsv")
	if err != nil {
		t.Fatal(err)
	}
	cv, err := findings.ReadClinVarFrom(strings.NewReader(head+strings.Join(carried, "\n")+"\n"), "clinvar.vcf", gl)
	if err != nil {
		t.Fatal(err)
	}
	return &portal.Findings{ClinVar: cv, Genes: gl}
}

// TestRiskSectionEstonian: the Estonian genome page says the risk section
// (its headings and each score's sentences, the reason for a withheld
// percentile included) in Estonian: no English catalogue string, no
// English score sentence and no English word is left in it but the
// score's own name and trait (data of the scoring file).
func TestRiskSectionEstonian(t *testing.T) {
	e := newEnv(t, envConfig{before: scoreStore})
	patient := e.People["patient"].Isikukood
	c := e.loggedIn(t, patient)
	_, en := e.get(t, c, "/portal/p/"+patient+"/genome?lang=en")
	_, et := e.get(t, c, "/portal/p/"+patient+"/genome?lang=et")
	enSec, etSec := riskSectionText(t, en), riskSectionText(t, et)
	if !strings.Contains(enSec, "No percentile is given") && !strings.Contains(enSec, "standard deviations") {
		t.Fatalf("the English risk section has no score sentence: %q", enSec)
	}
	for _, want := range []string{"Polügeensed riskiskoorid", "Skoor: ", "Mida see ei tähenda", "variandist"} {
		if !strings.Contains(etSec, want) {
			t.Errorf("the Estonian risk section lacks %q: %q", want, etSec)
		}
	}
	for _, sentence := range regexp.MustCompile(`[.:;]\s+`).Split(enSec, -1) {
		if len(sentence) > 12 && !strings.Contains(sentence, "TESTPRS") && strings.Contains(etSec, sentence) {
			t.Errorf("the Estonian risk section says in English: %q", sentence)
		}
	}
	low := strings.ToLower(etSec)
	for _, w := range []string{"the ", "score", "variants", "percentile", "cohort", "people", "missing", "genotype ", "what ", "not given", "computed", "version"} {
		if strings.Contains(low, w) {
			t.Errorf("the Estonian risk section says %q: %q", w, etSec)
		}
	}
}

// riskSectionText is the text of a genome page's risk section, tags,
// the figure and the synthetic score's trait (scoring file data) left out.
func riskSectionText(t *testing.T, page string) string {
	t.Helper()
	from, to := strings.Index(page, `<h2 id="risk">`), strings.Index(page, `<h2 id="findings">`)
	if from < 0 || to < from {
		t.Fatalf("no risk section in %s", page)
	}
	s := page[from:to]
	s = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(s, " ")
	s = strings.ReplaceAll(s, "synthetic demonstration trait (not a published score)", "")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}
