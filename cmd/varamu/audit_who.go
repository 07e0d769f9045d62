package main

import (
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/server"
)

// newAuditWhoCmd is `audit who`: a person (or their representative) asks
// varamu serve, with their certificate, who looked at the person's data;
// the server decides and logs that request too, and gives each access with
// its inclusion proof.
func newAuditWhoCmd() *cobra.Command {
	var person, proofs string
	var c serverClient
	cmd := &cobra.Command{
		Use:   "who --server URL --cert F --key F --ca F --person ID [--proofs DIR]",
		Short: "Who looked at a person's data, each access with its inclusion proof: asked of varamu serve with the person's (or their representative's) certificate",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := c.get(cmd.Context(), "/people/"+url.PathEscape(person)+"/access-log", nil, nil)
			if err != nil {
				return err
			}
			var log server.AccessLog
			if err := json.Unmarshal(body, &log); err != nil {
				return fmt.Errorf("server answer: %w", err)
			}
			proved := make([]audit.EntryProof, len(log.Entries))
			for i, e := range log.Entries {
				proved[i] = audit.EntryProof{Entry: audit.Entry{Index: e.Index, Logged: e.Logged, Actor: e.Actor, Role: e.Role, Licence: e.Licence,
					Purpose: e.Purpose, Reason: e.Reason, Allowed: e.Allowed, Flagged: e.Flagged, Rule: e.Rule},
					Proof: e.Proof, Verified: e.Verified, Status: e.Status}
			}
			if err := saveProofs(proofs, proved); err != nil {
				return err
			}
			return whoTable(cmd, proved)
		},
	}
	c.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&person, "person", "", "whose accesses to list (isikukood)")
	cmd.Flags().StringVar(&proofs, "proofs", "", "write each access's inclusion proof to this directory (check with varamu audit verify-proof)")
	cmd.MarkFlagRequired("person")
	return cmd
}
