package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newPgxCallCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "call",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("call: not built yet") },
	}
}
