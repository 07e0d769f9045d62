// Package plot draws the figures people look at for polygenic scores, with
// gonum.org/v1/plot: a score's distribution in the reference cohort with
// percentile bands and one person's position marked, and the match rate of
// every stored score against the minimum needed. Figures are written as PNG
// and SVG.
package plot

import (
	"bytes"
	"errors"
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ErrNoData: nothing to draw.
var ErrNoData = errors.New("plot: no scores to draw")

// Marked is the person shown on a distribution.
type Marked struct {
	Label      string // e.g. the sample code
	Sum        float64
	Percentile float64 // NaN when abstained
	Abstain    string
}

// Colours: bands from light to dark, the person in a strong red.
var (
	bandColours = []color.Color{
		color.RGBA{R: 222, G: 235, B: 247, A: 255},
		color.RGBA{R: 198, G: 219, B: 239, A: 255},
		color.RGBA{R: 158, G: 202, B: 225, A: 255},
	}
	histColour   = color.RGBA{R: 49, G: 130, B: 189, A: 255}
	personColour = color.RGBA{R: 203, G: 24, B: 29, A: 255}
)

// quantile returns the q quantile of sorted values (linear interpolation).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 1 {
		return sorted[0]
	}
	h := q * float64(len(sorted)-1)
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// Distribution draws the reference cohort's scores (a histogram over
// shaded bands: 5th–95th, 20th–80th and 40th–60th percentiles) and, when
// mark is not nil, the person's score as a red line with their percentile.
func Distribution(title string, reference []float64, mark *Marked) (*plot.Plot, error) {
	if len(reference) < 2 {
		return nil, ErrNoData
	}
	sorted := append([]float64(nil), reference...)
	sort.Float64s(sorted)
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "polygenic score (sum of weight × effect allele dosage)"
	p.Y.Label.Text = fmt.Sprintf("people in the reference cohort (n = %d)", len(sorted))
	bins := min(max(len(sorted)/20, 10), 60)
	h, err := plotter.NewHist(plotter.Values(sorted), bins)
	if err != nil {
		return nil, err
	}
	h.FillColor = histColour
	h.LineStyle.Color = color.White
	top := 0.0
	for _, b := range h.Bins {
		top = max(top, b.Weight)
	}
	top *= 1.12
	for i, band := range [][2]float64{{0.05, 0.95}, {0.20, 0.80}, {0.40, 0.60}} {
		lo, hi := quantile(sorted, band[0]), quantile(sorted, band[1])
		poly, err := plotter.NewPolygon(plotter.XYs{{X: lo, Y: 0}, {X: hi, Y: 0}, {X: hi, Y: top}, {X: lo, Y: top}})
		if err != nil {
			return nil, err
		}
		poly.Color = bandColours[i]
		poly.LineStyle.Width = 0
		p.Add(poly)
		p.Legend.Add(fmt.Sprintf("%s–%s percentile", Ordinal(100*band[0]), Ordinal(100*band[1])), poly)
	}
	p.Add(h)
	if mark != nil {
		if err := addMark(p, mark, top); err != nil {
			return nil, err
		}
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Y.Max = top * 1.4 // room for the legend above the bands
	return p, nil
}

func addMark(p *plot.Plot, m *Marked, top float64) error {
	l, err := plotter.NewLine(plotter.XYs{{X: m.Sum, Y: 0}, {X: m.Sum, Y: top}})
	if err != nil {
		return err
	}
	l.LineStyle.Color = personColour
	l.LineStyle.Width = vg.Points(2.5)
	p.Add(l)
	text := fmt.Sprintf("%s: %s percentile", m.Label, Ordinal(m.Percentile))
	if math.IsNaN(m.Percentile) {
		text = m.Label + ": no percentile (see report)"
	}
	p.Legend.Add(text, l)
	lab, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: m.Sum, Y: top}}, Labels: []string{" " + m.Label}})
	if err != nil {
		return err
	}
	lab.TextStyle[0].Color = personColour
	lab.TextStyle[0].XAlign = draw.XLeft
	p.Add(lab)
	return nil
}

// Ordinal writes a percentile rounded to a whole number as an ordinal:
// "1st", "22nd", "63rd", "11th".
func Ordinal(x float64) string {
	n := int(math.Round(x))
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

// Rate is one score's match rate.
type Rate struct {
	Score     string
	Matched   int
	Variants  int
	Threshold float64 // minimum match rate for percentiles (0..1)
}

// MatchRates draws a bar per score: the share of its variants matched in
// the store, with the minimum needed for percentiles as a dashed line.
func MatchRates(rates []Rate) (*plot.Plot, error) {
	if len(rates) == 0 {
		return nil, ErrNoData
	}
	p := plot.New()
	p.Title.Text = "Variants of each score found in the store"
	p.Y.Label.Text = "matched variants (%)"
	vals := make(plotter.Values, len(rates))
	names := make([]string, len(rates))
	for i, r := range rates {
		vals[i] = 100 * float64(r.Matched) / float64(max(r.Variants, 1))
		names[i] = fmt.Sprintf("%s\n%d of %d", r.Score, r.Matched, r.Variants)
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(28))
	if err != nil {
		return nil, err
	}
	bars.Color = histColour
	bars.LineStyle.Width = 0
	p.Add(bars)
	p.NominalX(names...)
	if th := rates[0].Threshold; th > 0 {
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: 100 * th}, {X: float64(len(rates)) - 0.5, Y: 100 * th}})
		if err != nil {
			return nil, err
		}
		l.LineStyle.Color = personColour
		l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%.0f%% needed for percentiles", 100*th), l)
		p.Legend.Top = true
	}
	p.Y.Min, p.Y.Max = 0, 110
	return p, nil
}

// Save writes p as dir/name.png and dir/name.svg and returns the paths.
func Save(p *plot.Plot, dir, name string) ([]string, error) {
	var out []string
	for _, ext := range []string{".png", ".svg"} {
		path := filepath.Join(dir, name+ext)
		if err := p.Save(18*vg.Centimeter, 11*vg.Centimeter, path); err != nil {
			return nil, fmt.Errorf("plot: %s: %w", path, err)
		}
		out = append(out, path)
	}
	return out, nil
}

// SVG returns p drawn as an SVG document of the size Save uses.
func SVG(p *plot.Plot) ([]byte, error) {
	wt, err := p.WriterTo(18*vg.Centimeter, 11*vg.Centimeter, "svg")
	if err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	return b.Bytes(), nil
}
