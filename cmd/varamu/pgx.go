package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newPgxCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "pgx",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("pgx: not built yet") },
	}
}
