package report

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

var update = flag.Bool("update", false, "rewrite golden files")

var drugs = []string{"clopidogrel", "warfarin", "simvastatin", "codeine", "azathioprine", "mercaptopurine", "capecitabine", "metoprolol"}

func load(t *testing.T, dir string) (pharmacogenomics.CallSet, map[string][]rules.Recommendation) {
	t.Helper()
	var cs pharmacogenomics.CallSet
	var patients map[string]rules.Patient
	for name, v := range map[string]any{"calls.json": &cs, "patients.json": &patients} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// drugs.json, when present, gives each sample's drugs.
	perSample := map[string][]string{}
	if data, err := os.ReadFile(filepath.Join(dir, "drugs.json")); err == nil {
		if err := json.Unmarshal(data, &perSample); err != nil {
			t.Fatalf("drugs.json: %v", err)
		}
	}
	eng, err := rules.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	recs, err := eng.RecommendSet(context.Background(), cs, patients, drugs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range cs.Samples {
		if ds, ok := perSample[s.Sample]; ok {
			r, err := eng.Recommend(context.Background(), s, patients[s.Sample], ds...)
			if err != nil {
				t.Fatal(err)
			}
			for i := range r {
				r[i].CallDataVersion = cs.DataVersion
			}
			recs[s.Sample] = r
		}
	}
	return cs, recs
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if d := cmp.Diff(string(want), string(got)); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", path, d)
	}
}

func TestGolden(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/*/calls.json")
	if len(dirs) == 0 {
		t.Fatal("no golden cases")
	}
	for _, c := range dirs {
		dir := filepath.Dir(c)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			cs, recs := load(t, dir)
			var samples []string
			for _, s := range cs.Samples {
				samples = append(samples, s.Sample)
			}
			var h, tsv, js bytes.Buffer
			if err := WriteHTML(&h, cs, recs); err != nil {
				t.Fatal(err)
			}
			if err := WriteTSV(&tsv, samples, recs); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&js, samples, recs); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join(dir, "report.html"), h.Bytes())
			checkGolden(t, filepath.Join(dir, "recommendations.tsv"), tsv.Bytes())
			checkGolden(t, filepath.Join(dir, "recommendations.json"), js.Bytes())
			// Self-contained: no external assets, no scripts.
			for _, bad := range []string{"<script", "<link", "src=", "@import", "url("} {
				if strings.Contains(h.String(), bad) {
					t.Errorf("HTML contains %q", bad)
				}
			}
		})
	}
}

func TestHTMLContent(t *testing.T) {
	cs, recs := load(t, "testdata/three_patients")
	var h bytes.Buffer
	if err := WriteHTML(&h, cs, recs); err != nil {
		t.Fatal(err)
	}
	s := h.String()
	for _, want := range []string{
		"TPMT call is ambiguous: *1/*3A or *3B/*3C fit the data equally well",
		"too few CYP2C19 positions genotyped",
		"CYP2D6 phenotype converted from Intermediate Metabolizer (activity score 1) to Poor Metabolizer (activity score 0) because the patient takes bupropion",
		"Predicted weekly dose:",
		"no genotype-based recommendation: CYP2C19 not called",
		"No outside call was given for these genes",
		"chr1:97515787",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

// TestHTMLLayout checks the order issue 9 asks for: a top box with every
// drug to avoid and every dose change, then other actions, then usual
// dosing collapsed; each gene's caveats stated once; every recommendation
// naming its guideline, publication year and data date.
func TestHTMLLayout(t *testing.T) {
	cs, recs := load(t, "testdata/three_patients")
	var h bytes.Buffer
	if err := WriteHTML(&h, cs, recs); err != nil {
		t.Fatal(err)
	}
	s := h.String()
	ee1002 := s[strings.Index(s, "Sample EE1002"):strings.Index(s, "Sample EE1003")]
	order := []string{"Act on these first", "Dose changes:", "azathioprine", "capecitabine", "<h3>Genes</h3>",
		"Drugs to act on", "Other actions", "<details>", "Usual dosing"}
	at := 0
	for _, w := range order {
		i := strings.Index(ee1002[at:], w)
		if i < 0 {
			t.Fatalf("EE1002: %q missing or out of order", w)
		}
		at += i
	}
	// Stated once, however many drugs use the gene.
	for _, once := range []string{"TPMT call is ambiguous: *1/*3A or *3B/*3C fit the data equally well",
		"CYP2C9 not called (not in the call set); the recommendation does not use CYP2C9"} {
		if n := strings.Count(ee1002, once); n != 1 {
			t.Errorf("EE1002: %q stated %d times, want once", once, n)
		}
	}
	ee1001 := s[strings.Index(s, "Sample EE1001"):strings.Index(s, "Sample EE1002")]
	top := ee1001[:strings.Index(ee1001, "<h3>Genes</h3>")]
	for _, want := range []string{"Avoid, or choose another drug:", "<strong>codeine</strong>", "<strong>simvastatin</strong>", "<strong>warfarin</strong>"} {
		if !strings.Contains(top, want) {
			t.Errorf("EE1001 top box lacks %q", want)
		}
	}
	for _, want := range []string{"CPIC: TPMT-NUDT15-thiopurines 2025 update", "published 2025; data 2026-02", "published 2022; data 2024-03-25"} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}

func TestHTMLEscaping(t *testing.T) {
	cs := pharmacogenomics.CallSet{DataVersion: `v"1`, Samples: []pharmacogenomics.SampleCalls{{
		Sample: `<script>alert("x")</script>`,
		Notes:  []string{`a & b <i>`},
		Genes: []pharmacogenomics.GeneCall{{Gene: "CYP2C19", Called: true, Diplotypes: []string{"*1/<b>"},
			Phenotype: "Normal Metabolizer", Notes: []string{`"quoted" <note>`}}},
	}}}
	recs := map[string][]rules.Recommendation{cs.Samples[0].Sample: {{
		Sample: cs.Samples[0].Sample, Drug: "x<y", Action: rules.ActionAvoid, Text: "</p><script>bad()</script>",
		Guideline: &rules.Guideline{Name: "G<1>", URL: "javascript:alert(1)"}, Caveats: []string{"<img src=x>"},
	}}}
	var h bytes.Buffer
	if err := WriteHTML(&h, cs, recs); err != nil {
		t.Fatal(err)
	}
	s := h.String()
	for _, bad := range []string{"<script>", "<b>", "<i>", "<note>", "<img", "javascript:alert"} {
		if strings.Contains(s, bad) {
			t.Errorf("unescaped %q in output", bad)
		}
	}
	for _, want := range []string{"&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "a &amp; b &lt;i&gt;", "#ZgotmplZ"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks escaped %q", want)
		}
	}
}

func TestTSVFieldsClean(t *testing.T) {
	recs := map[string][]rules.Recommendation{"s": {{Sample: "s", Drug: "d", Text: "a\tb\nc", Caveats: []string{"x", "y"}}}}
	var b bytes.Buffer
	if err := WriteTSV(&b, nil, recs); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2", len(lines))
	}
	if n, want := len(strings.Split(lines[1], "\t")), len(strings.Split(TSVHeader, "\t")); n != want {
		t.Errorf("%d fields, want %d", n, want)
	}
	if !strings.Contains(lines[1], "a b c") || !strings.Contains(lines[1], "x | y") {
		t.Errorf("line %q", lines[1])
	}
}

// TestIssue9Patients pins what the three realistic patients of
// testdata/issue9_patients must be told first.
func TestIssue9Patients(t *testing.T) {
	cs, recs := load(t, "testdata/issue9_patients")
	var h bytes.Buffer
	if err := WriteHTML(&h, cs, recs); err != nil {
		t.Fatal(err)
	}
	s := h.String()
	section := func(sample string) string {
		i := strings.Index(s, "Sample "+sample)
		j := strings.Index(s[i+1:], "<h2>Sample ")
		if j < 0 {
			return s[i:]
		}
		return s[i : i+1+j]
	}
	top := func(sample string) string {
		sec := section(sample)
		return sec[:strings.Index(sec, "<h3>Genes</h3>")]
	}
	tests := []struct{ sample, where, want string }{
		// Colorectal cancer, DPYD *2A carrier, CYP2D6 poor, slow acetylator.
		{"EE2001", "top", "<strong>capecitabine</strong> (CPIC): Start capecitabine at half the usual dose"},
		{"EE2001", "top", "<strong>hydralazine</strong> (CPIC; adults with resistant hypertension): Slow acetylator"},
		{"EE2001", "all", "The guideline does not put this as &#34;reduce-dose&#34;; that category is varamu&#39;s reading of it. Act on the wording."},
		// African ancestry on warfarin: CYP2C9 *1/*8 and rs12777823 G/A.
		{"EE2002", "top", "expected maintenance dose about 24.1-35.1 mg per week (algorithm alone 45.9 mg)"},
		{"EE2002", "all", "strength: moderate"},
		{"EE2002", "top", "<strong>peginterferon alfa-2a</strong> (CPIC): Unfavourable response genotype"},
		// Child with leukaemia, NUDT15 poor metabolizer.
		{"EE2003", "top", "<strong>mercaptopurine</strong> (DPWG): Do not use mercaptopurine"},
		{"EE2003", "top", "<strong>mercaptopurine</strong> (CPIC): Malignancy: start mercaptopurine at one tenth of the usual dose given 3 days a week"},
		{"EE2003", "all", "no genotype-based recommendation: CYP2D6 not called"},
	}
	for _, tt := range tests {
		where := section(tt.sample)
		if tt.where == "top" {
			where = top(tt.sample)
		}
		if !strings.Contains(where, tt.want) {
			t.Errorf("%s %s lacks %q", tt.sample, tt.where, tt.want)
		}
	}
	// Unknown is never usual dosing: ondansetron without CYP2D6 is under
	// other actions, not in the collapsed usual-dosing table.
	sec := section("EE2003")
	if i, j := strings.Index(sec, "Other actions"), strings.Index(sec, "<h4>ondansetron</h4>"); i < 0 || j < i {
		t.Error("EE2003: ondansetron (CYP2D6 not given) is not under other actions")
	}
}

// TestHTMLNamesAlternativesAndUntested: what a call carries about its
// possible readings and untested alleles is named in the gene table.
func TestHTMLNamesAlternativesAndUntested(t *testing.T) {
	im, pm := "Intermediate Metabolizer", "Poor Metabolizer"
	cs := pharmacogenomics.CallSet{Samples: []pharmacogenomics.SampleCalls{{Sample: "S", Genes: []pharmacogenomics.GeneCall{
		{Gene: "TPMT", Called: true, Diplotypes: []string{"*1/*3A"}, Phenotype: im, Uncertain: true,
			Alternatives: []pharmacogenomics.Alternative{{Diplotypes: []string{"*1/*3A"}, Phenotype: im, Assumed: true}, {Diplotypes: []string{"*3B/*3C"}, Phenotype: pm}}},
		{Gene: "DPYD", Called: true, Diplotypes: []string{"Reference/Reference"}, Phenotype: "Normal Metabolizer",
			Untested: []string{"c.1905+1G>A (*2A) at chr1:97450058"}},
	}}}}
	var h bytes.Buffer
	if err := WriteHTML(&h, cs, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"TPMT could be read 2 ways: *1/*3A → Intermediate Metabolizer (reported); *3B/*3C → Poor Metabolizer",
		"DPYD not tested (a position defining them was not genotyped): c.1905&#43;1G&gt;A (*2A) at chr1:97450058",
	} {
		if !strings.Contains(h.String(), want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
