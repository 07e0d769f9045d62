package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newAlertsCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "alerts",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("alerts: not built yet") },
	}
}
