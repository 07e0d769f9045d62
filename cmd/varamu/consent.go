package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/store"
)

func newConsentCmd(who whoami) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consent",
		Short: "A person's consent history as FHIR R4 Consent resources",
	}
	var dir, person string
	var bundle bool
	export := &cobra.Command{
		Use:   "export --store DIR --person ID [--bundle]",
		Short: "Write a person's consent history as FHIR R4 Consent resources (NDJSON, or a collection Bundle); for the person or their representative (the operating-system user)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			actor, err := who()
			if err != nil {
				return err
			}
			st, err := store.Open(dir, store.Options{})
			if err != nil {
				return err
			}
			n, err := access.ExportConsents(ctx, st, access.Actor{ID: actor, Role: access.Patient}, person, cmd.OutOrStdout(), bundle)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d Consent resources\n", n)
			return nil
		},
	}
	export.Flags().StringVar(&dir, "store", "", "store directory")
	export.Flags().StringVar(&person, "person", "", "whose consents (isikukood)")
	export.Flags().BoolVar(&bundle, "bundle", false, "write one collection Bundle instead of NDJSON")
	export.MarkFlagRequired("store")
	export.MarkFlagRequired("person")
	cmd.AddCommand(export, newConsentShowCmd(who))
	return cmd
}
