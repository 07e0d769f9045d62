package main

import (
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/pharmacogenomics/calling"
)

func newAnnotateCmd(who whoami) *cobra.Command {
	var dir, outside string
	var opt annotate.Config
	cmd := &cobra.Command{
		Use:   "annotate --store DIR",
		Short: "Call every pharmacogene for every sample of the genome store (resumable; records changes between data versions)",
		Long: `annotate calls the pharmacogenes of every sample in the store and writes the
tables pgx_calls, pgx_phenotypes, pgx_recommendations (genotype-only guidance)
and pgx_changes (what changed since the previous data version, so that
clinicians can be told). It commits in chunks: an interrupted run picks up
where it stopped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if outside != "" {
				f, err := os.Open(outside)
				if err != nil {
					return err
				}
				opt.Outside, err = calling.ParseOutsideCalls(f, outside)
				f.Close()
				if err != nil {
					return err
				}
			}
			actor, err := who()
			if err != nil {
				return err
			}
			bar := newProgress(cmd.ErrOrStderr(), "annotate")
			opt.Progress = func(done, total int) { bar(int64(done), int64(total)) }
			res, err := annotate.Run(cmd.Context(), dir, actor, opt)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "data version: %s\n", res.DataVersion)
			rate := 0.0
			if res.Elapsed > 0 {
				rate = float64(res.Annotated) / res.Elapsed.Seconds()
			}
			fmt.Fprintf(out, "annotated %d samples (%d already done) in %s, %.0f samples/s\n", res.Annotated, res.Skipped, res.Elapsed.Round(time.Millisecond), rate)
			if res.Previous != "" {
				fmt.Fprintf(out, "compared with %s: %d samples changed (see table pgx_changes)\n", res.Previous, res.Changed)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().IntVar(&opt.Workers, "workers", 0, "parallel callers (default: all cores)")
	cmd.Flags().IntVar(&opt.ChunkSamples, "chunk", 0, "samples per commit (default 5000)")
	cmd.Flags().Float64Var(&opt.MinConfidence, "min-confidence", 0, "calls below this genotype-probability confidence are uncertain (default 0.9)")
	cmd.Flags().StringVar(&outside, "outside-calls", "", "TSV of calls made elsewhere (CYP2D6, HLA-A, HLA-B): sample, gene, diplotype or phenotype")
	cmd.MarkFlagRequired("store")
	return cmd
}
