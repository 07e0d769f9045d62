package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newAnnotateCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "annotate",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("annotate: not built yet") },
	}
}
