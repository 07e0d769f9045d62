package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/alerts"
	"github.com/varamu/varamu/clinical/consent"
)

func newAlertsCmd(who whoami) *cobra.Command {
	var (
		opt                  alerts.StoreConfig
		dir, since, at, fmt_ string
	)
	cmd := &cobra.Command{
		Use:   "alerts --store DIR [--calls calls.json] [--since DATE] [--format table|csv|json]",
		Short: "Drug-gene alerts: people with a current prescription whose PGx phenotype has an actionable recommendation",
		Long: `Lists every person with a current prescription (MedicationRequest/Statement active and valid)
of a drug whose guideline recommendation (CPIC/DPWG, embedded rules) for the person's PGx phenotype
is actionable, with the gene, diplotype, phenotype, recommendation and the clinical facts used.
Only people who consented to return of results and have not closed their record are included:
every person is decided by the access layer and the decision is written to the store's audit log
before any of their data is read. PGx calls come from the store's pgx_calls table (varamu annotate)
or from --calls (varamu pgx call --format json on the biobank VCF); sample codes are linked to
people by the store's biobank_samples table.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if dir == "" {
				return fmt.Errorf("--store DIR is required")
			}
			day := func(flag, s string) (time.Time, error) {
				t, err := time.ParseInLocation(time.DateOnly, s, consent.Tallinn)
				if err != nil {
					return time.Time{}, fmt.Errorf("--%s %q: want YYYY-MM-DD", flag, s)
				}
				return t, nil
			}
			var err error
			if since != "" {
				if opt.Since, err = day("since", since); err != nil {
					return err
				}
			}
			if at != "" {
				if opt.At, err = day("at", at); err != nil {
					return err
				}
				if y, m, d := clockOf(cmd.Context())().In(consent.Tallinn).Date(); opt.At.Equal(time.Date(y, m, d, 0, 0, 0, 0, consent.Tallinn)) {
					opt.At = time.Time{} // today: now
				}
			}
			if !slices.Contains(alerts.Formats, fmt_) {
				return fmt.Errorf("--format %q: want one of %s", fmt_, strings.Join(alerts.Formats, ", "))
			}
			opt.Clock = clockOf(cmd.Context())
			if opt.Actor, err = who(); err != nil {
				return err
			}
			list, stats, err := alerts.RunStore(cmd.Context(), dir, opt)
			if err != nil {
				return err
			}
			if err := alerts.Write(cmd.OutOrStdout(), fmt_, list); err != nil {
				return err
			}
			people := map[string]bool{}
			for _, a := range list {
				people[a.Person] = true
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d alerts for %d people; %d people with current prescriptions of drugs with rules, %d of them denied by consent, %d without PGx calls\n",
				stats.Alerts, len(people), stats.Candidates, stats.Denied, stats.NoCalls)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dir, "store", "", "store directory")
	f.StringVar(&opt.CallsPath, "calls", "", "PGx call set JSON (varamu pgx call --format json); default: the store's pgx_calls (varamu annotate)")
	f.StringVar(&since, "since", "", "only prescriptions authored on or after this date (YYYY-MM-DD)")
	f.StringVar(&at, "at", "", "the date the alerts are about (YYYY-MM-DD, Tallinn midnight; default now): prescriptions current then, data recorded by then; consent is always decided now")
	f.StringVar(&fmt_, "format", "table", "output format: "+strings.Join(alerts.Formats, ", "))
	return cmd
}
