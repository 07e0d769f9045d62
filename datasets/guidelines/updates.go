package guidelines

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// UpdatesTSV lists the CPIC and DPWG recommendations published or changed
// after the annotation snapshot (below the reference directory).
const UpdatesTSV = "guidelines/recommendations-2024-2026.tsv"

// updatesDataDate is the data state of UpdatesTSV (its NOTES: ClinPGx
// guideline data of February 2026 or later; CPIC's change log to 2026-04-30).
const updatesDataDate = "2026-02"

// annotationsDataDate is the date of the annotation snapshot and of the
// CPIC summary table checked against it.
const annotationsDataDate = "2024-03-25"

// updateRow is one row of UpdatesTSV.
type updateRow struct {
	line                                     int
	drug, genes, condition, action, strength string
	guideline, pmid, verified                string
}

func (r updateRow) key() string { return r.drug + "\t" + r.genes + "\t" + r.condition }

func (r updateRow) body() string {
	b, _, _ := strings.Cut(r.guideline, " ")
	return b
}

// ownUpdate is varamu's side of an update row (updates-2024-2026.tsv).
type ownUpdate struct {
	drug, genes, condition string
	population, when, text string
	reading                bool
	used                   bool
}

func readUpdates(path string) ([]updateRow, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []updateRow
	err = tsvLines(fh, path, 9, func(line int, f []string) error {
		r := updateRow{line: line, drug: f[0], genes: f[1], condition: f[2], action: f[3], strength: f[4],
			guideline: f[5], pmid: f[6], verified: f[8]}
		if !slices.Contains([]string{"CPIC", "DPWG"}, r.body()) {
			return fmt.Errorf("guideline %q: want CPIC or DPWG", r.guideline)
		}
		if template(r.action, "x") == "" {
			return fmt.Errorf("unknown action %q", r.action)
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

func readOwnUpdates() ([]*ownUpdate, error) {
	fh, err := own.Open("updates-2024-2026.tsv")
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []*ownUpdate
	seen := map[string]bool{}
	err = tsvLines(fh, "updates-2024-2026.tsv", 7, func(_ int, f []string) error {
		u := &ownUpdate{drug: f[0], genes: f[1], condition: f[2], population: f[3], reading: f[4] == "yes", when: f[5], text: f[6]}
		k := u.drug + "\t" + u.genes + "\t" + u.condition
		if seen[k] {
			return fmt.Errorf("duplicate row %q", k)
		}
		seen[k] = true
		if errs := rules.CompileExpr(u.when); len(errs) > 0 {
			return fmt.Errorf("%s: condition: %v", k, errs[0])
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

var (
	// geneIndex finds the genes a condition reads (phenotype["TPMT"]).
	geneIndex = regexp.MustCompile(`\["([A-Za-z0-9-]+)"\]`)
	yearRe    = regexp.MustCompile(`\b(19|20)\d\d\b`)
	clinpgxRe = regexp.MustCompile(`clinpgx(?:\.org/guidelineAnnotation/| )(PA\d+)`)
)

// lastYear is the last four-digit year in s, or 0.
func lastYear(s string) int {
	m := yearRe.FindAllString(s, -1)
	if len(m) == 0 {
		return 0
	}
	y, _ := strconv.Atoi(m[len(m)-1])
	return y
}

// updateGuideline is the guideline an update row cites: its ClinPGx
// annotation when the row names one (replacing the snapshot's entry of the
// same id), else one named after the row's guideline column.
func updateGuideline(r updateRow) rules.Guideline {
	id := "update:" + strings.ReplaceAll(r.guideline, " ", "_")
	url := "https://cpicpgx.org/guidelines/"
	if r.body() == "DPWG" {
		url = "https://www.knmp.nl/dossiers/farmacogenetica"
	}
	if m := clinpgxRe.FindStringSubmatch(r.verified); m != nil {
		id, url = m[1], "https://www.clinpgx.org/guidelineAnnotation/"+m[1]
	}
	g := rules.Guideline{ID: id, Body: r.body(), Name: r.body() + ": " + strings.TrimPrefix(r.guideline, r.body()+" "),
		URL: url, Source: "guideline-updates", Version: "ClinPGx data " + updatesDataDate,
		Published: lastYear(r.guideline), DataDate: updatesDataDate}
	if r.pmid != "" && r.pmid != "n/a" {
		g.PMIDs = []string{r.pmid}
	}
	return g
}

// applyUpdates retires every rule of a guideline body for a drug the
// updates cover (the update supersedes that body's advice for the drug) and
// adds the update rows as rules, plus varamu's own rows from the NOTES.
func (b *builder) applyUpdates(rows []updateRow, ownRows []*ownUpdate) error {
	byKey := map[string]*ownUpdate{}
	for _, u := range ownRows {
		byKey[u.drug+"\t"+u.genes+"\t"+u.condition] = u
	}
	covered := map[string]string{} // body + drug → superseding guideline name
	for _, r := range rows {
		covered[r.body()+"\x00"+r.drug] = r.guideline
	}
	b.retire(covered)
	for _, r := range rows {
		u, ok := byKey[r.key()]
		if !ok {
			return fmt.Errorf("%s:%d: no varamu wording for update row %s", UpdatesTSV, r.line, r.key())
		}
		u.used = true
		b.addUpdate(r, u, fmt.Sprintf("%s-u%d-%s", r.body(), r.line, strings.ReplaceAll(r.drug, " ", "_")))
	}
	for i, u := range ownRows {
		if u.used {
			continue
		}
		if !strings.HasPrefix(u.condition, "varamu: ") {
			return fmt.Errorf("updates-2024-2026.tsv: row %s is not in %s", u.drug+" "+u.condition, UpdatesTSV)
		}
		base, ok := findBase(rows, u)
		if !ok {
			return fmt.Errorf("updates-2024-2026.tsv: own row %s has no guideline row for %s %s", u.condition, u.drug, u.genes)
		}
		base.action, base.strength = rules.ActionTest, "n/a"
		base.condition = u.condition
		id := fmt.Sprintf("%s-u-own%d-%s", base.body(), i+1, strings.ReplaceAll(u.drug, " ", "_"))
		b.addUpdate(base, u, id)
		b.groups["update\x00"+id].Basis = []string{"recommendations-2024-2026-NOTES.md: Indeterminate/No Result rows (described, not tabulated)"}
	}
	return nil
}

// findBase is the CPIC update row for the same drug and genes as u.
func findBase(rows []updateRow, u *ownUpdate) (updateRow, bool) {
	for _, r := range rows {
		if r.drug == u.drug && r.genes == u.genes && r.body() == "CPIC" {
			return r, true
		}
	}
	return updateRow{}, false
}

func (b *builder) addUpdate(r updateRow, u *ownUpdate, id string) {
	g := updateGuideline(r)
	b.guidelines[g.ID] = g
	strength := r.strength
	if strength == "none" {
		strength = "no recommendation"
	}
	rule := &rules.Rule{
		ID: id, Drugs: []string{r.drug}, Genes: strings.Split(r.genes, ";"), When: u.when, Population: u.population,
		Action: r.action, Text: u.text, Strength: strength, Guideline: g.ID,
		Basis: []string{fmt.Sprintf("recommendations-2024-2026.tsv:%d", r.line)},
	}
	for _, m := range geneIndex.FindAllStringSubmatch(u.when, -1) {
		if !slices.Contains(rule.Genes, m[1]) {
			rule.Genes = append(rule.Genes, m[1])
		}
	}
	slices.Sort(rule.Genes)
	if u.reading {
		rule.Reading = fmt.Sprintf("The guideline does not put this as %q; that category is varamu's reading of it. Act on the wording.", r.action)
	}
	k := "update\x00" + id
	b.groups[k] = rule
	b.order = append(b.order, k)
}

// retire removes the rules of the covered body and drug pairs.
func (b *builder) retire(covered map[string]string) {
	var keep []string
	for _, k := range b.order {
		r := b.groups[k]
		g := b.guidelines[r.Guideline]
		by, ok := covered[g.Body+"\x00"+r.Drugs[0]]
		if !ok {
			keep = append(keep, k)
			continue
		}
		b.retired = append(b.retired, rules.Retired{Rule: r.ID, Drug: r.Drugs[0], Guideline: r.Guideline, SupersededBy: by})
		delete(b.groups, k)
	}
	b.order = keep
}

// supplementRow is one of varamu's rules for a guideline without
// machine-readable recommendations (supplement.tsv).
type supplementRow struct {
	guideline, condition, action, strength, when, text string
	drugs, genes                                       []string
}

func readSupplement() ([]supplementRow, error) {
	fh, err := own.Open("supplement.tsv")
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var out []supplementRow
	err = tsvLines(fh, "supplement.tsv", 8, func(_ int, f []string) error {
		r := supplementRow{guideline: f[0], drugs: strings.Split(f[1], ","), genes: strings.Split(f[2], ";"),
			condition: f[3], action: f[4], strength: f[5], when: f[6], text: f[7]}
		if template(r.action, "x") == "" {
			return fmt.Errorf("unknown action %q", r.action)
		}
		if errs := rules.CompileExpr(r.when); len(errs) > 0 {
			return fmt.Errorf("%s: condition: %v", r.condition, errs[0])
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

func (b *builder) addSupplement(rows []supplementRow) error {
	for i, r := range rows {
		if _, ok := b.guidelines[r.guideline]; !ok {
			return fmt.Errorf("supplement.tsv: guideline %s is not in the annotations", r.guideline)
		}
		for _, d := range r.drugs {
			id := fmt.Sprintf("CPIC-s%d-%s", i+1, strings.ReplaceAll(d, " ", "_"))
			rule := &rules.Rule{ID: id, Drugs: []string{d}, Genes: r.genes, When: r.when, Action: r.action,
				Text: r.text, Strength: r.strength, Guideline: r.guideline, Basis: []string{"supplement.tsv: " + r.condition}}
			k := "supplement\x00" + id
			b.groups[k] = rule
			b.order = append(b.order, k)
		}
	}
	return nil
}

// readATC reads varamu's drug → ATC table and checks that every drug with
// rules has a code.
func readATC(drugs []string) ([]rules.DrugCode, string, error) {
	data, err := own.ReadFile("atc.tsv")
	if err != nil {
		return nil, "", err
	}
	version := ""
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "# version\t"); ok {
			version = strings.TrimSpace(v)
		}
	}
	codes := map[string][]string{}
	atcRe := regexp.MustCompile(`^[A-Z]\d\d[A-Z][A-Z]\d\d$`)
	err = tsvLines(strings.NewReader(string(data)), "atc.tsv", 2, func(_ int, f []string) error {
		for _, c := range strings.Split(f[1], ",") {
			if !atcRe.MatchString(c) {
				return fmt.Errorf("%s: ATC code %q is not a 7-character substance code", f[0], c)
			}
			codes[f[0]] = append(codes[f[0]], c)
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	var out []rules.DrugCode
	for _, d := range drugs {
		c, ok := codes[d]
		if !ok {
			return nil, "", fmt.Errorf("atc.tsv: no ATC code for %s", d)
		}
		out = append(out, rules.DrugCode{Drug: d, ATC: c})
	}
	return out, version, nil
}
