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
func newConsentShowCmd(who whoami) *cobra.Command {
	var dir, person string
	cmd := &cobra.Command{
		Use:   "show --store DIR --person ID",
		Short: "A person's consent as it stands now, in words; for the person or their representative, the operating-system user (decided and logged)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			ps, err := openPersonSession(ctx, who, dir)
			if err != nil {
				return err
			}
			defer ps.Close()
			now := clockOf(ctx)()
			d, err := ps.dec.Decide(ctx, access.Request{Actor: ps.actor, Person: person, Purpose: access.OwnPurpose(ps.actor.ID, person), Time: now})
			if err != nil {
				return err
			}
			if !d.Allowed {
				return fmt.Errorf("%s for %s: access denied: %s", ps.actor.ID, person, d.Rule)
			}
			h, err := clinical.ConsentHistory(ctx, ps.st, person)
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
	cmd.MarkFlagRequired("store")
	cmd.MarkFlagRequired("person")
	return cmd
}
