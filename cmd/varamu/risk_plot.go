package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/risk"
	rplot "github.com/varamu/varamu/risk/plot"
	"github.com/varamu/varamu/store"
)

func newRiskPlotCmd(who whoami) *cobra.Command {
	var dir, score, sample, out string
	cmd := &cobra.Command{
		Use:   "plot --store DIR --score ID [--sample S] -o DIR",
		Short: "Plot a stored score's distribution in the reference cohort (one sample marked) and the match rate of every score, as PNG and SVG",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := store.Open(dir, store.Config{})
			if err != nil {
				return err
			}
			scope := "risk plot " + score + ": distribution of all participants' scores"
			if sample != "" {
				scope += ", sample " + sample + " marked"
			}
			actor, err := who()
			if err != nil {
				return err
			}
			if _, err := access.OpenSteward(ctx, st, access.StewardAccess{Actor: actor, Scope: scope}); err != nil {
				return err
			}
			paths, err := riskPlots(st, score, sample, out, cmd)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), strings.Join(paths, "\n"))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVar(&score, "score", "", "score id (pgs_id) as stored by varamu risk score")
	cmd.Flags().StringVar(&sample, "sample", "", "sample to mark on the distribution")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output directory")
	cmd.MarkFlagRequired("store")
	cmd.MarkFlagRequired("score")
	cmd.MarkFlagRequired("output")
	return cmd
}

// riskPlots writes the distribution of score (sample marked when given)
// and the match rates of every stored score into out.
func riskPlots(st *store.Store, score, sample, out string, cmd *cobra.Command) ([]string, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	rec, scores, err := risk.ReadScores(cmd.Context(), st, score)
	if err != nil {
		return nil, err
	}
	var ref []float64
	var mark *rplot.Marked
	for _, s := range scores {
		if s.Reference {
			ref = append(ref, s.Sum)
		}
		if s.Sample == sample {
			mark = &rplot.Marked{Label: s.Sample, Sum: s.Sum, Percentile: s.Percentile, Abstain: s.Abstain}
		}
	}
	if sample != "" && mark == nil {
		return nil, fmt.Errorf("score %s has no sample %q", score, sample)
	}
	title := score
	if rec.Trait != "" {
		title += " (" + rec.Trait + ")"
	}
	p, err := rplot.Distribution(title, ref, mark)
	if err != nil {
		return nil, err
	}
	name := "distribution-" + score
	if sample != "" {
		name += "-" + sample
	}
	paths, err := rplot.Save(p, out, name)
	if err != nil {
		return nil, err
	}
	var sec risk.Section
	if _, err := st.Manifest().Section(risk.SectionKey, &sec); err != nil {
		return nil, err
	}
	var rates []rplot.Rate
	for id, r := range sec.Scores {
		rates = append(rates, rplot.Rate{Score: id, Matched: r.Report.Matched, Variants: r.Report.Variants, Threshold: 0.75})
	}
	sort.Slice(rates, func(i, j int) bool { return rates[i].Score < rates[j].Score })
	mp, err := rplot.MatchRates(rates)
	if err != nil {
		return nil, err
	}
	more, err := rplot.Save(mp, out, "match-rates")
	if err != nil {
		return nil, err
	}
	return append(paths, more...), nil
}
