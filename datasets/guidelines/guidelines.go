// Package guidelines builds varamu's pharmacogenomic rule file (format
// rules.FormatVersion) from published guideline facts:
//
//   - CPIC and DPWG guideline annotations as structured data (PharmGKB,
//     via the PharmCAT repository at 0c6123b6, 2024-03-25): the lookup keys
//     (gene → phenotype, activity score or allele status), strengths,
//     populations and drugs are used as facts. Their prose (CC BY-SA) is NOT
//     copied: each recommendation is classified into an action category and
//     given varamu's own wording, with the guideline id, URL and PMIDs.
//   - The CPIC summary table (CC0): action categories, and the rows that
//     varamu's own wording (wording.tsv, in this package) rewrites for
//     clinicians.
//   - The IWPC warfarin algorithm coefficients (Klein et al. 2009).
//   - varamu's curated phenoconversion list (phenoconversion.tsv).
//   - The CPIC and DPWG recommendations published or changed after
//     2024-03-25 (guidelines/recommendations-2024-2026.tsv, data state
//     2026-02): each row gets varamu's CEL condition and wording from
//     updates-2024-2026.tsv; every older rule of the same body for a drug the
//     table covers is retired (listed in the file's retired section, never
//     evaluated beside the new).
//   - Rules for guidelines whose annotation carries no machine-readable
//     recommendations (IFNL3 and peginterferon/ribavirin, CPIC 2014) from
//     supplement.tsv, and each drug's ATC codes from atc.tsv.
//
// Every guideline records its publication year (newest citation) and the
// date of the data its rules were read from.
//
// The output is deterministic; its DataVersion ends in a hash of the content.
// Run it with `go generate ./pharmacogenomics/rules`.
package guidelines

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// Revision is bumped whenever the generator's logic changes the output.
const Revision = "r2"

//go:embed wording.tsv annotation-wording.tsv phenoconversion.tsv updates-2024-2026.tsv supplement.tsv atc.tsv
var own embed.FS

// Paths of the inputs below the reference directory.
const (
	SummaryTSV     = "guidelines/cpic-recommendations.tsv"
	AnnotationsDir = "guidelines/cpic-dpwg-2024-03"
	WarfarinTSV    = "guidelines/warfarin-iwpc.tsv"
)

// Build reads the reference folder refDir and returns the rule file.
func Build(refDir string) (*rules.File, error) {
	summary, err := readSummary(filepath.Join(refDir, SummaryTSV))
	if err != nil {
		return nil, err
	}
	wording, err := readWording()
	if err != nil {
		return nil, err
	}
	for i := range summary {
		r := &summary[i]
		t, ok := wording[r.key()]
		if !ok {
			return nil, fmt.Errorf("wording.tsv: no wording for summary row %s", r.key())
		}
		r.text = t
	}
	byID, err := readAnnotationWording()
	if err != nil {
		return nil, err
	}
	b := &builder{byID: byID, usedIDs: map[string]bool{}, summary: summary, groups: map[string]*rules.Rule{}, guidelines: map[string]rules.Guideline{},
		entries: map[string][]map[string]atom{}, pop: map[string]string{}}
	if err := b.annotations(filepath.Join(refDir, AnnotationsDir)); err != nil {
		return nil, err
	}
	if len(b.unclassified) > 0 {
		return nil, fmt.Errorf("cannot classify %d recommendation(s):\n%s", len(b.unclassified), strings.Join(b.unclassified, "\n"))
	}
	b.finish()
	for id := range byID {
		if !b.usedIDs[id] {
			return nil, fmt.Errorf("annotation-wording.tsv: recommendation %s is not in the guideline annotations", id)
		}
	}
	if err := b.unmatchedSummary(); err != nil {
		return nil, err
	}
	supp, err := readSupplement()
	if err != nil {
		return nil, err
	}
	if err := b.addSupplement(supp); err != nil {
		return nil, err
	}
	upd, err := readUpdates(filepath.Join(refDir, UpdatesTSV))
	if err != nil {
		return nil, err
	}
	ownUpd, err := readOwnUpdates()
	if err != nil {
		return nil, err
	}
	if err := b.applyUpdates(upd, ownUpd); err != nil {
		return nil, err
	}
	w, err := readWarfarin(filepath.Join(refDir, WarfarinTSV))
	if err != nil {
		return nil, err
	}
	pc, err := readPhenoconversion()
	if err != nil {
		return nil, err
	}
	f := &rules.File{
		Format: rules.FormatVersion,
		Sources: []rules.Source{
			{ID: "pharmgkb-annotations", Name: "CPIC and DPWG guideline annotations (PharmGKB, via PharmCAT)",
				Version: "PharmCAT 0c6123b6, 2024-03-25 (CPIC data v1.38)", URL: "https://github.com/PharmGKB/PharmCAT",
				Licence: "keys, strengths and drugs used as facts (CPIC CC0; PharmGKB CC BY-SA 4.0); wording is varamu's own"},
			{ID: "cpic-summary", Name: "CPIC recommendation summary (per-row PMIDs)", Version: "as checked against PharmCAT 0c6123b6",
				URL: "https://cpicpgx.org/guidelines/", Licence: "CC0 1.0"},
			{ID: "iwpc", Name: "IWPC pharmacogenetic warfarin dosing algorithm", Version: "Klein et al., N Engl J Med 2009;360:753-64",
				URL: "https://pubmed.ncbi.nlm.nih.gov/19228618/", Licence: "published facts"},
			{ID: "varamu-phenoconversion", Name: "varamu phenoconversion list", Version: pc.Version,
				URL: pc.URL, Licence: "varamu"},
			{ID: "guideline-updates", Name: "CPIC and DPWG recommendations new or changed after 2024-03-25 (ClinPGx guideline annotations, CPIC data change log)",
				Version: "data state " + updatesDataDate + " (ClinPGx guidance data as in PharmCAT prescribing_guidance v3.4.0; cpicpgx/cpic-data to release 1.56.0)",
				URL:     "https://www.clinpgx.org/", Licence: "facts (CPIC CC0; ClinPGx CC BY-SA 4.0); wording is varamu's own"},
		},
		Warfarin:        w,
		Phenoconversion: pc,
		Skipped:         b.skipped,
		Retired:         b.retired,
		DataDate:        updatesDataDate,
	}
	for _, id := range sortedKeys(b.guidelines) {
		f.Guidelines = append(f.Guidelines, b.guidelines[id])
	}
	drugSet := map[string]bool{}
	for _, k := range b.order {
		f.Rules = append(f.Rules, *b.groups[k])
		drugSet[b.groups[k].Drugs[0]] = true
	}
	atc, atcVersion, err := readATC(sortedKeys(drugSet))
	if err != nil {
		return nil, err
	}
	f.Drugs = atc
	f.Sources = append(f.Sources, rules.Source{ID: "atc", Name: "WHO ATC classification (codes entered by varamu)", Version: atcVersion,
		URL: "https://atcddd.fhi.no/atc_ddd_index/", Licence: "WHO Collaborating Centre for Drug Statistics Methodology; codes used as facts"})
	sum, err := json.Marshal(f)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(sum)
	f.DataVersion = "pgx-rules-" + Revision + "-cpic-dpwg-" + updatesDataDate + "+" + hex.EncodeToString(h[:4])
	return f, nil
}

// Marshal encodes the file as JSON, one rule per line, deterministically.
func Marshal(f *rules.File) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("{\n")
	field := func(name string, v any, last bool) error {
		b, err := marshalNoEscape(v)
		if err != nil {
			return err
		}
		fmt.Fprintf(&buf, "%q: %s", name, b)
		if !last {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
		return nil
	}
	list := func(name string, n int, item func(i int) any, last bool) error {
		fmt.Fprintf(&buf, "%q: [\n", name)
		for i := 0; i < n; i++ {
			b, err := marshalNoEscape(item(i))
			if err != nil {
				return err
			}
			buf.Write(b)
			if i < n-1 {
				buf.WriteString(",")
			}
			buf.WriteString("\n")
		}
		buf.WriteString("]")
		if !last {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
		return nil
	}
	steps := []func() error{
		func() error { return field("format", f.Format, false) },
		func() error { return field("dataVersion", f.DataVersion, false) },
		func() error { return list("sources", len(f.Sources), func(i int) any { return f.Sources[i] }, false) },
		func() error { return field("warfarin", f.Warfarin, false) },
		func() error { return field("phenoconversion", f.Phenoconversion, false) },
		func() error {
			return list("guidelines", len(f.Guidelines), func(i int) any { return f.Guidelines[i] }, false)
		},
		func() error { return list("skipped", len(f.Skipped), func(i int) any { return f.Skipped[i] }, false) },
		func() error { return list("retired", len(f.Retired), func(i int) any { return f.Retired[i] }, false) },
		func() error { return field("dataDate", f.DataDate, false) },
		func() error { return list("drugs", len(f.Drugs), func(i int) any { return f.Drugs[i] }, false) },
		func() error { return list("rules", len(f.Rules), func(i int) any { return f.Rules[i] }, true) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return nil, err
		}
	}
	buf.WriteString("}\n")
	return buf.Bytes(), nil
}

// summaryRow is one row of the CPIC summary table.
type summaryRow struct {
	line                                     int
	drug, genes, condition, action, strength string
	guideline, pmid                          string
	text                                     string
	matched                                  bool
}

func (r *summaryRow) key() string { return r.drug + "\t" + r.genes + "\t" + r.condition }

func (r *summaryRow) body() string {
	b, _, _ := strings.Cut(r.guideline, " ")
	return b
}

// tsvLines yields the non-comment lines of a TSV, with line numbers.
func tsvLines(r io.Reader, name string, ncol int, fn func(line int, f []string) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n, header := 0, true
	for sc.Scan() {
		n++
		t := sc.Text()
		if strings.HasPrefix(t, "#") || strings.TrimSpace(t) == "" {
			continue
		}
		f := strings.Split(t, "\t")
		if len(f) < ncol {
			return fmt.Errorf("%s:%d: %d fields, want %d", name, n, len(f), ncol)
		}
		if header {
			header = false
			continue
		}
		if err := fn(n, f); err != nil {
			return fmt.Errorf("%s:%d: %w", name, n, err)
		}
	}
	return sc.Err()
}

func readSummary(path string) ([]summaryRow, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []summaryRow
	err = tsvLines(fh, path, 9, func(line int, f []string) error {
		out = append(out, summaryRow{line: line, drug: f[0], genes: f[1], condition: f[2], action: f[3],
			strength: f[4], guideline: f[5], pmid: f[6]})
		return nil
	})
	return out, err
}

func readWording() (map[string]string, error) {
	fh, err := own.Open("wording.tsv")
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	out := map[string]string{}
	err = tsvLines(fh, "wording.tsv", 4, func(_ int, f []string) error {
		k := f[0] + "\t" + f[1] + "\t" + f[2]
		if _, dup := out[k]; dup {
			return fmt.Errorf("duplicate wording for %q", k)
		}
		out[k] = f[3]
		return nil
	})
	return out, err
}

var warfarinTerms = map[string]string{
	"intercept": "intercept", "age_decades": "age_decades", "height_cm": "height_cm", "weight_kg": "weight_kg",
	"VKORC1_rs9923231_AG": "VKORC1_AG", "VKORC1_rs9923231_AA": "VKORC1_AA", "VKORC1_rs9923231_unknown": "VKORC1_unknown",
	"CYP2C9_*1/*2": "CYP2C9_*1/*2", "CYP2C9_*1/*3": "CYP2C9_*1/*3", "CYP2C9_*2/*2": "CYP2C9_*2/*2",
	"CYP2C9_*2/*3": "CYP2C9_*2/*3", "CYP2C9_*3/*3": "CYP2C9_*3/*3", "CYP2C9_unknown": "CYP2C9_unknown",
	"race_asian": "race_asian", "race_black_or_african_american": "race_black", "race_missing_or_mixed": "race_missing_or_mixed",
	"amiodarone": "amiodarone",
}

var inducerTerm = regexp.MustCompile(`^enzyme_inducer \(([^)]*)\)$`)

// ownWording is varamu's wording for one annotation recommendation.
type ownWording struct{ action, text string }

func readAnnotationWording() (map[string]ownWording, error) {
	fh, err := own.Open("annotation-wording.tsv")
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	out := map[string]ownWording{}
	err = tsvLines(fh, "annotation-wording.tsv", 3, func(_ int, f []string) error {
		if f[1] != "" && template(f[1], "x") == "" {
			return fmt.Errorf("unknown action %q", f[1])
		}
		for _, id := range strings.Split(f[0], ",") {
			id = strings.TrimSpace(id)
			if _, dup := out[id]; dup {
				return fmt.Errorf("recommendation %s worded twice", id)
			}
			out[id] = ownWording{action: f[1], text: f[2]}
		}
		return nil
	})
	return out, err
}

func readWarfarin(path string) (*rules.WarfarinModel, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	m := &rules.WarfarinModel{
		Citation:     "Klein TE et al. (International Warfarin Pharmacogenetics Consortium), Estimation of the warfarin dose with clinical and pharmacogenetic data. N Engl J Med 2009;360:753-64",
		PMID:         "19228618",
		Source:       "iwpc",
		Coefficients: map[string]float64{},
		// CPIC 2017 (PMID 28198005): optional 5-10% increase for CYP4F2*3
		// (rs2108622 T) carriers of non-African ancestry.
		CYP4F2: &rules.Range{Low: 0.05, High: 0.10},
	}
	err = tsvLines(fh, path, 2, func(_ int, f []string) error {
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return fmt.Errorf("coefficient %q: %w", f[1], err)
		}
		if mm := inducerTerm.FindStringSubmatch(f[0]); mm != nil {
			m.Coefficients["enzyme_inducer"] = v
			for _, d := range regexp.MustCompile(`,\s*|\s+or\s+`).Split(mm[1], -1) {
				if d = strings.TrimSpace(d); d != "" {
					m.Inducers = append(m.Inducers, d)
				}
			}
			return nil
		}
		name, ok := warfarinTerms[f[0]]
		if !ok {
			return fmt.Errorf("unknown IWPC term %q", f[0])
		}
		m.Coefficients[name] = v
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, t := range rules.WarfarinTerms {
		if _, ok := m.Coefficients[t]; !ok {
			return nil, fmt.Errorf("%s: no coefficient for %s", path, t)
		}
	}
	return m, nil
}

func readPhenoconversion() (*rules.Phenoconversion, error) {
	data, err := own.ReadFile("phenoconversion.tsv")
	if err != nil {
		return nil, err
	}
	pc := &rules.Phenoconversion{
		Citation: "U.S. FDA, Drug Development and Drug Interactions: Table of Substrates, Inhibitors and Inducers (Table 3-2)",
		URL:      "https://www.fda.gov/drugs/drug-interactions-labeling/healthcare-professionals-fdas-examples-drugs-interact-cyp-enzymes-and-transporter-systems",
		Method:   "Cicali EJ et al., Clin Pharmacol Ther 2021;110(3):677-687: CYP2D6 activity score x0 (strong) or x0.5 (moderate), re-banded; strong inhibitor of a gene without a score: phenotype becomes poor",
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "# version\t"); ok {
			pc.Version = strings.TrimSpace(v)
		}
	}
	if pc.Version == "" {
		return nil, fmt.Errorf("phenoconversion.tsv: no '# version' line")
	}
	err = tsvLines(bytes.NewReader(data), "phenoconversion.tsv", 3, func(_ int, f []string) error {
		if f[2] != "strong" && f[2] != "moderate" {
			return fmt.Errorf("strength %q", f[2])
		}
		pc.Inhibitors = append(pc.Inhibitors, rules.Inhibitor{Drug: f[0], Gene: f[1], Strength: f[2]})
		return nil
	})
	return pc, err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// marshalNoEscape is json.Marshal without HTML escaping, so that CEL
// operators stay readable in the file.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
