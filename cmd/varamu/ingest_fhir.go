package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newIngestFHIRCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "fhir",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("fhir: not built yet") },
	}
}
