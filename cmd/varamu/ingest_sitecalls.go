package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/genome/genotypes"
)

func newIngestSiteCallsCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "site-calls --store DIR",
		Short: "Add the site-major copy of the calls to batches ingested without one (for whole-cohort scans such as risk score)",
		Long: `An ingest writes each batch's calls twice: in blocks of 256 samples, so that one
person's lookup reads little, and one row a site for the whole batch (the
site_calls table), so that a scan of every sample (risk score) reads one row
a site instead of one a block. Stores ingested by an older varamu have only
the first; this command writes the second from it, for every batch without
one, in one commit (all or nothing). Its rows are those an ingest writes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			p := newProgress(cmd.ErrOrStderr(), "site-calls")
			added, err := genotypes.AddSiteCalls(cmd.Context(), dir, p)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(added) == 0 {
				fmt.Fprintf(out, "store %s: every batch has its site-major calls\n", dir)
				return nil
			}
			fmt.Fprintf(out, "store %s: site-major calls added to batches %v (%.1fs)\n", dir, added, time.Since(start).Seconds())
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.MarkFlagRequired("store")
	return cmd
}
