package main

import "github.com/spf13/cobra"

func newDatasetsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "datasets",
		Short: "Generate synthetic data: VCFs and a whole synthetic biobank",
	}
	cmd.AddCommand(newDatasetsSynthVCFCmd(), newDatasetsSynthCmd(), newDatasetsSynthPGSCmd())
	return cmd
}
