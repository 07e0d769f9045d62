package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newViewCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "view",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("view: not built yet") },
	}
}
