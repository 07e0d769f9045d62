package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newQueryCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "query",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("query: not built yet") },
	}
}
