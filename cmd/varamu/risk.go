package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/risk"
	"github.com/varamu/varamu/risk/pgs"
	"github.com/varamu/varamu/store"
)

func newRiskCmd(who whoami) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "risk",
		Short: "Polygenic scores (PGS Catalog files, equal to plink2 --score), monogenic findings under consent, plots",
	}
	cmd.AddCommand(newRiskScoreCmd(who), newRiskPlotCmd(who), newRiskReportCmd(who), newRiskFindingsCmd(who))
	return cmd
}

// sampleList reads a comma-separated list and/or a file of one name a line.
func sampleList(list, file string) ([]string, error) {
	var names []string
	if list != "" {
		names = strings.Split(list, ",")
	}
	if file != "" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				names = append(names, l)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	return names, nil
}

func newRiskScoreCmd(who whoami) *cobra.Command {
	var dir, samples, sampleFile, ref, refFile, build, format, out string
	var cfg risk.Config
	cmd := &cobra.Command{
		Use:   "score --store DIR SCOREFILE... [--samples S1,S2] [--format table|csv|json|parquet]",
		Short: "Compute polygenic scores for the store's samples in one pass and store them (tables risk_scores, risk_matches)",
		Long: `score reads PGS Catalog scoring files (format 2.0; plain or gzip), matches their
variants to the store by position and alleles (strand flips, swapped alleles,
multi-allelic sites; strand-ambiguous A/T and C/G SNPs only when allele
frequencies tell the strands apart), and computes every sample's SUM and AVG
as plink2 --score does (missing genotypes mean-imputed from the cohort
frequency). Each sample gets a z-score and percentile within the reference
cohort (every sample in the store, or --reference; its samples are scored
too), or an abstention saying why.
The results replace earlier ones of the same score id in the store; a
scoring file whose genome build differs from the store's is refused.
Scoring the biobank is a steward access, logged before genotypes are read.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch format {
			case "table", "csv", "json":
			case "parquet":
				if out == "" {
					return fmt.Errorf("--format parquet needs -o FILE")
				}
			default:
				return fmt.Errorf("--format %q: want table, csv, json or parquet", format)
			}
			if build != "" {
				if cfg.Build = genome.BuildFromName(build); cfg.Build == genome.UnknownBuild {
					return fmt.Errorf("--build %q: want GRCh37 or GRCh38", build)
				}
			}
			var err error
			if cfg.Samples, err = sampleList(samples, sampleFile); err != nil {
				return err
			}
			if cfg.Reference, err = sampleList(ref, refFile); err != nil {
				return err
			}
			scores, err := pgs.ReadHeaders(args)
			if err != nil {
				return err
			}
			st, err := store.Open(dir, store.Config{})
			if err != nil {
				return err
			}
			gs, err := genotypes.FromStore(st)
			if err != nil {
				return err
			}
			var ids []string
			for _, s := range scores {
				ids = append(ids, s.ID())
			}
			actor, err := who()
			if err != nil {
				return err
			}
			// The permit covers what the job reads: the named samples and
			// the reference cohort, or every participant.
			whom, read := "all participants", []string(nil)
			if cfg.Samples != nil && cfg.Reference != nil {
				whom = fmt.Sprintf("samples %s; reference cohort of %d samples", strings.Join(cfg.Samples, ","), len(cfg.Reference))
				read = append(slices.Clone(cfg.Samples), cfg.Reference...)
			}
			permit, err := access.OpenSteward(ctx, st, access.StewardAccess{Actor: actor, Scope: fmt.Sprintf("risk score %s: %s", strings.Join(ids, ", "), whom), Samples: read})
			if err != nil {
				return err
			}
			start := time.Now()
			bar := newProgress(cmd.ErrOrStderr(), "risk score")
			cfg.Progress = func(done, total int) { bar(int64(done), int64(total)) }
			res, err := risk.RunFiles(ctx, st, gs, permit, args, cfg)
			if err != nil {
				return err
			}
			ew := cmd.ErrOrStderr()
			for _, r := range res {
				fmt.Fprint(ew, matchSummary(r))
			}
			fmt.Fprintf(ew, "stored as %s in %.1fs (tables risk_scores, risk_matches)\n", versions(res), time.Since(start).Seconds())
			return writeScores(cmd.OutOrStdout(), format, out, res, cfg.Samples)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "store", "", "store directory")
	fl.StringVar(&samples, "samples", "", "comma-separated samples to score (default: every sample)")
	fl.StringVar(&sampleFile, "samples-file", "", "file of samples to score, one a line")
	fl.StringVar(&ref, "reference", "", "comma-separated reference cohort for z-scores, percentiles and imputation frequencies (default: every sample in the store)")
	fl.StringVar(&refFile, "reference-file", "", "file of the reference cohort, one sample a line")
	fl.StringVar(&build, "build", "", "genome build of scoring files that name none (GRCh37 or GRCh38)")
	fl.BoolVar(&cfg.NoMeanImputation, "no-mean-imputation", false, "leave missing genotypes out instead of imputing the cohort mean (plink2 no-mean-imputation)")
	fl.Float64Var(&cfg.MinMatchRate, "min-match-rate", 0, "share of a score's variants that must match for percentiles (default 0.75)")
	fl.Float64Var(&cfg.MaxMissingRate, "max-missing", 0, "share of a person's matched variants that may be missing before their percentile is withheld (default 0.1)")
	fl.IntVar(&cfg.MinReference, "min-reference", 0, "smallest reference cohort for percentiles (default 100)")
	fl.StringVar(&format, "format", "table", "output: table, csv, json or parquet")
	fl.StringVarP(&out, "output", "o", "", "output file (parquet)")
	cmd.MarkFlagRequired("store")
	return cmd
}

func versions(res []*risk.ScoreResult) string {
	var v []string
	for _, r := range res {
		v = append(v, r.Version)
	}
	return strings.Join(v, ", ")
}

// matchSummary is the match report of one score in a few lines.
func matchSummary(r *risk.ScoreResult) string {
	p := r.Report
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s, %s): %d of %d variants matched (%.1f%%): %d direct, %d effect allele on REF, %d strand-flipped, %d strand-ambiguous resolved; %d multi-allelic sites, %d dominant, %d recessive\n",
		r.ID, r.Path, r.Build, p.Matched, p.Variants, 100*p.MatchRate(), p.Direct, p.Swapped, p.Flipped, p.AmbiguousResolved, p.MultiAllelic, p.Dominant, p.Recessive)
	fmt.Fprintf(&b, "  not used: %d strand-ambiguous dropped, %d positions not in the store, %d with other alleles; %d missing genotypes mean-imputed\n",
		p.AmbiguousDropped, p.NoSite, p.AlleleMismatch, p.MissingGenotypes)
	fmt.Fprintf(&b, "  reference cohort: %d samples, mean %.4g, SD %.4g\n", r.Reference.N, r.Reference.Mean, r.Reference.SD)
	if r.Abstain != "" {
		fmt.Fprintf(&b, "  no percentiles: %s\n", r.Abstain)
	}
	return b.String()
}

// nullable turns NaN into SQL NULL for the output formats.
func nullable(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return x
}

// writeScores writes the scored samples (the ones asked for, or all).
func writeScores(w io.Writer, format, out string, res []*risk.ScoreResult, only []string) error {
	if format == "parquet" {
		return risk.WriteScoresParquet(out, res, only)
	}
	keep := map[string]bool{}
	for _, s := range only {
		keep[s] = true
	}
	r := &query.Result{Columns: []string{"sample", "score", "sum", "avg", "z", "percentile", "missing", "abstain"}}
	for _, sr := range res {
		for _, s := range sr.Samples {
			if len(keep) > 0 && !keep[s.Sample] {
				continue
			}
			var sum, avg any = s.Sum, nullable(s.Avg)
			if format == "table" {
				sum, avg = strconv.FormatFloat(s.Sum, 'g', 6, 64), strconv.FormatFloat(s.Avg, 'g', 6, 64)
			}
			r.Rows = append(r.Rows, []any{s.Sample, sr.ID, sum, avg, nullable(round2(s.Z)), nullable(round2(s.Percentile)), int64(s.Missing), s.Abstain})
		}
	}
	switch format {
	case "csv":
		return r.WriteCSV(w)
	case "json":
		return r.WriteJSON(w)
	}
	return r.WriteTable(w)
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }
