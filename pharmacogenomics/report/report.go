// Package report renders pharmacogenomic results for people and programs:
// one self-contained HTML file a clinician can read (html/template, inline
// CSS, no scripts, no external assets), and the recommendations as TSV or
// JSON.
//
// Use from `varamu pgx call --format html` and `varamu pgx recommend`:
//
//	eng, _ := rules.LoadEmbedded()
//	recs, _ := eng.RecommendSet(ctx, calls, patients)   // map sample → recommendations
//	err := report.WriteHTML(w, calls, recs)
//
// recs may be nil (calls only) or hold samples absent from calls (they are
// ignored). The HTML shows, per sample in call-set order: first a box with
// every drug to avoid (or replace) and every dose change; then every gene's
// diplotypes, phenotype, activity score and source with its caveats in
// plain words, stated once (the same words the recommendations use; what
// the calls carry about unphased alternatives and untested positions is
// named there); which outside-only genes (CYP2D6, HLA-A, HLA-B) were not
// given; then the drugs to act on, the drugs needing a test or monitoring
// or not assessable, and, collapsed, the drugs with usual dosing. Every
// recommendation names its guideline, publication year, data date and
// version.
// Output is deterministic (no timestamps), so it can be compared in tests.
package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

type geneRow struct {
	Gene, Diplotypes, Phenotype, Score, Source string
	Called, Flag                               bool
	Notes                                      []string
}

// card is one recommendation as the report shows it: the caveats that
// belong to the recommendation itself, and the genes whose caveats are
// stated once in the gene table.
type card struct {
	rules.Recommendation
	Own       []string
	SeeGenes  []string
	Guideline string
}

type drugGroup struct {
	Drug  string
	Cards []card
}

// topItem is one line of the box at the top of a sample: a drug to avoid
// or whose dose changes.
type topItem struct {
	Drug, Action, Text, Guideline, Population string
}

type sampleView struct {
	Sample, Sex    string
	Notes          []string
	Genes          []geneRow
	MissingOutside []string
	// Avoid and DoseChange fill the top box; Action holds the drugs with
	// something to act on (cards), Other those needing a test, monitoring
	// or with no genotype result, Usual the rest (collapsed).
	Avoid, DoseChange    []topItem
	Action, Other, Usual []drugGroup
	HasRecs              bool
}

type page struct {
	CallVersion  string
	RuleVersions []string
	Guidelines   []string
	Samples      []sampleView
}

// WriteHTML writes the clinician report for calls and (optionally) their
// recommendations, keyed by sample.
func WriteHTML(w io.Writer, calls pharmacogenomics.CallSet, recs map[string][]rules.Recommendation) error {
	p := page{CallVersion: calls.DataVersion}
	versions := map[string]bool{}
	dates := map[string]bool{}
	for _, s := range calls.Samples {
		sv, geneNotes := sampleGenes(s)
		for _, r := range recs[s.Sample] {
			versions[r.DataVersion] = true
			if r.Guideline != nil && r.Guideline.DataDate != "" {
				dates[r.Guideline.DataDate] = true
			}
		}
		sv.absentGenes(recs[s.Sample], geneNotes)
		sv.group(recs[s.Sample], geneNotes)
		p.Samples = append(p.Samples, sv)
	}
	p.RuleVersions = sortedKeys(versions)
	p.Guidelines = sortedKeys(dates)
	return htmlTmpl().Execute(w, p)
}

// sampleGenes builds a sample's gene table and returns, per caveat text
// stated there, the gene it belongs to.
func sampleGenes(s pharmacogenomics.SampleCalls) (sampleView, map[string]string) {
	sv := sampleView{Sample: s.Sample, Sex: s.Sex, Notes: s.Notes}
	notes := map[string]string{}
	have := map[string]bool{}
	for _, g := range s.Genes {
		have[g.Gene] = g.Called
		row := geneRow{Gene: g.Gene, Called: g.Called, Phenotype: g.Phenotype, Source: g.Source,
			Diplotypes: strings.Join(g.Diplotypes, " or "), Notes: append(rules.DescribeCall(g), callReadings(g)...)}
		for _, n := range row.Notes {
			notes[n] = g.Gene
		}
		if !g.Called {
			row.Phenotype, row.Diplotypes = "not called", "—"
		}
		if g.ActivityScore != nil {
			row.Score = fmt.Sprintf("%g", *g.ActivityScore)
		}
		row.Flag = len(row.Notes) > 0 || !g.Called || g.Uncertain
		sv.Genes = append(sv.Genes, row)
	}
	outside := rules.OutsideOnlyGenes()
	for _, g := range sortedKeys(outside) {
		if !have[g] {
			sv.MissingOutside = append(sv.MissingOutside, g+": "+outside[g])
		}
	}
	return sv, notes
}

// absentGenes adds a gene-table row for each gene the recommendations
// needed that the call set does not hold, with the reason, so that it is
// stated once rather than under every drug.
func (sv *sampleView) absentGenes(recs []rules.Recommendation, geneNotes map[string]string) {
	have := map[string]bool{}
	for _, g := range sv.Genes {
		have[g.Gene] = true
	}
	rows := map[string]*geneRow{}
	var order []string
	for _, r := range recs {
		for _, cv := range r.Caveats {
			for _, g := range r.Genes {
				if have[g.Gene] || !strings.HasPrefix(cv, g.Gene+" not called (") {
					continue
				}
				row, ok := rows[g.Gene]
				if !ok {
					row = &geneRow{Gene: g.Gene, Phenotype: "not called", Diplotypes: "—", Flag: true}
					rows[g.Gene] = row
					order = append(order, g.Gene)
				}
				if !slices.Contains(row.Notes, cv) {
					row.Notes = append(row.Notes, cv)
				}
				geneNotes[cv] = g.Gene
			}
		}
	}
	slices.Sort(order)
	for _, g := range order {
		sv.Genes = append(sv.Genes, *rows[g])
	}
}

// group sorts a sample's recommendations into the report's sections.
func (sv *sampleView) group(recs []rules.Recommendation, geneNotes map[string]string) {
	var groups []drugGroup
	idx := map[string]int{}
	for _, r := range recs {
		i, ok := idx[r.Drug]
		if !ok {
			i = len(groups)
			idx[r.Drug] = i
			groups = append(groups, drugGroup{Drug: r.Drug})
		}
		groups[i].Cards = append(groups[i].Cards, newCard(r, geneNotes))
		sv.HasRecs = true
		item := topItem{Drug: r.Drug, Action: r.Action, Text: r.Text, Population: r.Population}
		if r.Guideline != nil {
			item.Guideline = r.Guideline.Body
		}
		switch r.Action {
		case rules.ActionAvoid, rules.ActionAlternativePreferred, rules.ActionConsiderAlternative:
			sv.Avoid = append(sv.Avoid, item)
		case rules.ActionReduceDose, rules.ActionIncreaseDose:
			sv.DoseChange = append(sv.DoseChange, item)
		case rules.ActionUseAlgorithm:
			if r.Dose != nil {
				sv.DoseChange = append(sv.DoseChange, item)
			}
		}
	}
	for _, g := range groups {
		switch drugClass(g.Cards) {
		case classAction:
			sv.Action = append(sv.Action, g)
		case classOther:
			sv.Other = append(sv.Other, g)
		default:
			sv.Usual = append(sv.Usual, g)
		}
	}
}

func newCard(r rules.Recommendation, geneNotes map[string]string) card {
	c := card{Recommendation: r}
	for _, cv := range r.Caveats {
		if g, ok := geneNotes[cv]; ok {
			if !slices.Contains(c.SeeGenes, g) {
				c.SeeGenes = append(c.SeeGenes, g)
			}
			continue
		}
		c.Own = append(c.Own, cv)
	}
	if r.Guideline != nil {
		c.Guideline = guidelineWhen(*r.Guideline)
	}
	return c
}

// guidelineWhen is "published 2025; data 2026-02; version ...".
func guidelineWhen(g rules.Guideline) string {
	var parts []string
	if g.Published > 0 {
		parts = append(parts, fmt.Sprintf("published %d", g.Published))
	}
	if g.DataDate != "" {
		parts = append(parts, "data "+g.DataDate)
	}
	if g.Version != "" {
		parts = append(parts, "version "+g.Version)
	}
	return strings.Join(parts, "; ")
}

const (
	classUsual = iota
	classAction
	classOther
)

// drugClass puts a drug in the report section its recommendations call
// for: any change of drug or dose is an action; a test, monitoring or a
// gene not called is "other" (never usual dosing); the rest is usual.
func drugClass(cards []card) int {
	class := classUsual
	for _, c := range cards {
		switch c.Action {
		case rules.ActionStandard, rules.ActionNoRecommendation:
		case rules.ActionTest, rules.ActionMonitor, rules.ActionNoGenotype:
			class = classOther
		default:
			return classAction
		}
	}
	return class
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var actionWords = map[string]string{
	rules.ActionStandard: "usual dosing", rules.ActionReduceDose: "lower dose", rules.ActionIncreaseDose: "higher dose",
	rules.ActionAvoid: "avoid", rules.ActionAlternativePreferred: "prefer alternative",
	rules.ActionConsiderAlternative: "consider alternative", rules.ActionMonitor: "monitor",
	rules.ActionTest: "test needed", rules.ActionUseAlgorithm: "dosing algorithm",
	rules.ActionNoRecommendation: "no recommendation", rules.ActionNoGenotype: "no genotype result",
}

var actionClass = map[string]string{
	rules.ActionAvoid: "red", rules.ActionAlternativePreferred: "red", rules.ActionConsiderAlternative: "amber",
	rules.ActionReduceDose: "amber", rules.ActionIncreaseDose: "amber", rules.ActionTest: "amber", rules.ActionMonitor: "amber",
	rules.ActionUseAlgorithm: "blue", rules.ActionStandard: "green", rules.ActionNoRecommendation: "grey", rules.ActionNoGenotype: "amber",
}

var funcs = template.FuncMap{
	"actionWords": func(a string) string {
		if w, ok := actionWords[a]; ok {
			return w
		}
		return a
	},
	"actionClass": func(a string) string { return actionClass[a] },
	"pheno": func(g rules.GeneResult) string {
		s := g.Gene + " " + g.Phenotype
		if g.ActivityScore != nil {
			s += fmt.Sprintf(" (activity score %g)", *g.ActivityScore)
		}
		return s
	},
	"pubmed": func(id string) string { return "https://pubmed.ncbi.nlm.nih.gov/" + id + "/" },
	"mg":     func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"anchor": func(sample, gene string) string { return "g-" + sample + "-" + gene },
}

// htmlTmpl is parsed on first use, not at start-up: every varamu command
// links this package, and parsing it was a tenth of the CLI's package
// initialisation (1,870 of its allocations).
var htmlTmpl = sync.OnceValue(func() *template.Template { return template.Must(template.New("report").Funcs(funcs).Parse(htmlSource)) })

const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pharmacogenomic report</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:64rem;color:#1b1b1b;line-height:1.45;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.25rem;border-bottom:2px solid #ccc;padding-bottom:.2rem;margin-top:2.5rem}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}h4{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92rem}th,td{border:1px solid #d0d0d0;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f2f2f2}tr.flag td{background:#fff8e5}
.meta{color:#555;font-size:.9rem}.note{background:#fff8e5;border-left:4px solid #e0a800;padding:.4rem .7rem;margin:.5rem 0}
.top{border:2px solid #b3261e;border-radius:4px;padding:.5rem .9rem;margin:.8rem 0;background:#fdf3f2}.top h3{margin-top:.2rem}
.rec{border:1px solid #d0d0d0;border-radius:4px;padding:.5rem .8rem;margin:.5rem 0}
.badge{display:inline-block;border-radius:3px;padding:0 .45rem;font-size:.85rem;font-weight:600;color:#fff}
.red{background:#b3261e}.amber{background:#9a6700}.green{background:#1e7a34}.blue{background:#1f5fa8}.grey{background:#666}
.caveats{margin:.3rem 0 0 1.1rem;padding:0;color:#6b4b00}.dose{font-weight:600}
ul.plain{margin:.2rem 0 .2rem 1.1rem;padding:0}summary{cursor:pointer;font-weight:600;margin:1.2rem 0 .4rem}
@media print{body{margin:0}.rec{break-inside:avoid}details{display:block}}
</style>
</head>
<body>
<h1>Pharmacogenomic report</h1>
<p class="meta">Allele data version: {{if .CallVersion}}{{.CallVersion}}{{else}}not recorded{{end}}{{range .RuleVersions}} · guideline data version: {{.}}{{end}}{{if .Guidelines}} · guideline data dates: {{range $i, $d := .Guidelines}}{{if $i}}, {{end}}{{$d}}{{end}}{{end}}</p>
<p class="meta">Recommendations paraphrase CPIC and DPWG guidelines; follow the linked guideline for full dosing detail. Each recommendation names its guideline, publication year and data date. Rows marked in yellow have something the prescriber must know.</p>
{{range .Samples}}{{$s := .Sample}}
<section>
<h2>Sample {{.Sample}}</h2>
<p class="meta">Sex: {{if .Sex}}{{.Sex}}{{else}}not recorded{{end}}</p>
{{range .Notes}}<p class="note">{{.}}</p>{{end}}
{{if .HasRecs}}<div class="top">
<h3>Act on these first</h3>
{{if .Avoid}}<p><strong>Avoid, or choose another drug:</strong></p>
<ul class="plain">{{range .Avoid}}<li><span class="badge {{actionClass .Action}}">{{actionWords .Action}}</span> <strong>{{.Drug}}</strong>{{if .Guideline}} ({{.Guideline}}{{if .Population}}; {{.Population}}{{end}}){{end}}: {{.Text}}</li>{{end}}</ul>{{end}}
{{if .DoseChange}}<p><strong>Dose changes:</strong></p>
<ul class="plain">{{range .DoseChange}}<li><span class="badge {{actionClass .Action}}">{{actionWords .Action}}</span> <strong>{{.Drug}}</strong>{{if .Guideline}} ({{.Guideline}}{{if .Population}}; {{.Population}}{{end}}){{end}}: {{.Text}}</li>{{end}}</ul>{{end}}
{{if not (or .Avoid .DoseChange)}}<p>No evaluated drug needs to be avoided or dosed differently for this patient's results. Check the other actions below.</p>{{end}}
</div>{{end}}
<h3>Genes</h3>
<table>
<thead><tr><th>Gene</th><th>Diplotype</th><th>Phenotype</th><th>Activity score</th><th>Source</th><th>What to know (stated once for every drug below)</th></tr></thead>
<tbody>
{{range .Genes}}<tr id="{{anchor $s .Gene}}"{{if .Flag}} class="flag"{{end}}><td>{{.Gene}}</td><td>{{.Diplotypes}}</td><td>{{.Phenotype}}</td><td>{{if .Score}}{{.Score}}{{else}}—{{end}}</td><td>{{if .Source}}{{.Source}}{{else}}—{{end}}</td><td>{{if .Notes}}<ul class="plain">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{else}}nothing to add{{end}}</td></tr>
{{end}}</tbody>
</table>
{{if .MissingOutside}}<div class="note">No outside call was given for these genes, so drugs that depend on them get no genotype-based recommendation:<ul class="plain">{{range .MissingOutside}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{if not .HasRecs}}<p>No drugs were evaluated for this sample.</p>{{end}}
{{if .Action}}<h3>Drugs to act on</h3>
{{range .Action}}<h4>{{.Drug}}</h4>
{{range .Cards}}{{template "card" .}}{{end}}{{end}}{{end}}
{{if .Other}}<h3>Other actions: a test, monitoring, or a result that could not be assessed</h3>
<p class="meta">These drugs are not cleared for usual dosing: the result is missing or incomplete, or the guideline asks for a test or monitoring.</p>
{{range .Other}}<h4>{{.Drug}}</h4>
{{range .Cards}}{{template "card" .}}{{end}}{{end}}{{end}}
{{if .Usual}}<details>
<summary>Usual dosing, or no genotype-based change ({{len .Usual}} drugs)</summary>
<table>
<thead><tr><th>Drug</th><th>Guidance</th><th>Guideline</th><th>What else to know</th></tr></thead>
<tbody>
{{range .Usual}}{{$d := .Drug}}{{range .Cards}}<tr{{if .Own}} class="flag"{{end}}><td>{{$d}}</td><td>{{.Text}}{{if .Population}} <span class="meta">(applies to: {{.Population}})</span>{{end}}</td><td>{{if .Recommendation.Guideline}}{{if .Recommendation.Guideline.URL}}<a href="{{.Recommendation.Guideline.URL}}">{{.Recommendation.Guideline.Name}}</a>{{else}}{{.Recommendation.Guideline.Name}}{{end}}{{if .Strength}} · {{.Strength}}{{end}}<br><span class="meta">{{.Guideline}}</span>{{else}}—{{end}}</td><td>{{if .Own}}<ul class="plain">{{range .Own}}<li>{{.}}</li>{{end}}</ul>{{end}}{{if .SeeGenes}}<span class="meta">Gene notes: {{range $i, $g := .SeeGenes}}{{if $i}}, {{end}}<a href="#{{anchor $s $g}}">{{$g}}</a>{{end}} (in the gene table)</span>{{end}}{{if not (or .Own .SeeGenes)}}nothing to add{{end}}</td></tr>
{{end}}{{end}}</tbody>
</table>
</details>{{end}}
</section>
{{end}}
</body>
</html>
{{define "card"}}<div class="rec">
<span class="badge {{actionClass .Action}}">{{actionWords .Action}}</span>{{if .Strength}} <span class="meta">strength: {{.Strength}}</span>{{end}}
<p>{{.Text}}</p>
{{if .ActionNote}}<p class="note">{{.ActionNote}}</p>{{end}}
{{if .Dose}}<p class="dose">Predicted weekly dose: {{if .Dose.AdjustedWeeklyMg}}{{mg .Dose.AdjustedWeeklyMg.Low}}–{{mg .Dose.AdjustedWeeklyMg.High}} mg after the CPIC reductions (algorithm alone {{mg .Dose.WeeklyMg}} mg){{else}}{{mg .Dose.WeeklyMg}} mg ({{mg .Dose.DailyMg}} mg a day){{end}}{{if .Dose.CYP4F2WeeklyMg}}; with the optional CYP4F2 increase {{mg .Dose.CYP4F2WeeklyMg.Low}}–{{mg .Dose.CYP4F2WeeklyMg.High}} mg a week{{end}}.</p>{{end}}
{{if .Genes}}<p class="meta">Based on: {{range $i, $g := .Genes}}{{if $i}}; {{end}}{{pheno $g}}{{end}}</p>{{end}}
{{if .Population}}<p class="meta">Applies to: {{.Population}}</p>{{end}}
{{if .Recommendation.Guideline}}<p class="meta">Guideline: {{if .Recommendation.Guideline.URL}}<a href="{{.Recommendation.Guideline.URL}}">{{.Recommendation.Guideline.Name}}</a>{{else}}{{.Recommendation.Guideline.Name}}{{end}}{{range .Recommendation.Guideline.PMIDs}} · <a href="{{pubmed .}}">PMID {{.}}</a>{{end}}{{if .Guideline}} · {{.Guideline}}{{end}}</p>{{end}}
{{if .Own}}<ul class="caveats">{{range .Own}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .SeeGenes}}<p class="meta">What to know about {{range $i, $g := .SeeGenes}}{{if $i}}, {{end}}{{$g}}{{end}} is stated once in the gene table above.</p>{{end}}
</div>
{{end}}`

// TSVHeader is the first line WriteTSV writes.
const TSVHeader = "sample\tdrug\taction\tstrength\tphenotypes\ttext\tdose_weekly_mg\tpopulation\tguideline\tguideline_url\tcaveats\trule_id\tdata_version\tguideline_published\tguideline_data_date\tguideline_version"

// WriteTSV writes one line per recommendation, samples in the order of
// samples (then any others, sorted). Tabs and newlines inside fields become
// spaces; caveats are joined with " | ".
func WriteTSV(w io.Writer, samples []string, recs map[string][]rules.Recommendation) error {
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	if _, err := fmt.Fprintln(w, TSVHeader); err != nil {
		return err
	}
	for _, s := range sampleOrder(samples, recs) {
		for _, r := range recs[s] {
			var ph []string
			for _, g := range r.Genes {
				p := g.Gene + ":" + g.Phenotype
				if g.ActivityScore != nil {
					p += fmt.Sprintf(" (AS %g)", *g.ActivityScore)
				}
				ph = append(ph, p)
			}
			dose, gname, gurl, gyear, gdate, gversion := "", "", "", "", "", ""
			if r.Dose != nil {
				dose = fmt.Sprintf("%.1f", r.Dose.WeeklyMg)
			}
			if g := r.Guideline; g != nil {
				gname, gurl, gdate, gversion = g.Name, g.URL, g.DataDate, g.Version
				if g.Published > 0 {
					gyear = fmt.Sprint(g.Published)
				}
			}
			f := []string{r.Sample, r.Drug, r.Action, r.Strength, strings.Join(ph, "; "), r.Text, dose, r.Population,
				gname, gurl, strings.Join(r.Caveats, " | "), r.RuleID, r.DataVersion, gyear, gdate, gversion}
			for i := range f {
				f[i] = clean.Replace(f[i])
			}
			if _, err := fmt.Fprintln(w, strings.Join(f, "\t")); err != nil {
				return err
			}
		}
	}
	return nil
}

// JSONReport is what WriteJSON writes.
type JSONReport struct {
	Samples []JSONSample `json:"samples"`
}

// JSONSample is one sample's recommendations.
type JSONSample struct {
	Sample          string                 `json:"sample"`
	Recommendations []rules.Recommendation `json:"recommendations"`
}

// WriteJSON writes the recommendations as indented JSON (JSONReport),
// samples in the order of samples (then any others, sorted).
func WriteJSON(w io.Writer, samples []string, recs map[string][]rules.Recommendation) error {
	out := JSONReport{Samples: []JSONSample{}}
	for _, s := range sampleOrder(samples, recs) {
		r := recs[s]
		if r == nil {
			r = []rules.Recommendation{}
		}
		out.Samples = append(out.Samples, JSONSample{Sample: s, Recommendations: r})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func sampleOrder(samples []string, recs map[string][]rules.Recommendation) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range samples {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, s := range sortedKeys(recs) {
		if !seen[s] {
			out = append(out, s)
		}
	}
	return out
}
