package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
)

func newIngestVCFCmd() *cobra.Command {
	var (
		dir         string
		replace     bool
		build       string
		noSiteCalls bool
	)
	cmd := &cobra.Command{
		Use:   "vcf --store DIR FILE...",
		Short: "Ingest multi-sample VCF / VCF.gz / gVCF files (one batch each; - for stdin)",
		Long: `Ingest loads each VCF file as a new batch of the genome store: new files are
written and the manifest switched only when every file loaded, so a failed or
killed ingest leaves the store as it was. A sample already in the store is
refused unless --replace is given.

Each batch's calls are written twice: in blocks of 256 samples, so that one
person's lookup reads little, and one row a site for the whole batch (the
site_calls table, about as big), so that a scan of every sample (risk
score) reads one row a site. --no-site-calls skips the second.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			res, err := genotypes.Ingest(cmd.Context(), dir, args, genotypes.IngestConfig{
				Replace:     replace,
				Build:       genome.Build(build),
				NoSiteCalls: noSiteCalls,
				Progress:    newProgress(cmd.ErrOrStderr(), "ingest"),
			})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for _, b := range res.Batches {
				fmt.Fprintf(out, "%s: batch %s, %s, %d samples, %d records (%d variant rows), %d genotypes, %.2f%% stored as exceptions\n",
					b.Source, b.Batch, b.Build, b.Samples, b.Sites, b.Variants, b.Genotypes, 100*float64(b.Exceptions)/float64(max(b.Genotypes, 1)))
			}
			fmt.Fprintf(out, "store %s at generation %d (%.1fs)\n", dir, res.Generation, time.Since(start).Seconds())
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory (created if missing)")
	cmd.Flags().BoolVar(&replace, "replace", false, "supersede samples already in the store")
	cmd.Flags().StringVar(&build, "build", "", "genome build when the header does not say (GRCh38 or GRCh37)")
	cmd.Flags().BoolVar(&noSiteCalls, "no-site-calls", false, "do not write the site-major copy of the calls (half the store; whole-cohort scans such as risk score are then several times slower; 'ingest site-calls' adds it later)")
	cmd.MarkFlagRequired("store")
	return cmd
}
