package rules_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// These tests run outside-call lines through calling and the rules, end to
// end: the notation a lab writes must give the guideline's answer, and a
// result the engine cannot read must give an honest unknown.

var (
	bothOnce   sync.Once
	bothDB     *alleles.DB
	bothCaller *calling.Caller
	bothEngine *rules.Engine
	bothErr    error
)

// loadBoth loads the allele data, a caller and the rule engine once for
// every test of the package.
func loadBoth(t testing.TB) (*calling.Caller, *rules.Engine) {
	t.Helper()
	bothOnce.Do(func() {
		if bothDB, bothErr = alleles.Load(); bothErr != nil {
			return
		}
		if bothCaller, bothErr = calling.New(bothDB, calling.Config{}); bothErr != nil {
			return
		}
		bothEngine, bothErr = rules.LoadEmbedded()
	})
	if bothErr != nil {
		t.Fatal(bothErr)
	}
	return bothCaller, bothEngine
}

// notCovered is a sample with no genotype at any position.
func notCovered(c *calling.Caller) [][]genome.Genotype {
	out := make([][]genome.Genotype, len(c.Loci()))
	for i, l := range c.Loci() {
		out[i] = []genome.Genotype{{Chrom: l.Chrom, Pos: l.Pos, State: genome.NotCovered}}
	}
	return out
}

// outsideCalls calls a sample given only outside-call lines ("GENE\tdip\tpheno").
func outsideCalls(t *testing.T, c *calling.Caller, lines ...string) pharmacogenomics.SampleCalls {
	t.Helper()
	ocs, err := calling.ParseOutsideCalls(strings.NewReader(strings.Join(lines, "\n")+"\n"), "outside.tsv")
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.CallGenotypes(calling.Subject{Sample: "S", Outside: ocs}, notCovered(c))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// answers summarises recommendations as "BODY action" (ruleless: "- action"), sorted.
func answers(recs []rules.Recommendation) []string {
	var out []string
	for _, r := range recs {
		body := "-"
		if r.Guideline != nil {
			body = r.Guideline.Body
		}
		if a := body + " " + r.Action; !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

func ruleIDs(recs []rules.Recommendation) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.RuleID+" "+r.Action)
	}
	return out
}

func recommend(t *testing.T, e *rules.Engine, s pharmacogenomics.SampleCalls, drug string) []rules.Recommendation {
	t.Helper()
	recs, err := e.Recommend(context.Background(), s, rules.Patient{}, drug)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// hlaNotations spells a carrier of risk (with *08:01 as the other allele)
// in every notation the issue names; "R" stands for the risk allele's two
// fields ("57:01"), "L" for the locus letter.
var hlaNotations = []struct{ name, dip, pheno string }{
	{"prefixed", "HLA-{L}*{R}/HLA-{L}*08:01", ""},
	{"locus only", "{L}*{R}/{L}*08:01", ""},
	{"star", "*{R}/*08:01", ""},
	{"bare fields", "{R}/08:01", ""},
	{"lower case", "hla-{l}*{R}/hla-{l}*08:01", ""},
	{"three fields", "*{R}:01/*08:01:01", ""},
	{"four fields", "HLA-{L}*{R}:01:02/HLA-{L}*08:01:01:01", ""},
	{"G group", "*{R}:01G/*08:01:01G", ""},
	{"P group", "*{R}P/*08:01P", ""},
	{"expression suffix L", "*{R}:01:02L/*08:01", ""},
	{"expression suffix Q", "*{R}:01:02Q/*08:01", ""},
	{"phenotype line in diplotype column", "HLA-{L}*{R} positive", ""},
	{"phenotype line in phenotype column", "", "HLA-{L}*{R} positive"},
	{"phenotype line lower case", "", "{l}*{R} Positive"},
	{"diplotype and agreeing phenotype", "*{R}/*08:01", "HLA-{L}*{R} positive"},
	{"one allele given", "HLA-{L}*{R}", ""},
}

// hlaDrugs are the HLA drugs of the issue with their risk allele.
var hlaDrugs = []struct{ drug, gene, allele string }{
	{"abacavir", "HLA-B", "57:01"},
	{"allopurinol", "HLA-B", "58:01"},
	{"carbamazepine", "HLA-B", "15:02"},
	{"oxcarbazepine", "HLA-B", "15:02"},
	{"phenytoin", "HLA-B", "15:02"},
	{"fosphenytoin", "HLA-B", "15:02"},
	{"carbamazepine", "HLA-A", "31:01"},
}

func spell(tmpl, gene, allele string) string {
	l := strings.TrimPrefix(gene, "HLA-")
	return strings.NewReplacer("{L}", l, "{l}", strings.ToLower(l), "{R}", allele).Replace(tmpl)
}

// TestHLANotationsEveryDrug: each notation × each HLA drug gives exactly the
// answer of the plain two-field diplotype, which must be an action (never
// usual dosing), and the gene shows as "HLA-B*57:01 positive".
func TestHLANotationsEveryDrug(t *testing.T) {
	c, e := loadBoth(t)
	for _, d := range hlaDrugs {
		plain := recommend(t, e, outsideCalls(t, c, d.gene+"\t*"+d.allele+"/*08:01"), d.drug)
		for _, r := range plain {
			if r.Action == rules.ActionStandard || r.Action == rules.ActionNoGenotype {
				t.Fatalf("%s %s*%s: plain diplotype gives %s (%s)", d.drug, d.gene, d.allele, r.Action, r.Text)
			}
		}
		for _, n := range hlaNotations {
			t.Run(d.drug+"/"+d.gene+"/"+n.name, func(t *testing.T) {
				line := d.gene + "\t" + spell(n.dip, d.gene, d.allele)
				if n.pheno != "" {
					line += "\t" + spell(n.pheno, d.gene, d.allele)
				}
				recs := recommend(t, e, outsideCalls(t, c, line), d.drug)
				if diff := cmp.Diff(ruleIDs(plain), ruleIDs(recs)); diff != "" {
					t.Errorf("%q: rules differ from the plain diplotype's (-plain +got):\n%s", line, diff)
				}
				want := d.gene + "*" + d.allele + " positive"
				for _, r := range recs {
					for _, g := range r.Genes {
						if g.Gene == d.gene && !strings.Contains(g.Phenotype, want) {
							t.Errorf("%q: %s shown as %q, want it to say %q", line, g.Gene, g.Phenotype, want)
						}
					}
				}
			})
		}
	}
}

// TestHLANegativeAndUnread: a non-carrier diplotype gives usual dosing only
// where the guideline says so; a statement about another allele, or a name
// that is not recognised, never gives usual dosing.
func TestHLANegativeAndUnread(t *testing.T) {
	c, e := loadBoth(t)
	tests := []struct {
		name, line, drug string
		want             []string
		text             string // a recommendation's text or gene phenotype must contain it
	}{
		{"non-carrier", "HLA-B\t*08:01/*44:02", "abacavir", []string{"CPIC standard"}, ""},
		{"negative line", "HLA-B\tHLA-B*57:01 negative", "abacavir", []string{"CPIC standard"}, "HLA-B*57:01 negative"},
		{"null allele is not the protein", "HLA-B\t*57:01:01:02N/*08:01", "abacavir", []string{"CPIC standard"}, ""},
		{"other allele's negative says nothing about *58:01", "HLA-B\tHLA-B*57:01 negative", "allopurinol",
			[]string{"CPIC no-genotype-recommendation", "DPWG no-genotype-recommendation"}, "HLA-B*58:01 not reported"},
		{"*15:02 negative leaves DPWG's *15:11 open", "HLA-B\t\tHLA-B*15:02 negative", "carbamazepine",
			[]string{"CPIC standard", "DPWG no-genotype-recommendation"}, "HLA-B*15:11 negative → no rule applies; HLA-B*15:11 positive → alternative-preferred"},
		{"two statements", "HLA-B\t\tHLA-B*57:01 negative; HLA-B*58:01 positive", "allopurinol", []string{"CPIC avoid", "DPWG alternative-preferred"}, "HLA-B*58:01 positive"},
		{"serological name", "HLA-B\tB57", "abacavir", []string{"- no-genotype-recommendation"}, "never taken as negative"},
		{"one field", "HLA-B\t*57/*08", "abacavir", []string{"- no-genotype-recommendation"}, "HLA-B not called"},
		{"other locus", "HLA-B\tHLA-C*07:01/*08:01", "abacavir", []string{"- no-genotype-recommendation"}, "names locus C"},
		{"unreadable phenotype", "HLA-B\t\tabnormal", "abacavir", []string{"- no-genotype-recommendation"}, "HLA-B not called"},
		{"five fields", "HLA-B\t*57:01:01:01:01/*08:01", "allopurinol", []string{"- no-genotype-recommendation"}, "HLA-B not called"},
		{"contradiction", "HLA-B\t*08:01/*44:02\tHLA-B*57:01 positive", "abacavir", []string{"- no-genotype-recommendation"}, "contradict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := recommend(t, e, outsideCalls(t, c, tt.line), tt.drug)
			if diff := cmp.Diff(tt.want, answers(recs)); diff != "" {
				t.Errorf("%q %s (-want +got):\n%s\n%v", tt.line, tt.drug, diff, recs)
			}
			if tt.text != "" && !mentions(recs, tt.text) {
				t.Errorf("%q %s: no recommendation says %q: %+v", tt.line, tt.drug, tt.text, recs)
			}
		})
	}
}

// mentions reports whether a recommendation's text, caveats or gene
// phenotypes contain sub.
func mentions(recs []rules.Recommendation, sub string) bool {
	for _, r := range recs {
		parts := append([]string{r.Text}, r.Caveats...)
		for _, g := range r.Genes {
			parts = append(parts, g.Phenotype)
		}
		for _, p := range parts {
			if strings.Contains(p, sub) {
				return true
			}
		}
	}
	return false
}

// TestCYP2D6Notations: copy-number notations and phenotype lines × codeine,
// tramadol and ondansetron.
func TestCYP2D6Notations(t *testing.T) {
	c, e := loadBoth(t)
	um := map[string][]string{
		"codeine":     {"CPIC avoid", "DPWG avoid"},
		"tramadol":    {"CPIC avoid", "DPWG alternative-preferred"},
		"ondansetron": {"CPIC alternative-preferred"},
	}
	// A phenotype without a score spans 2.5 (where DPWG makes no
	// recommendation) to ≥6: CPIC's answer holds throughout, DPWG's does not.
	umRange := map[string][]string{
		"codeine":     {"CPIC avoid", "DPWG no-genotype-recommendation"},
		"tramadol":    {"CPIC avoid", "DPWG no-genotype-recommendation"},
		"ondansetron": {"CPIC alternative-preferred"},
	}
	pm := map[string][]string{
		"codeine":     {"CPIC avoid", "DPWG monitor"},
		"tramadol":    {"CPIC avoid", "DPWG monitor"},
		"ondansetron": {"CPIC no-recommendation"},
	}
	im := map[string][]string{
		"codeine":     {"CPIC standard", "DPWG monitor"},
		"tramadol":    {"CPIC standard", "DPWG monitor"},
		"ondansetron": {"CPIC no-recommendation"},
	}
	unknown := map[string][]string{
		"codeine":     {"- no-genotype-recommendation"},
		"tramadol":    {"- no-genotype-recommendation"},
		"ondansetron": {"- no-genotype-recommendation"},
	}
	// *10/*10xN is 0.75 (Intermediate) with two copies, open-ended with
	// three or more: every guideline's answer is unknown.
	eachUnknown := map[string][]string{
		"codeine":     {"CPIC no-genotype-recommendation", "DPWG no-genotype-recommendation"},
		"tramadol":    {"CPIC no-genotype-recommendation", "DPWG no-genotype-recommendation"},
		"ondansetron": {"CPIC no-genotype-recommendation"},
	}
	tests := []struct {
		name, line string
		want       map[string][]string
		score      string // activity score shown, "" for none
	}{
		{"x≥3 (≥4.0 lookup key)", "CYP2D6\t*1/*1x≥3", um, "4"},
		{"x>=3", "CYP2D6\t*1/*1x>=3", um, "4"},
		{"X>=3 upper case", "CYP2D6\t*1/*1X>=3", um, "4"},
		{"x>2", "CYP2D6\t*1x>2/*1", um, "4"},
		{"x2", "CYP2D6\t*1x2/*1", um, "3"},
		{"xN, both readings ultrarapid", "CYP2D6\t*1/*2xN", um, ""},
		{"*4x2 no function", "CYP2D6\t*4/*4x2", pm, "0"},
		{"*4x2 with *1", "CYP2D6\t*1/*4x2", im, "1"},
		{"≥4.0 activity column", "CYP2D6\t\tUltrarapid Metabolizer\t≥4.0", um, "4"},
		{"phenotype only", "CYP2D6\t\tUltrarapid Metabolizer", umRange, ""},
		{"phenotype only, lower case", "CYP2D6\t\tultrarapid metabolizer", umRange, ""},
		{"phenotype only, upper case, British", "CYP2D6\t\tULTRARAPID METABOLISER", umRange, ""},
		{"poor phenotype only", "CYP2D6\t\tpoor metabolizer", pm, "0"},
		{"diplotype contradicts phenotype", "CYP2D6\t*1/*2\tUltrarapid Metabolizer", unknown, ""},
		{"score contradicts phenotype", "CYP2D6\t\tNormal Metabolizer\t3.0", unknown, ""},
		{"xN spanning two phenotypes", "CYP2D6\t*10/*10xN", eachUnknown, ""},
		{"xN written back with its Indeterminate phenotype", "CYP2D6\t*10/*10xN\tIndeterminate", eachUnknown, ""},
	}
	for _, tt := range tests {
		for _, drug := range []string{"codeine", "tramadol", "ondansetron"} {
			t.Run(tt.name+"/"+drug, func(t *testing.T) {
				recs := recommend(t, e, outsideCalls(t, c, tt.line), drug)
				if diff := cmp.Diff(tt.want[drug], answers(recs)); diff != "" {
					t.Errorf("%q %s (-want +got):\n%s\n%+v", tt.line, drug, diff, recs)
				}
				for _, r := range recs {
					for _, g := range r.Genes {
						got := ""
						if g.ActivityScore != nil {
							got = strconv.FormatFloat(*g.ActivityScore, 'f', -1, 64)
						}
						if got != tt.score {
							t.Errorf("%q: activity score shown %q, want %q", tt.line, got, tt.score)
						}
					}
				}
			})
		}
	}
}

// TestCheckOutsideRefusesContradictions: the file check refuses a line whose
// diplotype and phenotype contradict each other, naming file and line.
func TestCheckOutsideRefusesContradictions(t *testing.T) {
	c, _ := loadBoth(t)
	for _, in := range []string{
		"CYP2D6\t*1/*2\tUltrarapid Metabolizer\n",
		"CYP2D6\t*1/*1x≥3\tNormal Metabolizer\n",
		"CYP2D6\t\tPoor Metabolizer\t2.0\n",
		"HLA-B\t*08:01/*44:02\tHLA-B*57:01 positive\n",
		"CYP2C19\t*2/*2\tNormal Metabolizer\n",
	} {
		ocs, err := calling.ParseOutsideCalls(strings.NewReader(in), "o.tsv")
		if err != nil {
			t.Fatal(err)
		}
		err = c.CheckOutside(ocs, "o.tsv")
		var pe *calling.ParseError
		if !errors.As(err, &pe) || !errors.Is(err, calling.ErrContradiction) || pe.Line != 1 {
			t.Errorf("%q: err = %v, want a *ParseError at line 1 wrapping ErrContradiction", in, err)
		}
	}
	ocs, _ := calling.ParseOutsideCalls(strings.NewReader("CYP2D6\t*1/*2\tnormal metabolizer\nHLA-B\t*57:01/*08:01\tHLA-B*57:01 positive\n"), "o.tsv")
	if err := c.CheckOutside(ocs, "o.tsv"); err != nil {
		t.Errorf("agreeing lines refused: %v", err)
	}
}
