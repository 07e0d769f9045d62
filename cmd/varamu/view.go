package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/genome"
	gstore "github.com/varamu/varamu/genome/store"
)

func newViewCmd() *cobra.Command {
	var (
		dir, region, samples, sampleFile string
		noUpdate                         bool
		actor                            string
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
			var names []string
			if samples != "" {
				names = strings.Split(samples, ",")
			}
			if sampleFile != "" {
				f, err := os.Open(sampleFile)
				if err != nil {
					return err
				}
				defer f.Close()
				sc := bufio.NewScanner(f)
				for sc.Scan() {
					if l := strings.TrimSpace(sc.Text()); l != "" {
						names = append(names, l)
					}
				}
				if err := sc.Err(); err != nil {
					return fmt.Errorf("%s: %w", sampleFile, err)
				}
			}
			s, err := gstore.Open(dir)
			if err != nil {
				return err
			}
			if err := logStewardship(cmd.Context(), dir, actor, fmt.Sprintf("view %s of %d samples", region, max(len(names), 1))); err != nil {
				return err
			}
			return s.WriteVCF(cmd.Context(), cmd.OutOrStdout(), chrom, start, end, names, gstore.ViewOptions{NoUpdate: noUpdate})
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVarP(&region, "region", "r", "", "region chrom[:start[-end]]")
	cmd.Flags().StringVarP(&samples, "samples", "s", "", "comma-separated sample names (default: all)")
	cmd.Flags().StringVarP(&sampleFile, "samples-file", "S", "", "file of sample names, one per line")
	cmd.Flags().StringVar(&actor, "actor", defaultActor(), "who is asking, for the audit log (a steward access)")
	cmd.Flags().BoolVarP(&noUpdate, "no-update", "I", false, "do not recompute INFO/AC and INFO/AN for the chosen samples")
	cmd.MarkFlagRequired("store")
	cmd.MarkFlagRequired("region")
	return cmd
}
