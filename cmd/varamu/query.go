package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/query"
)

func newQueryCmd() *cobra.Command {
	var dir, format, out string
	cmd := &cobra.Command{
		Use:   "query --store DIR \"SQL\"",
		Short: "Run SQL (DuckDB) over the store's views: samples, variants, genotypes, clinical and PGx tables",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			e, err := query.Open(ctx, dir)
			if err != nil {
				return err
			}
			defer e.Close()
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
