package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/datasets/synthvcf"
)

func newDatasetsSynthVCFCmd() *cobra.Command {
	var (
		cfg                           synthvcf.Config
		out, format, model            string
		missing, phased, multi, males float64
	)
	cmd := &cobra.Command{
		Use:   "synth-vcf --samples N --variants M --seed S -o out.vcf.gz",
		Short: "Write a deterministic synthetic VCF 4.3 (BGZF with a tabix index when the name ends in .gz)",
		Long: `Write a synthetic cohort VCF: GRCh38 contigs, rare-skewed allele frequencies,
Hardy-Weinberg genotypes, missing and partly missing calls, phased and unphased
records, multi-allelic sites, haploid chrX in males outside the PARs.
With --model ld (the default) every chromosome copy is a mosaic of a founder
panel (the Li-Stephens copying model: recombination switches founders, rare
variants are mutations on a founder's haplotype), so nearby sites are in
linkage disequilibrium as in real genomes; --model independent draws every
copy at every site independently (no linkage disequilibrium).
The same flags always give the same bytes. An output name ending in .gz is
BGZF-compressed with a tabix index (.tbi) beside it; "-" writes plain VCF to
stdout; any other name is plain VCF.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if cfg.Format, err = synthvcf.ParseFormat(format); err != nil {
				return err
			}
			if cfg.Model, err = synthvcf.ParseModel(model); err != nil {
				return err
			}
			// A literal 0 on the command line means none; the library
			// reads 0 as "default" and a negative value as none.
			rate := func(v float64) float64 {
				if v == 0 {
					return -1
				}
				return v
			}
			cfg.MissingRate, cfg.PhasedFraction = rate(missing), rate(phased)
			cfg.MultiAllelicFraction, cfg.MaleFraction = rate(multi), rate(males)
			// 0 would mean "default" to the library.
			if cfg.Samples <= 0 || cfg.Variants <= 0 {
				return fmt.Errorf("--samples %d --variants %d: want at least one of each", cfg.Samples, cfg.Variants)
			}
			if out == "-" {
				return synthvcf.Generate(cmd.Context(), cmd.OutOrStdout(), cfg)
			}
			return synthvcf.GenerateFile(cmd.Context(), out, cfg)
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Samples, "samples", synthvcf.DefaultSamples, "number of samples (S000001, ...)")
	f.IntVar(&cfg.Variants, "variants", synthvcf.DefaultVariants, "number of sites")
	f.Uint64Var(&cfg.Seed, "seed", 1, "random seed; the same flags give the same output")
	f.StringVarP(&out, "output", "o", "-", `output file (.gz: BGZF + .tbi index; "-": plain VCF on stdout)`)
	f.StringSliceVar(&cfg.Chromosomes, "chromosomes", synthvcf.DefaultChromosomes(), "GRCh38 chromosomes to spread sites over")
	f.StringVar(&format, "format", "GT", "FORMAT fields, from GT,GQ,DP,DS (GT is always written)")
	f.Float64Var(&missing, "missing", synthvcf.DefaultMissingRate, "fraction of genotype calls missing")
	f.Float64Var(&phased, "phased", synthvcf.DefaultPhasedFraction, "fraction of records phased")
	f.Float64Var(&multi, "multiallelic", synthvcf.DefaultMultiAllelicFraction, "fraction of sites with two ALT alleles")
	f.Float64Var(&males, "males", synthvcf.DefaultMaleFraction, "fraction of samples that are male (haploid chrX outside the PARs)")
	f.StringVar(&model, "model", string(synthvcf.ModelLD), "genotype model: ld (haplotypes copied from a founder panel) or independent (no linkage disequilibrium)")
	f.IntVar(&cfg.Compression.Level, "level", synthvcf.DefaultCompressionLevel, "BGZF gzip level, 1 (fastest) to 9 (smallest; bgzip uses 6)")
	return cmd
}
