package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	vstore "github.com/varamu/varamu/store"
)

func newAuditCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "The tamper-evident access log: verify it, or show a person who looked at their data",
	}
	cmd.AddCommand(newAuditVerifyCmd(), newAuditWhoCmd())
	return cmd
}

func newAuditVerifyCmd() *cobra.Command {
	var dir, trusted string
	cmd := &cobra.Command{
		Use:   "verify --store DIR [--trusted CHECKPOINT]",
		Short: "Recompute the log's Merkle tree (RFC 6962) and check every checkpoint; a changed, removed or reordered entry fails",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var tp *audit.Checkpoint
			if trusted != "" {
				b, err := os.ReadFile(trusted)
				if err != nil {
					return err
				}
				cp, err := audit.ParseCheckpoint(string(b))
				if err != nil {
					return fmt.Errorf("%s: %w", trusted, err)
				}
				tp = &cp
			}
			cp, err := audit.Verify(cmd.Context(), dir, tp)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "audit log verified: %d entries, root %x\n", cp.Size, cp.Root)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVar(&trusted, "trusted", "", "a checkpoint kept outside the store (catches a rewrite of the whole log)")
	cmd.MarkFlagRequired("store")
	return cmd
}

func newAuditWhoCmd() *cobra.Command {
	var dir, person, actor string
	cmd := &cobra.Command{
		Use:   "who --store DIR --person ID --actor ID",
		Short: "Who looked at a person's data: for the person themselves or their representative (the request is itself decided and logged)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, dec, log, err := openAccess(ctx, dir)
			if err != nil {
				return err
			}
			defer log.Close()
			entries, err := dec.AccessLog(ctx, access.Actor{ID: actor, Role: access.Patient}, person, time.Now())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WHEN\tWHO\tROLE\tPURPOSE\tALLOWED\tFLAGGED\tRULE")
			for _, e := range entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%v\t%s\n", e.Logged.Format(time.RFC3339), e.Actor, e.Role, e.Purpose, e.Allowed, e.Flagged, e.Rule)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVar(&person, "person", "", "whose accesses to list (isikukood)")
	cmd.Flags().StringVar(&actor, "actor", "", "who asks: the person, a parent of a minor, or someone they authorised")
	cmd.MarkFlagRequired("store")
	cmd.MarkFlagRequired("person")
	cmd.MarkFlagRequired("actor")
	return cmd
}

// openAccess opens the store in dir and its access decider; close the log.
func openAccess(ctx context.Context, dir string) (*vstore.Store, *access.Decider, *audit.Log, error) {
	st, err := vstore.Open(dir, vstore.Options{})
	if err != nil {
		return nil, nil, nil, err
	}
	dec, log, err := access.OpenStore(ctx, st)
	return st, dec, log, err
}
