package main

import (
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
)

func newViewCmd(who whoami) *cobra.Command {
	var (
		dir, region, samples, sampleFile string
		noUpdate                         bool
	)
	cmd := &cobra.Command{
		Use:   "view --store DIR -r REGION [-s S1,S2 | -S FILE]",
		Short: "Write the records of a region as VCF (like bcftools view -r -s)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			chrom, start, end, err := genome.ParseRegion(region)
			if err != nil {
				return err
			}
			names, err := sampleList(samples, sampleFile)
			if err != nil {
				return err
			}
			// As lookup: a short read whose allocations are mostly decoded
			// Parquet pages (GC was 12% of a region x 50 samples' CPU).
			debug.SetGCPercent(400)
			s, g, err := stewardGenotypes(cmd.Context(), who, dir, "view "+region, names)
			if err != nil {
				return err
			}
			return s.WriteVCF(cmd.Context(), g, cmd.OutOrStdout(), chrom, start, end, names, genotypes.ViewConfig{NoUpdate: noUpdate})
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVarP(&region, "region", "r", "", "region chrom[:start[-end]]")
	cmd.Flags().StringVarP(&samples, "samples", "s", "", "comma-separated sample names (default: all)")
	cmd.Flags().StringVarP(&sampleFile, "samples-file", "S", "", "file of sample names, one per line")
	cmd.Flags().BoolVarP(&noUpdate, "no-update", "I", false, "do not recompute INFO/AC and INFO/AN for the chosen samples")
	cmd.MarkFlagRequired("store")
	cmd.MarkFlagRequired("region")
	return cmd
}
