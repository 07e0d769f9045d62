package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/server/devca"
)

func newDevCACmd() *cobra.Command {
	var storeDir, out string
	cmd := &cobra.Command{
		Use:   "dev-ca --store DIR --out DIR",
		Short: "Make a local test CA, a localhost server certificate and client certificates for synthetic people of the store",
		Long: `Writes ca.pem, server.pem, server.key, crl.pem, serve.toml (usable as is by varamu serve --config),
ids.tsv (name, isikukood, role), ehr.jwks.json and ehr.key (a registered test EHR), and NAME.pem, NAME.key,
NAME.p12 (password "` + devca.P12Password + `") for professional, patient, parent, child, representative,
researcher, expired-licence and revoked. For loopback trials only: keys are not encrypted.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := devca.Write(cmd.Context(), storeDir, out, clockOf(cmd.Context())())
			if err != nil {
				return err
			}
			for _, p := range res.People {
				fmt.Fprintf(cmd.OutOrStdout(), "%-16s %s  %s\n", p.Name, p.Isikukood, p.Role)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %d files to %s\n", len(res.Files), out)
			return nil
		},
	}
	cmd.AddCommand(newDevCATokenCmd())
	cmd.Flags().StringVar(&storeDir, "store", "", "store whose synthetic people get certificates (required)")
	cmd.Flags().StringVar(&out, "out", "", "directory to write to (required)")
	cmd.MarkFlagRequired("store")
	cmd.MarkFlagRequired("out")
	return cmd
}

func newDevCATokenCmd() *cobra.Command {
	var dir, aud string
	cmd := &cobra.Command{
		Use:   "ehr-token --ca DIR --aud URL",
		Short: "Print a CDS Hooks bearer token (JWT, five minutes) signed by the test EHR of a dev-ca directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			tok, err := devca.EHRToken(dir, aud, clockOf(cmd.Context())())
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), tok)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "ca", "", "directory written by varamu dev-ca (required)")
	cmd.Flags().StringVar(&aud, "aud", "", "audience: the CDS service URL, e.g. https://127.0.0.1:8443/cds-services/varamu-pgx-order-sign (required)")
	cmd.MarkFlagRequired("ca")
	cmd.MarkFlagRequired("aud")
	return cmd
}
