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
// ignored). The HTML shows, per sample in call-set order: every gene's
// diplotypes, phenotype, activity score and source; every uncertainty in
// plain words (the same words the recommendations use); which outside-only
// genes (CYP2D6, HLA-A, HLA-B) were not given; then each drug's
// recommendations with action, strength, guideline link, dose and caveats.
// Output is deterministic (no timestamps), so it can be compared in tests.
package report

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

type geneRow struct {
	Gene, Diplotypes, Phenotype, Score, Source string
	Called, Flag                               bool
	Notes                                      []string
}

type drugGroup struct {
	Drug string
	Recs []rules.Recommendation
}

type sampleView struct {
	Sample, Sex    string
	Notes          []string
	Genes          []geneRow
	MissingOutside []string
	// Action holds drugs with at least one recommendation to act on;
	// Usual those whose recommendations all keep usual dosing or make no
	// genotype-based recommendation; NoGenotype those that could not be
	// assessed because a gene was not called.
	Action, Usual, NoGenotype []drugGroup
	HasRecs                   bool
}

type page struct {
	CallVersion  string
	RuleVersions []string
	Samples      []sampleView
}

// WriteHTML writes the clinician report for calls and (optionally) their
// recommendations, keyed by sample.
func WriteHTML(w io.Writer, calls pharmacogenomics.CallSet, recs map[string][]rules.Recommendation) error {
	p := page{CallVersion: calls.DataVersion}
	versions := map[string]bool{}
	outside := rules.OutsideOnlyGenes()
	for _, s := range calls.Samples {
		sv := sampleView{Sample: s.Sample, Sex: s.Sex, Notes: s.Notes}
		have := map[string]bool{}
		for _, g := range s.Genes {
			have[g.Gene] = g.Called
			row := geneRow{Gene: g.Gene, Called: g.Called, Phenotype: g.Phenotype, Source: g.Source,
				Diplotypes: strings.Join(g.Diplotypes, " or "), Notes: rules.DescribeCall(g)}
			if !g.Called {
				row.Phenotype, row.Diplotypes = "not called", "—"
			}
			if g.ActivityScore != nil {
				row.Score = fmt.Sprintf("%g", *g.ActivityScore)
			}
			row.Flag = !g.Called || g.Uncertain || len(g.Diplotypes) > 1 || len(g.MissingPositions) > 0 || len(g.Novel) > 0
			sv.Genes = append(sv.Genes, row)
		}
		for _, g := range sortedKeys(outside) {
			if !have[g] {
				sv.MissingOutside = append(sv.MissingOutside, g+": "+outside[g])
			}
		}
		var groups []drugGroup
		idx := map[string]int{}
		for _, r := range recs[s.Sample] {
			versions[r.DataVersion] = true
			i, ok := idx[r.Drug]
			if !ok {
				i = len(groups)
				idx[r.Drug] = i
				groups = append(groups, drugGroup{Drug: r.Drug})
			}
			groups[i].Recs = append(groups[i].Recs, r)
			sv.HasRecs = true
		}
		for _, g := range groups {
			switch drugClass(g.Recs) {
			case classAction:
				sv.Action = append(sv.Action, g)
			case classNoGenotype:
				sv.NoGenotype = append(sv.NoGenotype, g)
			default:
				sv.Usual = append(sv.Usual, g)
			}
		}
		p.Samples = append(p.Samples, sv)
	}
	p.RuleVersions = sortedKeys(versions)
	return htmlTmpl.Execute(w, p)
}

const (
	classUsual = iota
	classAction
	classNoGenotype
)

// drugClass puts a drug in the report section its recommendations call for.
func drugClass(recs []rules.Recommendation) int {
	noGeno := true
	for _, r := range recs {
		switch r.Action {
		case rules.ActionStandard, rules.ActionNoRecommendation:
			noGeno = false
		case rules.ActionNoGenotype:
		default:
			return classAction
		}
	}
	if noGeno {
		return classNoGenotype
	}
	return classUsual
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
	rules.ActionUseAlgorithm: "blue", rules.ActionStandard: "green", rules.ActionNoRecommendation: "grey", rules.ActionNoGenotype: "grey",
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
}

var htmlTmpl = template.Must(template.New("report").Funcs(funcs).Parse(`<!DOCTYPE html>
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
.rec{border:1px solid #d0d0d0;border-radius:4px;padding:.5rem .8rem;margin:.5rem 0}
.badge{display:inline-block;border-radius:3px;padding:0 .45rem;font-size:.85rem;font-weight:600;color:#fff}
.red{background:#b3261e}.amber{background:#9a6700}.green{background:#1e7a34}.blue{background:#1f5fa8}.grey{background:#666}
.caveats{margin:.3rem 0 0 1.1rem;padding:0;color:#6b4b00}.dose{font-weight:600}
ul.plain{margin:.2rem 0 .2rem 1.1rem;padding:0}
@media print{body{margin:0}.rec{break-inside:avoid}}
</style>
</head>
<body>
<h1>Pharmacogenomic report</h1>
<p class="meta">Allele data version: {{if .CallVersion}}{{.CallVersion}}{{else}}not recorded{{end}}{{range .RuleVersions}} · guideline data version: {{.}}{{end}}</p>
<p class="meta">Recommendations paraphrase CPIC and DPWG guidelines; follow the linked guideline for full dosing detail. Rows marked in yellow have something the prescriber must know.</p>
{{range .Samples}}
<section>
<h2>Sample {{.Sample}}</h2>
<p class="meta">Sex: {{if .Sex}}{{.Sex}}{{else}}not recorded{{end}}</p>
{{range .Notes}}<p class="note">{{.}}</p>{{end}}
<h3>Genes</h3>
<table>
<thead><tr><th>Gene</th><th>Diplotype</th><th>Phenotype</th><th>Activity score</th><th>Source</th><th>What to know</th></tr></thead>
<tbody>
{{range .Genes}}<tr{{if .Flag}} class="flag"{{end}}><td>{{.Gene}}</td><td>{{.Diplotypes}}</td><td>{{.Phenotype}}</td><td>{{if .Score}}{{.Score}}{{else}}—{{end}}</td><td>{{if .Source}}{{.Source}}{{else}}—{{end}}</td><td>{{if .Notes}}<ul class="plain">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{else}}nothing to add{{end}}</td></tr>
{{end}}</tbody>
</table>
{{if .MissingOutside}}<div class="note">No outside call was given for these genes, so drugs that depend on them get no genotype-based recommendation:<ul class="plain">{{range .MissingOutside}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
<h3>Drugs that need attention</h3>
{{if not .HasRecs}}<p>No drugs were evaluated for this sample.</p>{{else if not .Action}}<p>None of the evaluated drugs needs a change for this patient's results.</p>{{end}}
{{range .Action}}<h4>{{.Drug}}</h4>
{{range .Recs}}{{template "rec" .}}{{end}}{{end}}
{{if .Usual}}<h3>Usual dosing, or no genotype-based change</h3>
<table>
<thead><tr><th>Drug</th><th>Guidance</th><th>Guideline</th><th>What to know</th></tr></thead>
<tbody>
{{range .Usual}}{{$d := .Drug}}{{range .Recs}}<tr{{if .Caveats}} class="flag"{{end}}><td>{{$d}}</td><td>{{.Text}}{{if .Population}} <span class="meta">(applies to: {{.Population}})</span>{{end}}</td><td>{{if .Guideline}}{{if .Guideline.URL}}<a href="{{.Guideline.URL}}">{{.Guideline.Body}}</a>{{else}}{{.Guideline.Body}}{{end}}{{if .Strength}} · {{.Strength}}{{end}}{{else}}—{{end}}</td><td>{{if .Caveats}}<ul class="plain">{{range .Caveats}}<li>{{.}}</li>{{end}}</ul>{{else}}nothing to add{{end}}</td></tr>
{{end}}{{end}}</tbody>
</table>{{end}}
{{if .NoGenotype}}<h3>Not assessed: a needed gene was not called</h3>
<table>
<thead><tr><th>Drug</th><th>Why</th></tr></thead>
<tbody>
{{range .NoGenotype}}{{$d := .Drug}}{{range .Recs}}<tr><td>{{$d}}</td><td>{{.Text}}</td></tr>
{{end}}{{end}}</tbody>
</table>{{end}}
</section>
{{end}}
</body>
</html>
{{define "rec"}}<div class="rec">
<span class="badge {{actionClass .Action}}">{{actionWords .Action}}</span>{{if .Strength}} <span class="meta">strength: {{.Strength}}</span>{{end}}
<p>{{.Text}}</p>
{{if .Dose}}<p class="dose">Predicted weekly dose: {{mg .Dose.WeeklyMg}} mg ({{mg .Dose.DailyMg}} mg a day){{if .Dose.CYP4F2WeeklyMg}}; with the optional CYP4F2 increase {{mg .Dose.CYP4F2WeeklyMg.Low}}–{{mg .Dose.CYP4F2WeeklyMg.High}} mg a week{{end}}.</p>{{end}}
{{if .Genes}}<p class="meta">Based on: {{range $i, $g := .Genes}}{{if $i}}; {{end}}{{pheno $g}}{{end}}</p>{{end}}
{{if .Population}}<p class="meta">Applies to: {{.Population}}</p>{{end}}
{{if .Guideline}}<p class="meta">Guideline: {{if .Guideline.URL}}<a href="{{.Guideline.URL}}">{{.Guideline.Name}}</a>{{else}}{{.Guideline.Name}}{{end}}{{range .Guideline.PMIDs}} · <a href="{{pubmed .}}">PMID {{.}}</a>{{end}}</p>{{end}}
{{if .Caveats}}<ul class="caveats">{{range .Caveats}}<li>{{.}}</li>{{end}}</ul>{{end}}
</div>
{{end}}`))

// TSVHeader is the first line WriteTSV writes.
const TSVHeader = "sample\tdrug\taction\tstrength\tphenotypes\ttext\tdose_weekly_mg\tpopulation\tguideline\tguideline_url\tcaveats\trule_id\tdata_version"

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
			dose, gname, gurl := "", "", ""
			if r.Dose != nil {
				dose = fmt.Sprintf("%.1f", r.Dose.WeeklyMg)
			}
			if r.Guideline != nil {
				gname, gurl = r.Guideline.Name, r.Guideline.URL
			}
			f := []string{r.Sample, r.Drug, r.Action, r.Strength, strings.Join(ph, "; "), r.Text, dose, r.Population,
				gname, gurl, strings.Join(r.Caveats, " | "), r.RuleID, r.DataVersion}
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
