package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/clinical"
)

func newConsentCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consent",
		Short: "A person's consent history as FHIR R4 Consent resources",
	}
	var dir, person, actor string
	var bundle bool
	export := &cobra.Command{
		Use:   "export --store DIR --person ID --actor ID [--bundle]",
		Short: "Write a person's consent history as FHIR R4 Consent resources (NDJSON, or a collection Bundle); for the person or their representative",
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
			decision, err := dec.Decide(ctx, access.Request{Actor: access.Actor{ID: actor, Role: access.Patient}, Person: person, Purpose: purpose, Time: time.Now()})
			if err != nil {
				return err
			}
			if !decision.Allowed {
				return fmt.Errorf("%s for %s: access denied: %s", actor, person, decision.Rule)
			}
			n, err := clinical.ExportConsents(ctx, st, person, cmd.OutOrStdout(), bundle)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d Consent resources\n", n)
			return nil
		},
	}
	export.Flags().StringVar(&dir, "store", "", "store directory")
	export.Flags().StringVar(&person, "person", "", "whose consents (isikukood)")
	export.Flags().StringVar(&actor, "actor", "", "who asks: the person, or their representative")
	export.Flags().BoolVar(&bundle, "bundle", false, "write one collection Bundle instead of NDJSON")
	export.MarkFlagRequired("store")
	export.MarkFlagRequired("person")
	export.MarkFlagRequired("actor")
	cmd.AddCommand(export, newConsentShowCmd())
	return cmd
}
