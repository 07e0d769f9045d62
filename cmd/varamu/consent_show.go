package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical"
)

// newConsentShowCmd is `varamu consent show`: the person's own view of
// their consent now, in words (a consent a parent gave for them as a child
// that lapsed at 18 says so).
func newConsentShowCmd() *cobra.Command {
	var dir, person, actor string
	cmd := &cobra.Command{
		Use:   "show --store DIR --person ID --actor ID",
		Short: "A person's consent as it stands now, in words; for the person or their representative (decided and logged)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, dec, log, err := openAccess(ctx, dir)
			if err != nil {
				return err
			}
			defer log.Close()
			purpose := access.Self
			if actor != person {
				purpose = access.Representative
			}
			now := time.Now()
			d, err := dec.Decide(ctx, access.Request{Actor: access.Actor{ID: actor, Role: access.Patient}, Person: person, Purpose: purpose, Time: now})
			if err != nil {
				return err
			}
			if !d.Allowed {
				return fmt.Errorf("%s for %s: access denied: %s", actor, person, d.Rule)
			}
			h, err := clinical.ConsentHistory(ctx, st, person)
			if err != nil {
				return err
			}
			state := h.StateAt(now)
			fmt.Fprintf(cmd.OutOrStdout(), "consent of %s on %s\n", person, now.Format(time.DateOnly))
			for _, line := range state.Describe() {
				fmt.Fprintf(cmd.OutOrStdout(), "  %s\n", line)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVar(&person, "person", "", "whose consent (isikukood)")
	cmd.Flags().StringVar(&actor, "actor", "", "who asks: the person, or their representative")
	cmd.MarkFlagRequired("store")
	cmd.MarkFlagRequired("person")
	cmd.MarkFlagRequired("actor")
	return cmd
}
