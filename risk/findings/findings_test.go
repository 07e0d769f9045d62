package findings

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synth/synthstore"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// biobank is a small synthetic biobank in a store, with clinical records
// and consents.
type biobank struct {
	dir string
	st  *store.Store
	gs  *genotypes.Store
	// sampleOf maps person → sample; consent lists people by whether they
	// consented to secondary findings.
	sampleOf map[string]string
	consent  map[bool][]string
	at       time.Time
}

func newBiobank(t *testing.T) *biobank {
	t.Helper()
	ctx := context.Background()
	fix := synthstore.New(t, synthstore.Config{Synth: synth.Config{People: 80, Seed: 5, BackgroundSites: 400}})
	dir, st := fix.Dir, fix.Store
	gs, err := genotypes.FromStore(st)
	if err != nil {
		t.Fatal(err)
	}
	b := &biobank{dir: dir, st: st, gs: gs, sampleOf: map[string]string{}, consent: map[bool][]string{}, at: time.Now()}
	d, err := access.LoadDirectory(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	persons := map[string]bool{}
	// person ↔ sample through the store's own map.
	all, err := allPersons(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range all {
		ss, err := risk.SamplesOf(ctx, st, gs, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(ss) == 0 || persons[p] {
			continue
		}
		persons[p] = true
		b.sampleOf[p] = ss[0]
		h, err := d.Consent(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		ok := false
		if h != nil {
			s := h.StateAt(b.at)
			ok = s.SecondaryFindings && !s.RecordClosed && !s.Withdrawn
		}
		b.consent[ok] = append(b.consent[ok], p)
	}
	slices.Sort(b.consent[true])
	slices.Sort(b.consent[false])
	if len(b.consent[true]) == 0 || len(b.consent[false]) == 0 {
		t.Fatalf("synthetic biobank lacks people with and without consent: %d / %d", len(b.consent[true]), len(b.consent[false]))
	}
	return b
}

func allPersons(ctx context.Context, st *store.Store) ([]string, error) {
	var out []string
	err := rows.Scan(ctx, st, "biobank_samples", []string{"person_id"}, func(r *rows.Row) error {
		out = append(out, r.Str(0))
		return nil
	})
	slices.Sort(out)
	return slices.Compact(out), err
}

// clinvarFor writes a ClinVar-format VCF whose assertions sit on the
// store's own biallelic SNVs of one chromosome: per site one record, in
// turn for gene ADGENE (dominant), ARGENE (recessive), OTHER (not listed),
// a benign one and a zero-star one, plus an assertion at a position the
// store does not cover.
func clinvarFor(t *testing.T, b *biobank) string {
	t.Helper()
	var lines []string
	kinds := []string{"AD", "AR", "OTHER", "BENIGN", "NOSTAR"}
	n := 0
	chrom := "chr1"
	permit, err := access.OpenSteward(context.Background(), b.gs.Base(), access.StewardAccess{Actor: "test-steward", Scope: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for rec, err := range b.gs.Region(context.Background(), permit, chrom, 1, math.MaxInt64, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Alts) != 1 || len(rec.Ref) != 1 || len(rec.Alts[0]) != 1 {
			continue
		}
		gene, sig, rev := "ADGENE", "Pathogenic", "criteria_provided,_single_submitter"
		switch kinds[n%len(kinds)] {
		case "AR":
			gene, sig, rev = "ARGENE", "Likely_pathogenic", "reviewed_by_expert_panel"
		case "OTHER":
			gene = "OTHER"
		case "BENIGN":
			sig = "Benign"
		case "NOSTAR":
			rev = "no_assertion_criteria_provided"
		}
		lines = append(lines, fmt.Sprintf("%s\t%d\t%d\t%s\t%s\t.\t.\tALLELEID=%d;CLNDN=Test_condition_%s;CLNREVSTAT=%s;CLNSIG=%s;GENEINFO=%s:%d",
			strings.TrimPrefix(chrom, "chr"), rec.Pos, 1000+n, rec.Ref, rec.Alts[0], n, gene, rev, sig, gene, 100+n))
		n++
		if n == 60 {
			break
		}
	}
	lines = append(lines, "1\t248000000\t9999\tA\tG\t.\t.\tCLNDN=Uncovered;CLNREVSTAT=criteria_provided,_single_submitter;CLNSIG=Pathogenic;GENEINFO=ADGENE:1")
	head := `##fileformat=VCFv4.1
##reference=GRCh38
##INFO=<ID=ALLELEID,Number=1,Type=Integer,Description="the ClinVar Allele ID">
##INFO=<ID=CLNDN,Number=.,Type=String,Description="ClinVar's preferred disease name">
##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description="ClinVar review status">
##INFO=<ID=CLNSIG,Number=.,Type=String,Description="Clinical significance">
##INFO=<ID=GENEINFO,Number=1,Type=String,Description="Gene(s)">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO
`
	p := filepath.Join(t.TempDir(), "clinvar.vcf")
	if err := os.WriteFile(p, []byte(head+strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func geneList(t *testing.T) *GeneList {
	g, err := ParseGeneList(strings.NewReader("# test list\nADGENE\tAD\nARGENE\tAR\n"), "genes.tsv")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestFindingsUnderConsent(t *testing.T) {
	ctx := context.Background()
	b := newBiobank(t)
	genes := geneList(t)
	cv, err := ReadClinVar(clinvarFor(t, b), genes)
	if err != nil {
		t.Fatal(err)
	}
	if cv.NotPathogenic == 0 || cv.BelowOneStar == 0 || cv.OtherGenes == 0 || len(cv.Assertions) < 20 {
		t.Fatalf("ClinVar file: %+v", cv)
	}
	// Find a consenting person with at least one reportable finding and
	// compare with their genotypes read directly.
	var got *Result
	for _, p := range b.consent[true] {
		r, err := ForPerson(ctx, b.dir, cv, genes, Request{Actor: access.Actor{ID: p, Role: access.Patient}, Person: p, At: b.at})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(r.Findings) > 0 && len(r.Carriers) > 0 {
			got = r
			break
		}
	}
	if got == nil {
		t.Fatal("no consenting person with both a finding and a carrier status")
	}
	loci := make([]genome.Locus, len(cv.Assertions))
	for i, a := range cv.Assertions {
		loci[i] = genome.Locus{Chrom: a.Chrom, Pos: a.Pos}
	}
	permit, err := access.OpenSteward(ctx, b.gs.Base(), access.StewardAccess{Actor: "test-steward", Scope: "test", Samples: got.Samples[:1]})
	if err != nil {
		t.Fatal(err)
	}
	gts, err := b.gs.Lookup(ctx, permit, got.Samples[0], loci)
	if err != nil {
		t.Fatal(err)
	}
	wantCarried := 0
	for i, a := range cv.Assertions {
		for _, g := range gts[i] {
			if g.Pos == a.Pos && slices.Contains(g.Alleles, 1) {
				wantCarried++
			}
		}
	}
	if n := len(got.Findings) + len(got.Carriers); n != wantCarried {
		t.Errorf("%d findings + carriers, the genotypes carry %d", n, wantCarried)
	}
	for _, f := range got.Findings {
		if f.Gene == "ARGENE" && f.Copies < 2 && !strings.Contains(f.Note, "compound") {
			t.Errorf("recessive finding with one copy: %+v", f)
		}
	}
	for _, f := range got.Carriers {
		if f.Gene != "ARGENE" || f.Copies != 1 {
			t.Errorf("carrier %+v", f)
		}
	}
	if len(got.NotAssessed) != 1 || got.NotAssessed[0].Condition != "Uncovered" {
		t.Errorf("not assessed: %+v (want the uncovered assertion, never read as absent)", got.NotAssessed)
	}
	if len(got.Decisions) != 2 || !got.Decisions[1].Allowed || got.Decisions[1].AuditIndex == 0 {
		t.Errorf("decisions %+v", got.Decisions)
	}
}

// TestFindingsAccessAttacks: without consent, another person, a
// researcher, a steward, a professional with a wrong licence: refused, and
// every refusal is in the audit log.
func TestFindingsAccessAttacks(t *testing.T) {
	ctx := context.Background()
	b := newBiobank(t)
	genes := geneList(t)
	cv, err := ReadClinVar(clinvarFor(t, b), genes)
	if err != nil {
		t.Fatal(err)
	}
	yes, no := b.consent[true][0], b.consent[false][0]
	tests := []struct {
		name string
		req  Request
		err  error
	}{
		{"no consent to secondary findings", Request{Actor: access.Actor{ID: no, Role: access.Patient}, Person: no}, ErrDenied},
		{"someone else's findings", Request{Actor: access.Actor{ID: no, Role: access.Patient}, Person: yes}, ErrDenied},
		{"researcher", Request{Actor: access.Actor{ID: "r1", Role: access.Researcher}, Person: yes}, ErrRole},
		{"steward", Request{Actor: access.Actor{ID: "s1", Role: access.Steward}, Person: yes}, ErrRole},
		{"batch job", Request{Actor: access.Actor{ID: "job", Role: access.Batch}, Person: yes}, ErrRole},
		{"wrong licence", Request{Actor: access.Actor{ID: "pr-00001", Role: access.Professional, Licence: "D00000"}, Person: yes}, ErrDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.At = b.at
			res, err := ForPerson(ctx, b.dir, cv, genes, tt.req)
			if !errors.Is(err, tt.err) || res != nil {
				t.Fatalf("got %v, %v; want %v", res, err, tt.err)
			}
		})
	}
	log, err := audit.Open(b.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	entries, err := log.ByPerson(ctx, no)
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, e := range entries {
		if !e.Allowed && (e.Purpose == string(access.SecondaryFindings) || e.Purpose == string(access.Self)) {
			denied++
		}
	}
	if denied == 0 {
		t.Errorf("refusal for %s not logged: %+v", no, entries)
	}
}

func TestReadClinVarErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"no CLNSIG", "##fileformat=VCFv4.1\n##INFO=<ID=GENEINFO,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t5\t1\tA\tG\t.\t.\tGENEINFO=X:1\n",
			"cv.vcf:3: INFO: findings: not a ClinVar-format VCF: the header declares no INFO CLNSIG"},
		{"two ALTs", "##fileformat=VCFv4.1\n##INFO=<ID=CLNSIG,Number=.,Type=String,Description=\"s\">\n##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description=\"r\">\n##INFO=<ID=GENEINFO,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n1\t5\t1\tA\tG,T\t.\t.\tCLNSIG=Pathogenic;CLNREVSTAT=reviewed_by_expert_panel;GENEINFO=X:1\n",
			"cv.vcf:6: ALT: want one ALT allele per ClinVar record, got 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadClinVarFrom(strings.NewReader(tt.text), "cv.vcf", nil)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %v, want prefix %q", err, tt.want)
			}
		})
	}
	if _, err := ParseGeneList(strings.NewReader("BRCA1\tAD\nMUTYH\tXX\n"), "g.tsv"); err == nil || err.Error() != `g.tsv:2: gene MUTYH: inheritance "XX": want AD, AR, XL or SD` {
		t.Errorf("gene list error %v", err)
	}
}

func TestStarsAndSignificance(t *testing.T) {
	for _, tt := range []struct {
		rev   string
		stars int
	}{
		{"practice_guideline", 4}, {"reviewed_by_expert_panel", 3},
		{"criteria_provided,_multiple_submitters,_no_conflicts", 2}, {"criteria_provided,_single_submitter", 1},
		{"criteria_provided,_conflicting_classifications", 1}, {"no_assertion_criteria_provided", 0}, {"no_classification_provided", 0},
	} {
		if got := Stars(tt.rev); got != tt.stars {
			t.Errorf("Stars(%q) = %d, want %d", tt.rev, got, tt.stars)
		}
	}
	for sig, want := range map[string]bool{"Pathogenic": true, "Likely_pathogenic": true, "Pathogenic/Likely_pathogenic": true,
		"Pathogenic|risk_factor": true, "Conflicting_classifications_of_pathogenicity": false, "Benign": false, "Uncertain_significance": false, "risk_factor|Pathogenic": false} {
		if got := PathogenicOrLikely(sig); got != want {
			t.Errorf("PathogenicOrLikely(%q) = %v", sig, got)
		}
	}
}

// TestClassifyWhy: each carried P/LP variant gets the explanation its
// inheritance and copies call for, and only those that meet the inheritance
// are reportable.
func TestClassifyWhy(t *testing.T) {
	f := func(gene string, inh Inheritance, copies int, zyg string) Finding {
		return Finding{Assertion: Assertion{Gene: gene}, Inheritance: inh, Copies: copies, Zygosity: zyg}
	}
	carried := []Finding{
		f("AR1", Recessive, 2, "homozygous"),
		f("AR2", Recessive, 1, "heterozygous"), f("AR2", Recessive, 1, "heterozygous"),
		f("AR3", Recessive, 1, "heterozygous"),
		f("XL1", XLinked, 1, "hemizygous"),
		f("XL2", XLinked, 1, "heterozygous"),
		f("AD1", Dominant, 1, "heterozygous"),
		f("SD1", SemiDominant, 1, "heterozygous"),
	}
	want := map[string]Why{"AR1": WhyHomozygousRecessive, "AR2": WhyCompoundRecessive, "AR3": WhyCarrier,
		"XL1": WhyXLinked, "XL2": WhyXLinkedHeterozygous, "AD1": WhyDominant, "SD1": WhyDominant}
	reportable, carriers := classify(carried)
	if len(reportable) != 7 || len(carriers) != 1 || carriers[0].Gene != "AR3" {
		t.Fatalf("%d reportable, carriers %+v: want 7 and AR3", len(reportable), carriers)
	}
	for _, g := range append(reportable, carriers...) {
		if g.Why != want[g.Gene] || g.Reportable == (g.Why == WhyCarrier) || g.Note == "" {
			t.Errorf("%s: why %q, reportable %v, note %q; want why %q", g.Gene, g.Why, g.Reportable, g.Note, want[g.Gene])
		}
		if !slices.Contains(Whys, g.Why) {
			t.Errorf("%s: why %q not in Whys", g.Gene, g.Why)
		}
	}
}
