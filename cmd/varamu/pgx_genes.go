package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

func newPgxGenesCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "genes",
		Short: "List the pharmacogenes, their positions (GRCh38) and the embedded data version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := alleles.Load()
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "# data version %s\n", db.Version)
			for _, s := range db.Sources {
				at := ""
				if s.Commit != "" {
					at = "@" + s.Commit
				}
				fmt.Fprintf(w, "# %s %s from %s%s\n", s.Table, s.Version, s.Via, at)
			}
			fmt.Fprintln(w, "gene\tchromosome\tpositions\tfirst\tlast\talleles\tcalled from\tdefinitions\tphenotypes")
			for _, g := range db.Genes {
				lo, hi := g.Span()
				from, chrom, first, last := "vcf", g.Chrom, fmt.Sprint(lo), fmt.Sprint(hi)
				if g.Outside {
					from, chrom, first, last = "outside call", "-", "-", "-"
				}
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\n", g.Name, chrom, len(g.Positions), first, last,
					len(g.Alleles), from, dash(g.DefinitionVersion), dash(g.PhenotypeVersion))
			}
			return w.Flush()
		},
	}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
