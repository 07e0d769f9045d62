package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/pharmacogenomics/report"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

func newPgxCallCmd() *cobra.Command {
	var (
		samples, sexes      []string
		outsidePath, format string
		outPath             string
		minConfidence       float64
	)
	cmd := &cobra.Command{
		Use:   "call FILE.vcf[.gz] [--sample S]... [--outside-calls F] [--min-confidence X] [--format json|tsv|html]",
		Short: "Call star-allele diplotypes and phenotypes for every sample of a VCF (GRCh38), in one pass",
		Long: `Reads the VCF once, keeping only the records at pharmacogene positions, and calls every gene for
every sample (or the --sample ones). Positions the VCF does not cover are missing, never assumed reference:
give a VCF with reference calls (or a gVCF) for complete calls. CYP2D6, HLA-A and HLA-B come only from
--outside-calls (MT-RNR1 is called from chrM, or taken from an outside call): a tab-separated file of gene, diplotype[, phenotype[, activity score]] lines, or with a
header "sample	gene	diplotype	phenotype	activity" for several samples.
--format json writes the CallSet contract; tsv one line per sample and gene; html the clinician report with
guideline recommendations (no clinical facts: use 'varamu pgx recommend' to add them).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "json", "tsv", "html":
			default:
				return fmt.Errorf("--format %q: want json, tsv or html", format)
			}
			db, err := alleles.Load()
			if err != nil {
				return err
			}
			if minConfidence == 0 { // Config reads zero as the default
				minConfidence = math.SmallestNonzeroFloat64
			}
			caller, err := calling.New(db, calling.Config{MinConfidence: minConfidence})
			if err != nil {
				return err
			}
			opt := calling.VCFConfig{Sex: map[string]calling.Sex{}}
			for _, s := range samples {
				for _, x := range strings.Split(s, ",") {
					if x = strings.TrimSpace(x); x != "" {
						opt.Samples = append(opt.Samples, x)
					}
				}
			}
			for _, s := range sexes {
				name, v, ok := strings.Cut(s, "=")
				if !ok {
					return fmt.Errorf("--sex %q: want SAMPLE=male|female", s)
				}
				sx, err := calling.ParseSex(v)
				if err != nil {
					return err
				}
				opt.Sex[name] = sx
			}
			if outsidePath != "" {
				f, err := os.Open(outsidePath)
				if err != nil {
					return err
				}
				opt.Outside, err = calling.ParseOutsideCalls(f, outsidePath)
				f.Close()
				if err != nil {
					return err
				}
				if err := caller.CheckOutside(opt.Outside, outsidePath); err != nil {
					return err
				}
			}
			r, err := vcf.Open(args[0])
			if err != nil {
				return err
			}
			defer r.Close()
			cs, err := caller.CallVCF(cmd.Context(), r, opt)
			if err != nil {
				return err
			}
			var out io.Writer = cmd.OutOrStdout()
			if outPath != "" && outPath != "-" {
				f, err := os.Create(outPath)
				if err != nil {
					return err
				}
				defer f.Close()
				out = f
			}
			switch format {
			case "tsv":
				return calling.WriteTSV(out, cs)
			case "html":
				eng, err := rules.LoadEmbedded()
				if err != nil {
					return err
				}
				recs, err := eng.RecommendSet(cmd.Context(), cs, nil)
				if err != nil {
					return err
				}
				return report.WriteHTML(out, cs, recs)
			}
			enc := json.NewEncoder(out)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false) // allele names such as "c.1905+1G>A" stay readable
			return enc.Encode(cs)
		},
	}
	cmd.Flags().StringSliceVar(&samples, "sample", nil, "call only these samples (repeat or comma-separate); default all")
	cmd.Flags().StringSliceVar(&sexes, "sex", nil, "known sex, SAMPLE=male|female (repeatable); otherwise inferred from chrX ploidy")
	cmd.Flags().StringVar(&outsidePath, "outside-calls", "", "TSV of outside calls (gene, diplotype[, phenotype[, activity]])")
	cmd.Flags().Float64Var(&minConfidence, "min-confidence", calling.DefaultMinConfidence, "calls whose genotype-probability confidence is below this are uncertain")
	cmd.Flags().StringVar(&format, "format", "json", "output format: json, tsv or html")
	cmd.Flags().StringVarP(&outPath, "output", "o", "", "write to this file instead of standard output")
	return cmd
}
