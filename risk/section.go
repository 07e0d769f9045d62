package risk

import (
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"sync"
	"time"

	rplot "github.com/varamu/varamu/risk/plot"
)

// RiskSection is a person's risk section as people read it (the HTML report,
// the patient portal): every stored score in plain words with its figure.
// It is built (SectionOf) only from a result access has decided and logged
// (ForPerson).
type RiskSection struct {
	Person, Sample string
	// Access is the rule access decided by, and its audit entry.
	Access     string
	AuditIndex uint64
	Scores     []ScoreSection
}

// ScoreSection is one score of the person.
type ScoreSection struct {
	ID, Trait, Version string
	Computed           time.Time
	Sum                float64
	// Percentile and Z are NaN when withheld; Abstain says why.
	Percentile, Z float64
	Abstain       string
	ReferenceN    int
	Words         Words
	// SVG is the reference cohort's distribution with the person marked
	// (package risk/plot), an SVG document; nil when the reference
	// cohort is too small to draw.
	SVG []byte
}

// SectionOf writes a decided person result as a section: words and
// figures.
func SectionOf(res *PersonResult) (*RiskSection, error) {
	sec := &RiskSection{Person: res.Person, Sample: res.Sample, Access: res.Decision.Rule, AuditIndex: res.Decision.AuditIndex}
	for _, ps := range res.Scores {
		ss := ScoreSection{ID: ps.ID, Trait: ps.Record.Trait, Version: ps.Record.Version, Computed: ps.Record.Computed,
			Sum: ps.Score.Sum, Percentile: ps.Score.Percentile, Z: ps.Score.Z, Abstain: ps.Score.Abstain,
			ReferenceN: ps.Record.ReferenceN, Words: WordsOf(ps)}
		p, err := rplot.Distribution(ps.ID, ps.Reference, &rplot.Marked{Label: "you", Sum: ps.Score.Sum, Percentile: ps.Score.Percentile})
		switch {
		case errors.Is(err, rplot.ErrNoData):
		case err != nil:
			return nil, err
		default:
			if ss.SVG, err = rplot.SVG(p); err != nil {
				return nil, err
			}
		}
		sec.Scores = append(sec.Scores, ss)
	}
	return sec, nil
}

// sectionHTML is parsed on first use, not at start-up (every command of
// the binary would pay for it).
var sectionHTML = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("risk").Funcs(template.FuncMap{
		"svg": func(b []byte) template.URL {
			return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString(b))
		},
		"pct": func(x float64) string {
			if math.IsNaN(x) {
				return "not given"
			}
			return rplot.Ordinal(x)
		},
		"date": func(t time.Time) string { return t.Format(time.DateOnly) },
	}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Polygenic scores of {{.Person}}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ccc}
dt{font-weight:600;margin-top:.6rem}dd{margin:0 0 0 1rem}
.result{font-size:1.1rem;background:#f3f6fa;padding:.6rem .8rem;border-left:4px solid #3182bd}
.abstain{border-left-color:#cb181d}img{max-width:100%;height:auto}
footer{margin-top:2rem;font-size:.85rem;color:#555}
</style></head><body>
<h1>Polygenic scores of {{.Person}} (sample {{.Sample}})</h1>
{{- if not .Scores}}
<p>No polygenic score has been computed for this person.</p>
{{- end}}
{{- range .Scores}}
<section>
<h2>{{.ID}}{{if .Trait}} — {{.Trait}}{{end}}</h2>
<p class="result{{if .Abstain}} abstain{{end}}">{{.Words.Result}}</p>
<dl>
<dt>Percentile</dt><dd>{{pct .Percentile}}{{if .Abstain}} — {{.Abstain}}{{end}}</dd>
<dt>What it means</dt><dd>{{.Words.Means}}</dd>
<dt>What it does not mean</dt><dd>{{.Words.DoesNotMean}}</dd>
<dt>What was missing</dt><dd>{{.Words.Missing}}</dd>
</dl>
{{- if .SVG}}
<figure><img src="{{svg .SVG}}" alt="Scores of the {{.ReferenceN}} people of the reference cohort, with your score marked in red">
<figcaption>The reference cohort's scores with percentile bands; the red line is your score.</figcaption></figure>
{{- end}}
<p><small>Version {{.Version}}, computed {{date .Computed}}.</small></p>
</section>
{{- end}}
<footer>Shown under access rule: {{.Access}} (audit entry {{.AuditIndex}}).</footer>
</body></html>
`))
})

// WriteHTML writes the section as one self-contained HTML page (inline
// CSS and figures, no scripts).
func WriteHTML(w io.Writer, sec *RiskSection) error {
	if err := sectionHTML().Execute(w, sec); err != nil {
		return fmt.Errorf("risk: writing HTML: %w", err)
	}
	return nil
}
