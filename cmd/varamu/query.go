package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/query"
)

func newQueryCmd(who whoami) *cobra.Command {
	var dir, format, out, use string
	var at string
	cmd := &cobra.Command{
		Use:   "query --store DIR [--use DUO] \"SQL\"",
		Short: "Run SQL (DuckDB) over the store: genotypes, PGx results, clinical facts, under consent",
		Long: `query runs DuckDB SQL over the store's views, as the operating-system user
running varamu. With --use, that user works as a researcher on an extract of
only the people whose research consent, in force now and not withdrawn,
permits the stated use: genotypes by biobank sample code, PGx results, and
clinical facts keyed by sample code with identifiers removed; the
sample-person mapping is never visible and SQL cannot read files. Every
decision is written to the store's audit log. Without --use, the session is
the data steward's (biobank data management on the host that holds the
store): every table, one read-only statement, files confined to the store
and -o FILE, logged once for all participants.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			actor, err := who()
			if err != nil {
				return err
			}
			opt := query.Options{Role: query.Steward, Actor: actor, Output: out}
			if use != "" {
				opt.Role, opt.Output = query.Researcher, ""
				code, disease, err := consent.ParseCode(use)
				if err != nil {
					return err
				}
				opt.Use = consent.ResearchUse{Purpose: code, Disease: disease, GeneticStudy: true}
			}
			if at != "" {
				t, err := time.ParseInLocation(time.DateOnly, at, consent.Tallinn)
				if err != nil {
					return fmt.Errorf("--at %q: want YYYY-MM-DD", at)
				}
				// Data recorded by the end of that day (Tallinn); today
				// means now.
				opt.At = t.AddDate(0, 0, 1).Add(-time.Microsecond)
				if opt.At.After(time.Now()) {
					opt.At = time.Time{}
				}
			}
			e, err := query.OpenAs(ctx, dir, opt)
			if err != nil {
				return err
			}
			defer e.Close()
			if e.Summary != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), e.Summary)
			}
			if format == "parquet" {
				if out == "" {
					return fmt.Errorf("--format parquet needs -o FILE")
				}
				return e.CopyParquet(ctx, args[0], out)
			}
			res, err := e.Run(ctx, args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			switch format {
			case "table":
				return res.WriteTable(w)
			case "csv":
				return res.WriteCSV(w)
			case "json":
				return res.WriteJSON(w)
			}
			return fmt.Errorf("--format %q: want table, csv, json or parquet", format)
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVar(&format, "format", "table", "output: table, csv, json or parquet")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output file (parquet)")
	cmd.Flags().StringVar(&use, "use", "", "research use as a DUO code: GRU, HMB, DS-<ICD-10>, POA (a researcher's session; without it, the steward's)")
	cmd.Flags().StringVar(&at, "at", "", "show the data as recorded by the end of this date (YYYY-MM-DD, Tallinn; default now); consent is always decided now")
	cmd.MarkFlagRequired("store")
	return cmd
}
