package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/datasets/synthpgs"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk"
	"github.com/varamu/varamu/risk/pgs"
	rplot "github.com/varamu/varamu/risk/plot"
	"github.com/varamu/varamu/store"
)

// demoRisk scores the demo biobank with a synthetic scoring file made from
// its VCF, stores the result, and draws one sample's position in the
// cohort. It returns the lines to print and the figure's path.
func demoRisk(ctx context.Context, out, dir, actor, vcfPath, sample string) (summary string, figure string, line risk.SampleScore, err error) {
	scorePath := filepath.Join(out, "demo-score.txt")
	f, err := os.Create(scorePath)
	if err != nil {
		return "", "", line, err
	}
	_, err = synthpgs.FromVCF(vcfPath, synthpgs.Config{Variants: 300, Seed: 1, ID: "VARAMU_DEMO"}, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", "", line, err
	}
	s, err := pgs.ReadFile(scorePath)
	if err != nil {
		return "", "", line, err
	}
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return "", "", line, err
	}
	permit, err := access.OpenSteward(ctx, st, access.StewardAccess{Actor: actor, Scope: "risk score VARAMU_DEMO: all participants"})
	if err != nil {
		return "", "", line, err
	}
	gs, err := genotypes.FromStore(st)
	if err != nil {
		return "", "", line, err
	}
	res, err := risk.Run(ctx, st, gs, permit, []*pgs.Score{s}, risk.Config{})
	if err != nil {
		return "", "", line, err
	}
	r := res[0]
	var ref []float64
	for _, x := range r.Samples {
		if x.Reference {
			ref = append(ref, x.Sum)
		}
		if x.Sample == sample {
			line = x
		}
	}
	p, err := rplot.Distribution("VARAMU_DEMO (synthetic demonstration score)", ref, &rplot.Marked{Label: sample, Sum: line.Sum, Percentile: line.Percentile})
	if err != nil {
		return "", "", line, err
	}
	paths, err := rplot.Save(p, out, "distribution-VARAMU_DEMO-"+sample)
	if err != nil {
		return "", "", line, err
	}
	return matchSummary(r), paths[0], line, nil
}

// printRiskLine prints one sample's score in a line.
func printRiskLine(w io.Writer, l risk.SampleScore) {
	if l.Abstain != "" {
		fmt.Fprintf(w, "          %s: sum %.4g, no percentile: %s\n", l.Sample, l.Sum, l.Abstain)
		return
	}
	fmt.Fprintf(w, "          %s: sum %.4g, z %.2f, %s percentile of %s\n", l.Sample, l.Sum, l.Z, rplot.Ordinal(l.Percentile), "the biobank")
}
