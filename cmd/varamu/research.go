package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	study "github.com/varamu/varamu/research"
	"github.com/varamu/varamu/server/research"
)

// researchFlags are the connection flags every research subcommand takes.
type researchFlags struct {
	server, certs, ca, cert, key, project string
}

func (f *researchFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.server, "server", os.Getenv("VARAMU_URL"), "the research API, as 'varamu serve' prints it (default $VARAMU_URL)")
	fl.StringVar(&f.certs, "certs", os.Getenv("VARAMU_CERTS"), "a 'varamu dev-ca' directory: ca.pem, researcher.pem, researcher.key (default $VARAMU_CERTS)")
	fl.StringVar(&f.ca, "ca", "", "CA bundle the server's certificate chains to (default CERTS/ca.pem)")
	fl.StringVar(&f.cert, "cert", "", "your ID-card client certificate, PEM (default CERTS/researcher.pem)")
	fl.StringVar(&f.key, "key", "", "its private key, PEM (default CERTS/researcher.key)")
	fl.StringVar(&f.project, "project", "demo-hmb", "the approved research project")
}

func (f *researchFlags) client() (*research.Client, error) {
	pick := func(v, name string) string {
		if v == "" && f.certs != "" {
			return filepath.Join(f.certs, name)
		}
		return v
	}
	return research.NewClient(research.ClientConfig{URL: f.server, CA: pick(f.ca, "ca.pem"), Cert: pick(f.cert, "researcher.pem"), Key: pick(f.key, "researcher.key")})
}

func newResearchCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "research",
		Short: "Ask the research API of 'varamu serve' as a project member, with your ID-card certificate",
		Long: `research is the researcher's client of 'varamu serve': cohort counts and cross-tabs, the
pseudonymised consented extract as Parquet, and Beacon v2 variant questions, for an approved project
of which your certificate's personal code is a member. Every answer is over the participants whose
research consent fits the project, with counts below the project's threshold suppressed; every request
is decided and logged by the server.`,
	}
	cmd.AddCommand(newResearchCohortCmd(), newResearchExtractCmd(), newResearchBeaconCmd())
	return cmd
}

func newResearchCohortCmd() *cobra.Command {
	var f researchFlags
	cmd := &cobra.Command{
		Use:   "cohort DEFINITION.json|-",
		Short: "Counts, frequencies and cross-tabs of a cohort (JSON definition; - reads standard input)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var def []byte
			var err error
			if args[0] == "-" {
				def, err = io.ReadAll(cmd.InOrStdin())
			} else {
				def, err = os.ReadFile(args[0])
			}
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ans, err := c.Cohort(cmd.Context(), f.project, def)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(ans)
			return err
		},
	}
	f.add(cmd)
	return cmd
}

func newResearchExtractCmd() *cobra.Command {
	var f researchFlags
	var table, out string
	cmd := &cobra.Command{
		Use:   "extract --table NAME -o FILE.parquet",
		Short: "One table of the project's pseudonymised consented extract, as Parquet",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			tmp := out + ".part"
			w, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			if err != nil {
				return err
			}
			n, err := c.Extract(cmd.Context(), f.project, table, w)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				os.Remove(tmp)
				return err
			}
			if err := os.Rename(tmp, out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s (%d bytes)\n", out, n)
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&table, "table", "", "table of the extract: persons, conditions, medications, pgx_phenotypes, pgx_calls, variants, ...")
	cmd.Flags().StringVarP(&out, "output", "o", "", "Parquet file to write (written whole or not at all)")
	cmd.MarkFlagRequired("table")
	cmd.MarkFlagRequired("output")
	return cmd
}

func newResearchBeaconCmd() *cobra.Command {
	var f researchFlags
	var gran string
	cmd := &cobra.Command{
		Use:   "beacon CHROM:POS:REF:ALT",
		Short: "Beacon v2: do at least the threshold of consented participants carry this allele (POS 1-based)?",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := parseVariant(args[0])
			if err != nil {
				return err
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			ans, err := c.Beacon(cmd.Context(), f.project, v, gran)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(ans)
			return err
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&gran, "granularity", "count", "boolean or count")
	return cmd
}

// parseVariant reads CHROM:POS:REF:ALT.
func parseVariant(s string) (study.Variant, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 4 {
		return study.Variant{}, fmt.Errorf("variant %q: want CHROM:POS:REF:ALT (POS 1-based)", s)
	}
	pos, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return study.Variant{}, fmt.Errorf("variant %q: position %q: want a number", s, parts[1])
	}
	v := study.Variant{Chrom: parts[0], Pos: pos, Ref: strings.ToUpper(parts[2]), Alt: strings.ToUpper(parts[3])}
	return v, v.Validate()
}
