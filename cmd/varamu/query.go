package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/query"
)

func newQueryCmd(who whoami) *cobra.Command {
	var dir, format, out string
	cmd := &cobra.Command{
		Use:   "query --store DIR \"SQL\"",
		Short: "Run SQL (DuckDB) over the store as its data steward: genotypes, PGx results, clinical facts",
		Long: `query runs DuckDB SQL over the store's views as the data steward (biobank
data management on the host that holds the store), who is the
operating-system user running varamu: every table, one read-only statement,
files confined to the store and -o FILE, logged once for all participants.
Researchers do not use this command: they are clients of varamu serve
(varamu research), which answers them from consenting people only.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			actor, err := who()
			if err != nil {
				return err
			}
			opt := query.Config{Role: query.Steward, Actor: actor, Output: out}
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
	cmd.MarkFlagRequired("store")
	return cmd
}
