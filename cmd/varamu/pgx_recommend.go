package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(skeleton): replaced by the issue that owns this command.
func newPgxRecommendCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "recommend",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("recommend: not built yet") },
	}
}
