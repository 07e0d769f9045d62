package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/datasets/synthvcf"
)

func newDatasetsSynthCmd() *cobra.Command {
	var (
		cfg  synth.Config
		out  string
		asOf string
	)
	cmd := &cobra.Command{
		Use:   "synth --people N --seed S --out DIR",
		Short: "Generate a synthetic biobank: people, families, FHIR records, consents, sample map and a PGx VCF",
		Long: `Generate a synthetic biobank into DIR:

  fhir/<Type>.ndjson           FHIR R4 Bulk NDJSON (Patient, RelatedPerson, Practitioner,
                               Condition, Observation, MedicationRequest, DocumentReference, Consent)
  biobank/samples.tsv          biobank sample code -> isikukood
  biobank/outside-calls.tsv    CYP2D6 diplotypes (outside calls)
  genotypes.vcf.gz(.tbi)       phased genotypes at every PGx position plus background sites
  synth.json                   what was generated

Star-allele frequencies reproduce the Estonian Biobank phenotype frequencies
(Reisberg 2019). The same flags always give the same bytes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("--out DIR is required")
			}
			if asOf != "" {
				t, err := time.ParseInLocation(time.DateOnly, asOf, consent.Tallinn)
				if err != nil {
					return fmt.Errorf("--as-of %q: want YYYY-MM-DD", asOf)
				}
				cfg.AsOf = t
			}
			bars := map[string]func(int64, int64){}
			cfg.Progress = func(stage string, done, total int) {
				b, ok := bars[stage]
				if !ok {
					b = newProgress(cmd.ErrOrStderr(), stage)
					bars[stage] = b
				}
				b(int64(done), int64(total))
			}
			start := time.Now()
			sum, err := synth.Generate(cmd.Context(), out, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d people (%d minors) in %d households, %d practitioners, %d FHIR resources, %d VCF sites (%d PGx) in %s\n",
				out, sum.People, sum.Minors, sum.Households, sum.Practitioners, total(sum.Resources), sum.VCFSites, sum.PGxSites, time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.People, "people", 1000, "number of people")
	f.Uint64Var(&cfg.Seed, "seed", 1, "random seed; the same flags give the same output")
	f.StringVar(&out, "out", "", "output directory (created if needed)")
	f.StringVar(&asOf, "as-of", synth.DefaultAsOf.Format(time.DateOnly), "the dataset's today (ages, current prescriptions), YYYY-MM-DD")
	f.IntVar(&cfg.BackgroundSites, "background", synth.DefaultBackgroundSites, "number of background (non-PGx) variant sites")
	f.BoolVar(&cfg.Appointments, "appointments", false, "also book family-doctor appointments (Appointment.ndjson) for about a third of the people; the rest of the dataset is unchanged")
	f.IntVar(&cfg.Compression.Level, "level", synthvcf.DefaultCompressionLevel, "BGZF gzip level, 1 (fastest) to 9 (smallest; bgzip uses 6)")
	return cmd
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
