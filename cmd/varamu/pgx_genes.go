package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newPgxGenesCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "genes",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("genes: not built yet") },
	}
}
