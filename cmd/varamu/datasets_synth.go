package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newDatasetsSynthCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "synth",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("synth: not built yet") },
	}
}
