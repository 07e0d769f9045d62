package main

import "github.com/spf13/cobra"

func newPgxCmd(who whoami) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pgx",
		Short: "Pharmacogenomics: genes, star-allele calls, guideline recommendations",
	}
	cmd.AddCommand(newPgxGenesCmd(), newPgxCallCmd(), newPgxRecommendCmd())
	return cmd
}
