package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/store"
)

func newIngestFHIRCmd(who whoami) *cobra.Command {
	var (
		dir     string
		samples []string
		relink  string
	)
	cmd := &cobra.Command{
		Use:   "fhir --store DIR PATH...",
		Short: "Ingest FHIR R4 clinical records (Bundles *.json, Bulk Data *.ndjson) into the clinical tables",
		Long: `Ingest reads FHIR R4 Bundles (*.json) and Bulk Data NDJSON files (*.ndjson,
optionally .gz); a PATH that is a directory is searched recursively. All
resources are validated and written in one store transaction: on any error
(reported with file, line or Bundle entry, and JSON path) nothing is written.
Patients get their isikukood, or a stable synthetic one derived from their
source identifier. Resource types varamu does not keep are counted and skipped.
--biobank-samples loads a sample-code → isikukood map (TSV) into the
biobank_samples table, which researchers never see. A sample already linked to
another person is refused unless --relink-reason states why (a data steward's
decision); the re-link is then written to the audit log for both people.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			actor, err := who()
			if err != nil {
				return err
			}
			s, err := store.Open(dir, store.Config{Create: true})
			if err != nil {
				return err
			}
			rec, err := newRecordLogger(cmd.Context(), dir)
			if err != nil {
				return err
			}
			sum, err := clinical.Ingest(cmd.Context(), s, args, clinical.Config{BiobankSamples: samples, Now: clockOf(cmd.Context())(),
				RelinkReason: relink, Relinked: relinkLogger(dir, actor), Records: rec.add})
			if err := rec.close(err); err != nil {
				return err
			}
			printFHIRSummary(cmd.OutOrStdout(), sum)
			fmt.Fprintf(cmd.OutOrStdout(), "store %s at generation %d\n", dir, s.Manifest().Generation)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory (created if missing)")
	cmd.Flags().StringArrayVar(&samples, "biobank-samples", nil, "biobank sample map (TSV: sample, isikukood); repeatable")
	cmd.Flags().StringVar(&relink, "relink-reason", "", "a data steward's reason for re-linking samples already linked to another person (logged)")
	cmd.MarkFlagRequired("store")
	return cmd
}

// relinkLogger logs sample re-links to the store's audit log, as the
// operating-system user, before the ingest commits.
func relinkLogger(dir, actor string) func(context.Context, []clinical.Relink) error {
	return func(ctx context.Context, relinks []clinical.Relink) error {
		log, err := audit.Open(dir)
		if err != nil {
			return err
		}
		defer log.Close()
		return access.LogRelinks(ctx, log, actor, relinks, clockOf(ctx)())
	}
}

func counts(m map[string]int64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func printFHIRSummary(w io.Writer, sum *clinical.Summary) {
	secs := sum.Elapsed.Seconds()
	fmt.Fprintf(w, "ingest %s: %d files, %d resources in %.2fs (%.0f resources/s)\n",
		sum.IngestID, sum.Files, sum.Total(), secs, float64(sum.Total())/max(secs, 1e-9))
	fmt.Fprintf(w, "  ingested: %s\n", counts(sum.Resources))
	fmt.Fprintf(w, "  skipped (types not kept): %s\n", counts(sum.Skipped))
	if sum.NoResource > 0 {
		fmt.Fprintf(w, "  Bundle entries without a resource: %d\n", sum.NoResource)
	}
	fmt.Fprintf(w, "  persons: %d (%d new)", sum.Persons, sum.NewPersons)
	if sum.Samples > 0 {
		fmt.Fprintf(w, ", biobank samples: %d", sum.Samples)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  rows: %s\n", counts(sum.Rows))
}
