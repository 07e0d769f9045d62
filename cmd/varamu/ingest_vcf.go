package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newIngestVCFCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "vcf",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("vcf: not built yet") },
	}
}
