package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newDatasetsSynthVCFCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "synth-vcf",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("synth-vcf: not built yet") },
	}
}
