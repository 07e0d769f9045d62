package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/audit"
	vstore "github.com/varamu/varamu/store"
)

// newVerifyCmd checks a store end to end: every data file against the
// current manifest, the audit log (see varamu audit verify) and every
// manifest in history/ against the generations the log holds.
//
// Engineer h2 owns the data-file checks of this command; this file adds
// the log checks (verifyHistory, audit.VerifyLog) next to them.
func newVerifyCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "verify --store DIR",
		Short: "Check every data file against the manifest, the audit log, and every history/ manifest against the log",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := vstore.Open(dir, vstore.Options{})
			if err != nil {
				return err
			}
			if err := st.Verify(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "data files: every file of generation %d matches the manifest\n", st.Manifest().Generation)
			rep, err := audit.VerifyLog(cmd.Context(), dir, audit.VerifyOptions{})
			if err != nil {
				return err
			}
			printReport(cmd, rep)
			return verifyHistory(cmd, dir)
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.MarkFlagRequired("store")
	return cmd
}
