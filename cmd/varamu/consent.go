package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/spf13/cobra"
)

func newConsentCmd(who whoami) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consent",
		Short: "A person's consent history as FHIR R4 Consent resources",
	}
	var person string
	var bundle bool
	var c serverClient
	export := &cobra.Command{
		Use:   "export --server URL --cert F --key F --ca F --person ID [--bundle]",
		Short: "Write a person's consent history as FHIR R4 Consent resources (NDJSON, or a collection Bundle), asked of varamu serve with the person's (or their representative's) certificate",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := c.get(cmd.Context(), "/people/"+url.PathEscape(person)+"/consents", nil, nil)
			if err != nil {
				return err
			}
			var b struct {
				ResourceType string `json:"resourceType"`
				Entry        []struct {
					Resource json.RawMessage `json:"resource"`
				} `json:"entry"`
			}
			if err := json.Unmarshal(body, &b); err != nil || b.ResourceType != "Bundle" {
				return fmt.Errorf("server answer is not a FHIR Bundle: %v", err)
			}
			out := cmd.OutOrStdout()
			if bundle {
				out.Write(body)
			} else {
				for _, e := range b.Entry {
					var line bytes.Buffer
					if err := json.Compact(&line, e.Resource); err != nil {
						return err
					}
					fmt.Fprintf(out, "%s\n", line.Bytes())
				}
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d Consent resources\n", len(b.Entry))
			return nil
		},
	}
	c.addFlags(export.Flags())
	export.Flags().StringVar(&person, "person", "", "whose consents (isikukood)")
	export.Flags().BoolVar(&bundle, "bundle", false, "write one collection Bundle instead of NDJSON")
	export.MarkFlagRequired("person")
	cmd.AddCommand(export, newConsentShowCmd(who))
	return cmd
}
