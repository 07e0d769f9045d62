package guidelines

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// annotation is the subset of a PharmGKB guideline-annotation file used.
type annotation struct {
	Guideline struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Source  string `json:"source"`
		Version int    `json:"version"`
		URL     string `json:"url"`
	} `json:"guideline"`
	Recommendations []struct {
		ID             string `json:"id"`
		Population     string `json:"population"`
		Classification *struct {
			Term string `json:"term"`
		} `json:"classification"`
		RelatedChemicals []struct {
			Name string `json:"name"`
		} `json:"relatedChemicals"`
		Text struct {
			HTML string `json:"html"`
		} `json:"text"`
		LookupKey map[string]json.RawMessage `json:"lookupKey"`
	} `json:"recommendations"`
	Citations []struct {
		PMID string `json:"pmid"`
		Year int    `json:"year"`
	} `json:"citations"`
	Version string `json:"version"`
}

type builder struct {
	// byID is varamu's own wording per recommendation id; usedIDs
	// records which were applied.
	byID       map[string]ownWording
	usedIDs    map[string]bool
	summary    []summaryRow
	groups     map[string]*rules.Rule
	order      []string
	guidelines map[string]rules.Guideline
	skipped    []rules.Skipped
	// entries are the lookup keys merged into each rule, by group key;
	// finish turns them into the rule's condition.
	entries map[string][]map[string]atom
	pop     map[string]string
	// listed holds, per gene, the diplotypes the current guideline keys
	// recommendations by.
	listed map[string][]string
	// unclassified lists recommendations whose action no pattern matched.
	unclassified []string
	// genotypeScores holds, per gene, the activity scores the current
	// guideline keys by genotype (not by a phenotyping test).
	genotypeScores map[string][]string
	// retired are the rules newer guideline versions superseded.
	retired []rules.Retired
}

// population maps an annotation population to plain words and a CEL clause.
var populations = map[string]struct{ label, cel string }{
	"":                    {},
	"general":             {},
	"adults":              {"adults (18 years and over)", "(age == null || age >= 18.0)"},
	"pediatrics":          {"children (under 18 years)", "(age == null || age < 18.0)"},
	"child >40kg_adult":   {"adults, and children over 40 kg", "(age == null || age >= 18.0 || weight == null || weight > 40.0)"},
	"PHT naive":           {"patients who have not taken phenytoin or fosphenytoin before", ""},
	"PHT use >3mos":       {"patients who have taken phenytoin for more than 3 months without a skin reaction", ""},
	"CBZ naive":           {"patients who have not taken carbamazepine before", ""},
	"CBZ use >3mos":       {"patients who have taken carbamazepine for more than 3 months without a skin reaction", ""},
	"CBZ-no alternatives": {"carbamazepine-naive patients for whom no alternative drug is available", ""},
	"OXC naive":           {"patients who have not taken oxcarbazepine before", ""},
	"OXC use >3 mos":      {"patients who have taken oxcarbazepine for more than 3 months without a skin reaction", ""},
	"CVI ACS PCI":         {"cardiovascular indication: acute coronary syndrome or percutaneous coronary intervention", ""},
	"CVI non-ACS non-PCI": {"cardiovascular indication other than ACS or PCI", ""},
	"NVI":                 {"neurovascular indication (such as stroke or TIA)", ""},
}

var strengths = map[string]string{
	"Strong": "strong", "Moderate": "moderate", "Optional": "optional",
	"No recommendation": "no recommendation", "N/A": "n/a", "": "n/a",
}

func (b *builder) annotations(dir string) error {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("%s: no guideline annotation files", dir)
	}
	sort.Strings(files)
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var a annotation
		if err := json.Unmarshal(data, &a); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		g := a.Guideline
		body := g.Source
		if body != "CPIC" && body != "DPWG" {
			return fmt.Errorf("%s: guideline source %q", path, body)
		}
		gl := rules.Guideline{
			ID: g.ID, Body: body, URL: g.URL, Source: "pharmgkb-annotations",
			Name:    strings.TrimPrefix(strings.TrimPrefix(g.Name, "Annotation of "), body+" Guideline for "),
			Version: fmt.Sprintf("%s (annotation v%d)", a.Version, g.Version),
		}
		gl.Name = body + ": " + gl.Name
		for _, c := range a.Citations {
			gl.PMIDs = append(gl.PMIDs, c.PMID)
			gl.Published = max(gl.Published, c.Year)
		}
		gl.DataDate = annotationsDataDate
		b.guidelines[gl.ID] = gl
		// Where a guideline keys some recommendations by diplotype and
		// others by phenotype for the same gene, the diplotype-keyed ones
		// are the specific ones: phenotype keys then apply only to
		// diplotypes not listed.
		b.listed = map[string][]string{}
		for _, r := range a.Recommendations {
			for gene, raw := range r.LookupKey {
				if d1, d2, ok := diplotypeKey(raw); ok {
					for _, d := range []string{d1, d2} {
						if !slices.Contains(b.listed[gene], d) {
							b.listed[gene] = append(b.listed[gene], d)
						}
					}
				}
			}
		}
		for g := range b.listed {
			sort.Strings(b.listed[g])
		}
		b.genotypeScores = genotypeScores(a.Recommendations)
		for _, r := range a.Recommendations {
			if err := b.recommendation(path, gl, r.ID, r.Population, r.Classification, r.RelatedChemicals, r.Text.HTML, r.LookupKey); err != nil {
				return fmt.Errorf("%s: recommendation %s: %w", filepath.Base(path), r.ID, err)
			}
		}
	}
	return nil
}

func (b *builder) recommendation(path string, gl rules.Guideline, id, population string, class *struct {
	Term string `json:"term"`
}, chems []struct {
	Name string `json:"name"`
}, html string, key map[string]json.RawMessage) error {
	var drugs []string
	for _, c := range chems {
		drugs = append(drugs, strings.ToLower(c.Name))
	}
	sort.Strings(drugs)
	if len(drugs) == 0 {
		b.skipped = append(b.skipped, rules.Skipped{ID: id, Reason: "no drug"})
		return nil
	}
	term := ""
	if class != nil {
		term = class.Term
	}
	strength, ok := strengths[term]
	if !ok {
		return fmt.Errorf("classification %q", term)
	}
	pop, ok := populations[population]
	if !ok {
		return fmt.Errorf("population %q", population)
	}
	text := plainText(html)
	if strings.Contains(strings.ToLower(text), "xn is not a valid input") {
		b.skipped = append(b.skipped, rules.Skipped{ID: id, Reason: "CYP2D6 duplication without a copy number (xN): not a valid input"})
		return nil
	}
	if strings.TrimSpace(strings.ToLower(text)) == "n/a" {
		b.skipped = append(b.skipped, rules.Skipped{ID: id, Reason: "no recommendation text (n/a)"})
		return nil
	}
	genes := sortedKeys(key)
	if why := b.phenotypingDuplicate(key); why != "" {
		b.skipped = append(b.skipped, rules.Skipped{ID: id, Reason: why})
		return nil
	}
	vals := map[string]string{}
	entry := map[string]atom{}
	for _, gene := range genes {
		a, v, err := keyCondition(gene, key[gene])
		if err == nil && a.kind == "pheno" && len(b.listed[gene]) > 0 {
			var qs []string
			for _, d := range b.listed[gene] {
				qs = append(qs, strconv.Quote(d))
			}
			a = other(fmt.Sprintf("(phenotype[%s] == %s && !diplotypes[%s].exists(d, d in [%s]))",
				strconv.Quote(gene), a.val, strconv.Quote(gene), strings.Join(qs, ", ")))
		}
		if err != nil {
			b.skipped = append(b.skipped, rules.Skipped{ID: id, Reason: err.Error()})
			return nil
		}
		vals[gene] = v
		entry[gene] = a
	}
	action := classify(text)
	if action == "" {
		b.unclassified = append(b.unclassified, fmt.Sprintf("%s %s: %.160q", filepath.Base(path), id, firstPara(text)))
		return nil
	}
	if strength == "no recommendation" {
		action = rules.ActionNoRecommendation
	}
	wordingText := ""
	for i := range b.summary {
		row := &b.summary[i]
		if row.body() != gl.Body || !slices.Contains(drugs, row.drug) || !rowMatches(row, vals, population) {
			continue
		}
		row.matched = true
		if wordingText == "" && strength != "no recommendation" {
			action, wordingText = row.action, row.text
		}
	}
	if w, ok := b.byID[id]; ok {
		b.usedIDs[id] = true
		wordingText = w.text
		if w.action != "" {
			action = w.action
		}
	}
	for _, d := range drugs {
		t := strings.ReplaceAll(wordingText, "{drug}", d)
		if t == "" && action == rules.ActionStandard && noActionPair.MatchString(strings.ToLower(text)) {
			t = noActionText(d, genes)
		}
		if t == "" {
			t = template(action, d)
		}
		b.add(gl, id, d, genes, entry, pop.label, pop.cel, action, t, strength)
	}
	return nil
}

// add merges a recommendation into the rule with the same guideline, drug,
// population, strength, action and wording (OR-ing the conditions).
func (b *builder) add(gl rules.Guideline, recID, drug string, genes []string, entry map[string]atom, popLabel, popCEL, action, text, strength string) {
	k := strings.Join([]string{gl.ID, drug, popLabel, strength, action, text}, "\x00")
	r, ok := b.groups[k]
	if !ok {
		r = &rules.Rule{
			ID:    fmt.Sprintf("%s-%s-%s", gl.Body, recID, strings.ReplaceAll(drug, " ", "_")),
			Drugs: []string{drug}, Population: popLabel, Action: action, Text: text,
			Strength: strength, Guideline: gl.ID,
		}
		b.groups[k] = r
		b.order = append(b.order, k)
		b.pop[k] = popCEL
	}
	b.entries[k] = append(b.entries[k], entry)
	for _, g := range genes {
		if !slices.Contains(r.Genes, g) {
			r.Genes = append(r.Genes, g)
		}
	}
	sort.Strings(r.Genes)
	r.Basis = append(r.Basis, recID)
}

// unmatchedSummary turns summary rows that no annotation covers into rules of
// their own (warfarin's algorithm rule, "any" rows).
func (b *builder) unmatchedSummary() error {
	for i := range b.summary {
		row := &b.summary[i]
		if row.matched {
			continue
		}
		genes := strings.Split(row.genes, ";")
		gid := "CPIC-summary:" + strings.ReplaceAll(row.guideline, " ", "_")
		gl := rules.Guideline{ID: gid, Body: row.body(), Name: row.guideline, Source: "cpic-summary",
			URL: "https://cpicpgx.org/guidelines/", Published: lastYear(row.guideline), DataDate: annotationsDataDate}
		if row.pmid != "" && row.pmid != "n/a" {
			gl.PMIDs = []string{row.pmid}
		}
		b.guidelines[gid] = gl
		strength := row.strength
		if strength == "none" {
			strength = "no recommendation"
		}
		r := &rules.Rule{
			ID:    fmt.Sprintf("CPIC-summary-%d-%s", row.line, row.drug),
			Drugs: []string{row.drug}, Genes: genes, Action: row.action, Text: row.text,
			Strength: strength, Guideline: gid, Basis: []string{fmt.Sprintf("cpic-recommendations.tsv:%d", row.line)},
		}
		switch {
		case row.drug == "warfarin" && row.action == rules.ActionUseAlgorithm:
			r.Calculator = rules.CalculatorIWPCWarfarin
			// The algorithm needs at least one of its genotypes; with
			// neither, the recommendation says they were not called.
			r.When = `called["CYP2C9"] || called["VKORC1"]`
		case row.condition == "any":
			r.When = "true"
		default:
			return fmt.Errorf("%s:%d: summary row %s matches no guideline annotation", SummaryTSV, row.line, row.key())
		}
		k := "summary\x00" + r.ID
		b.groups[k] = r
		b.order = append(b.order, k)
	}
	return nil
}

var (
	numKey = regexp.MustCompile(`^(≥)?(\d+(?:\.\d+)?)(?: \(([^)]*)\))?$`)
	hlaKey = regexp.MustCompile(`^(\*\d+:\d+) (positive|negative)$`)
	vkKey  = regexp.MustCompile(`^-1639 ([GA][GA])$`)
)

var vkorc1Diplotypes = map[string]string{
	"GG": "rs9923231 reference (C)/rs9923231 reference (C)",
	"AG": "rs9923231 reference (C)/rs9923231 variant (T)",
	"AA": "rs9923231 variant (T)/rs9923231 variant (T)",
}

// keyCondition turns one lookup-key entry into a CEL condition and the
// key's value as text.
func keyCondition(gene string, raw json.RawMessage) (atom, string, error) {
	q := strconv.Quote(gene)
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		d1, d2, ok := diplotypeKey(raw)
		if !ok {
			return atom{}, "", fmt.Errorf("%s: lookup key %s is not a phenotype, score or diplotype", gene, raw)
		}
		c := fmt.Sprintf("%s in diplotypes[%s]", strconv.Quote(d1), q)
		if d1 != d2 {
			c = fmt.Sprintf("(%s || %s in diplotypes[%s])", c, strconv.Quote(d2), q)
		}
		return other(c), d1, nil
	}
	switch {
	case s == "No Result":
		return other(fmt.Sprintf("!called[%s]", q)), s, nil
	case s == "n/a":
		return other(fmt.Sprintf("(called[%s] && !(%s in score))", q, q)), s, nil
	case s == "xN combinations":
		return atom{}, "", fmt.Errorf("%s: xN combinations are not a callable input", gene)
	}
	if m := numKey.FindStringSubmatch(s); m != nil {
		v, _ := strconv.ParseFloat(m[2], 64)
		if m[1] != "" {
			return atom{kind: "ge", val: celFloat(v)}, s, nil
		}
		return atom{kind: "num", val: celFloat(v)}, s, nil
	}
	if m := hlaKey.FindStringSubmatch(s); m != nil {
		pos := fmt.Sprintf("(%s in alleles[%s] || phenotype[%s] == %s)", strconv.Quote(m[1]), q, q, strconv.Quote(m[1]+" positive"))
		if m[2] == "positive" {
			return other(pos), s, nil
		}
		return other(fmt.Sprintf("(called[%s] && !%s)", q, pos)), s, nil
	}
	if strings.Contains(s, " and ") && gene == "HLA-B" {
		return atom{}, "", fmt.Errorf("%s: combined allele key %q is not supported", gene, s)
	}
	if m := vkKey.FindStringSubmatch(s); m != nil && gene == "VKORC1" {
		return other(fmt.Sprintf("(phenotype[%s] == %s || %s in diplotypes[%s])", q, strconv.Quote(s),
			strconv.Quote(vkorc1Diplotypes[m[1]]), q)), s, nil
	}
	return atom{kind: "pheno", val: strconv.Quote(s)}, s, nil
}

func celFloat(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// rowMatches reports whether a summary row describes the annotation whose
// lookup-key values are vals.
func rowMatches(row *summaryRow, vals map[string]string, population string) bool {
	genes := strings.Split(row.genes, ";")
	for _, g := range genes {
		if _, ok := vals[g]; !ok {
			return false
		}
	}
	// Genes of the annotation the row does not name must be unremarkable.
	for g, v := range vals {
		if slices.Contains(genes, g) {
			continue
		}
		switch v {
		case "Normal Function", "Normal Metabolizer", "No Result", "*15:02 negative":
		default:
			return false
		}
	}
	c := row.condition
	switch {
	case c == "any":
		return true
	case strings.HasPrefix(c, "both "):
		for _, g := range genes {
			if vals[g] != strings.TrimPrefix(c, "both ") {
				return false
			}
		}
		return true
	case strings.HasPrefix(c, "either "):
		want := strings.TrimPrefix(c, "either ")
		any := false
		for _, g := range genes {
			v := vals[g]
			if v == want || (want == "Intermediate Metabolizer" && v == "Possible Intermediate Metabolizer") {
				any = true
			}
			if want == "Intermediate Metabolizer" && v == "Poor Metabolizer" {
				return false
			}
		}
		return any
	case c == "HLA-B*15:02 positive, phenytoin-naive":
		return vals["HLA-B"] == "*15:02 positive" && population == "PHT naive"
	}
	if len(genes) != 1 {
		// A plain phenotype over several genes: any of them has it.
		for _, g := range genes {
			if vals[g] == c {
				return true
			}
		}
		return false
	}
	v := vals[genes[0]]
	if x, ok := keyNumber(v); ok && genes[0] == "CYP2D6" && !strings.Contains(c, "AS") {
		// CYP2D6 annotations are keyed by activity score; band it
		// (Caudle et al. 2020) to compare with a phenotype condition.
		switch {
		case x == 0:
			v = "Poor Metabolizer"
		case x <= 1:
			v = "Intermediate Metabolizer"
		case x <= 2.25:
			v = "Normal Metabolizer"
		default:
			v = "Ultrarapid Metabolizer"
		}
	}
	if a, b, ok := strings.Cut(c, " or "); ok && strings.HasSuffix(c, "Metabolizer") && !strings.HasPrefix(c, "AS ") {
		return v == a+" Metabolizer" || v == b
	}
	if nums, ok := strings.CutPrefix(c, "AS "); ok {
		x, ok := keyNumber(v)
		if !ok {
			return false
		}
		for _, n := range strings.Split(nums, " or ") {
			if f, err := strconv.ParseFloat(n, 64); err == nil && f == x {
				return true
			}
		}
		return false
	}
	if m := regexp.MustCompile(`\(AS ([^)]*)\)$`).FindStringSubmatch(c); m != nil {
		x, ok := keyNumber(v)
		if !ok {
			return false
		}
		r := m[1]
		switch {
		case strings.HasPrefix(r, "> "):
			lo, _ := strconv.ParseFloat(strings.TrimPrefix(r, "> "), 64)
			return x > lo
		case strings.Contains(r, "-"):
			a, b, _ := strings.Cut(r, "-")
			lo, _ := strconv.ParseFloat(a, 64)
			hi, _ := strconv.ParseFloat(b, 64)
			return x >= lo && x <= hi && !strings.HasPrefix(v, "≥")
		default:
			f, _ := strconv.ParseFloat(r, 64)
			return x == f && !strings.HasPrefix(v, "≥")
		}
	}
	return v == c
}

func keyNumber(v string) (float64, bool) {
	m := numKey.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(m[2], 64)
	return f, err == nil
}

var tags = regexp.MustCompile(`<[^>]*>`)

func plainText(html string) string {
	t := tags.ReplaceAllString(html, "\n")
	r := strings.NewReplacer("&gt;", ">", "&lt;", "<", "&amp;", "&", "&nbsp;", " ", "&#39;", "'", "&quot;", `"`)
	return strings.TrimSpace(r.Replace(t))
}

// firstPara is the recommendation proper, before any "Other
// Considerations" or similar section.
func firstPara(t string) string {
	for _, stop := range []string{"Other Considerations", "Other considerations"} {
		if i := strings.Index(t, stop); i >= 0 {
			t = t[:i]
		}
	}
	return strings.TrimSpace(t)
}

// atom is one gene's part of a lookup key: a numeric activity score
// ("num"), a phenotype ("pheno", val quoted) or a ready condition ("other").
type atom struct {
	kind, val, cond string
}

func other(c string) atom { return atom{kind: "other", cond: c} }

// atomsCond is the OR of a gene's atoms, with scores and phenotypes folded
// into "in" lists to keep conditions short.
func atomsCond(gene string, atoms []atom) string {
	q := strconv.Quote(gene)
	var nums, phenos, terms []string
	ge := math.Inf(1)
	for _, a := range atoms {
		switch a.kind {
		case "ge":
			v, _ := strconv.ParseFloat(a.val, 64)
			ge = min(ge, v)
		case "num":
			if !slices.Contains(nums, a.val) {
				nums = append(nums, a.val)
			}
		case "pheno":
			if !slices.Contains(phenos, a.val) {
				phenos = append(phenos, a.val)
			}
		default:
			if !slices.Contains(terms, a.cond) {
				terms = append(terms, a.cond)
			}
		}
	}
	sort.Slice(nums, func(i, j int) bool {
		a, _ := strconv.ParseFloat(nums[i], 64)
		b, _ := strconv.ParseFloat(nums[j], 64)
		return a < b
	})
	sort.Strings(phenos)
	var out []string
	if !math.IsInf(ge, 1) {
		out = append(out, fmt.Sprintf("(%s in score && score[%s] >= %s)", q, q, celFloat(ge)))
	}
	switch len(nums) {
	case 0:
	case 1:
		out = append(out, fmt.Sprintf("(%s in score && score[%s] == %s)", q, q, nums[0]))
	default:
		out = append(out, fmt.Sprintf("(%s in score && score[%s] in [%s])", q, q, strings.Join(nums, ", ")))
	}
	switch len(phenos) {
	case 0:
	case 1:
		out = append(out, fmt.Sprintf("phenotype[%s] == %s", q, phenos[0]))
	default:
		out = append(out, fmt.Sprintf("phenotype[%s] in [%s]", q, strings.Join(phenos, ", ")))
	}
	out = append(out, terms...)
	if len(out) == 1 {
		return out[0]
	}
	return "(" + strings.Join(out, " || ") + ")"
}

// compact builds the OR of the entries' conjunctions, factoring out the
// gene whose values vary most so that the condition stays short.
func compact(genes []string, entries []map[string]atom) string {
	get := func(e map[string]atom, g string) atom {
		if a, ok := e[g]; ok {
			return a
		}
		return other("true")
	}
	if len(genes) == 0 {
		return "true"
	}
	type group struct {
		sig   string
		rest  []string
		atoms []atom
	}
	best := -1
	var bestGroups []*group
	for gi, g := range genes {
		var groups []*group
		idx := map[string]*group{}
		for _, e := range entries {
			var rest []string
			for _, h := range genes {
				if h != g {
					rest = append(rest, atomsCond(h, []atom{get(e, h)}))
				}
			}
			sig := strings.Join(rest, " && ")
			gr, ok := idx[sig]
			if !ok {
				gr = &group{sig: sig, rest: rest}
				idx[sig] = gr
				groups = append(groups, gr)
			}
			gr.atoms = append(gr.atoms, get(e, g))
		}
		if best < 0 || len(groups) < len(bestGroups) {
			best, bestGroups = gi, groups
		}
	}
	var terms []string
	for _, gr := range bestGroups {
		parts := append([]string{atomsCond(genes[best], gr.atoms)}, gr.rest...)
		terms = append(terms, strings.Join(parts, " && "))
	}
	if len(terms) == 1 {
		return terms[0]
	}
	return "(" + strings.Join(terms, ") || (") + ")"
}

// finish writes each annotation rule's condition from its merged entries.
func (b *builder) finish() {
	for _, k := range b.order {
		es, ok := b.entries[k]
		if !ok {
			continue
		}
		r := b.groups[k]
		c := "(" + compact(r.Genes, es) + ")"
		if p := b.pop[k]; p != "" {
			c = p + " && " + c
		}
		r.When = c
	}
}

// diplotypeKey reads an allele-count lookup key ({"*1": 1, "*3": 1} is the
// diplotype *1/*3) and returns the diplotype in both allele orders.
func diplotypeKey(raw json.RawMessage) (string, string, bool) {
	var m map[string]float64
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", "", false
	}
	var al []string
	for _, a := range sortedKeys(m) {
		for n := 0; n < int(m[a]); n++ {
			al = append(al, a)
		}
	}
	if len(al) != 2 {
		return "", "", false
	}
	return al[0] + "/" + al[1], al[1] + "/" + al[0], true
}

// noActionPair matches a recommendation that only says this gene–drug pair
// needs no action (DPWG), which is not the same as "use the usual dose":
// another gene or factor may still change the dose.
var noActionPair = regexp.MustCompile(`^no action is (required|needed) for (this|the) gene-drug interaction`)

func noActionText(drug string, genes []string) string {
	return "No action needed for the " + strings.Join(genes, "/") + "–" + drug +
		" pair: this result alone does not change the dose; other genes or clinical factors may still do so."
}

// phenotypingKey is a DPWG lookup key for an enzyme-activity (phenotyping)
// result rather than a genotype ("1.0 (Phenotyping)").
var phenotypingKey = regexp.MustCompile(`^(\d+(?:\.\d+)?) \(Phenotyping\)$`)

// genotypeScores lists, per gene, the activity scores recommendations key
// by genotype ("1.0 (Intermediate Metabolizer)", "1.0").
func genotypeScores(recs []struct {
	ID             string `json:"id"`
	Population     string `json:"population"`
	Classification *struct {
		Term string `json:"term"`
	} `json:"classification"`
	RelatedChemicals []struct {
		Name string `json:"name"`
	} `json:"relatedChemicals"`
	Text struct {
		HTML string `json:"html"`
	} `json:"text"`
	LookupKey map[string]json.RawMessage `json:"lookupKey"`
}) map[string][]string {
	out := map[string][]string{}
	for _, r := range recs {
		for gene, raw := range r.LookupKey {
			var s string
			if json.Unmarshal(raw, &s) != nil || phenotypingKey.MatchString(s) {
				continue
			}
			if m := numKey.FindStringSubmatch(s); m != nil && m[1] == "" {
				out[gene] = append(out[gene], m[2])
			}
		}
	}
	return out
}

// phenotypingDuplicate says why a recommendation keyed by a phenotyping
// result is left out when the same guideline keys the same activity score by
// genotype: one genotype must get at most one row of a guideline.
func (b *builder) phenotypingDuplicate(key map[string]json.RawMessage) string {
	for gene, raw := range key {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			continue
		}
		m := phenotypingKey.FindStringSubmatch(s)
		if m != nil && slices.Contains(b.genotypeScores[gene], m[1]) {
			return fmt.Sprintf("%s key %q is for a phenotyping (enzyme activity) result; the genotype with activity score %s has its own recommendation", gene, s, m[1])
		}
	}
	return ""
}
