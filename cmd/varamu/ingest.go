package main

import "github.com/spf13/cobra"

func newIngestCmd(who whoami) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Load genotypes (VCF) or clinical records (FHIR) into a store",
	}
	cmd.AddCommand(newIngestVCFCmd(), newIngestFHIRCmd(who), newIngestSiteCallsCmd())
	return cmd
}
