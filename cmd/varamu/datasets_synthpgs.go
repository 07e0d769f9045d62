package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/datasets/synthpgs"
)

func newDatasetsSynthPGSCmd() *cobra.Command {
	var cfg synthpgs.Config
	var vcfPath, out string
	cmd := &cobra.Command{
		Use:   "synth-pgs --vcf FILE --variants N [--seed S] -o score.txt",
		Short: "Write a synthetic PGS Catalog scoring file over a VCF's biallelic SNVs (for demos and benchmarks; not a published score)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			n, err := synthpgs.FromVCF(vcfPath, cfg, f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(out)
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d variants\n", out, n)
			return nil
		},
	}
	cmd.Flags().StringVar(&vcfPath, "vcf", "", "VCF to take positions and alleles from")
	cmd.Flags().IntVar(&cfg.Variants, "variants", 1000, "scoring variants")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 1, "seed of weights and effect alleles")
	cmd.Flags().StringVar(&cfg.ID, "id", "", "pgs_id to write (default VARAMU_SYNTH)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output scoring file")
	cmd.MarkFlagRequired("vcf")
	cmd.MarkFlagRequired("output")
	return cmd
}
