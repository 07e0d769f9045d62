package plot

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

func TestDistributionAndMatchRates(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ref := make([]float64, 2000)
	for i := range ref {
		ref[i] = rng.NormFloat64()*0.3 + 1.2
	}
	dir := t.TempDir()
	if dir2 := os.Getenv("VARAMU_PLOT_DIR"); dir2 != "" {
		dir = dir2 // to look at the figures
	}
	p, err := Distribution("PGS001229 (standing height)", ref, &Marked{Label: "V6E734227", Sum: 1.62, Percentile: 91})
	if err != nil {
		t.Fatal(err)
	}
	paths, err := Save(p, dir, "distribution")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if w := img.Bounds().Dx(); w < 500 {
		t.Errorf("PNG %d px wide", w)
	}
	svg, _ := os.ReadFile(paths[1])
	for _, want := range []string{"<svg", "V6E734227: 91st percentile", "5th–95th percentile"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	q, err := MatchRates([]Rate{{"PGS001229", 732, 835, 0.75}, {"demo", 100, 400, 0.75}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Save(q, dir, "match-rates"); err != nil {
		t.Fatal(err)
	}
	abst, err := Distribution("x", ref, &Marked{Label: "S1", Sum: 1, Percentile: math.NaN()})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, _ := abst.WriterTo(400, 300, "svg")
	w.WriteTo(&buf)
	if !strings.Contains(buf.String(), "no percentile") {
		t.Error("abstained person not labelled")
	}
	if _, err := Distribution("x", ref[:1], nil); !errors.Is(err, ErrNoData) {
		t.Errorf("one value: %v", err)
	}
}

func TestOrdinal(t *testing.T) {
	for x, want := range map[float64]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12.4: "12th", 13: "13th", 21: "21st", 92: "92nd", 99.6: "100th"} {
		if got := Ordinal(x); got != want {
			t.Errorf("Ordinal(%v) = %q, want %q", x, got, want)
		}
	}
}

func TestQuantile(t *testing.T) {
	s := []float64{0, 10, 20, 30, 40}
	for q, want := range map[float64]float64{0: 0, 0.5: 20, 1: 40, 0.05: 2} {
		if got := quantile(s, q); math.Abs(got-want) > 1e-12 {
			t.Errorf("quantile(%v) = %v, want %v", q, got, want)
		}
	}
}
