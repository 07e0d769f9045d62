package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/alerts"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/pharmacogenomics/annotate"
	"github.com/varamu/varamu/pharmacogenomics/calling"
	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/store"
)

func newDemoCmd(who whoami) *cobra.Command {
	var out string
	var people, background int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole pipeline on a synthetic biobank: genotypes, clinical records, consent, PGx, alerts, research (no network, under a minute)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				d, err := os.MkdirTemp("", "varamu-demo-")
				if err != nil {
					return err
				}
				out = d
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			actor, err := who()
			if err != nil {
				return err
			}
			return runDemo(cmd.Context(), cmd.OutOrStdout(), out, actor, people, background)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the demo data and store (default: a new temporary directory)")
	cmd.Flags().IntVar(&people, "people", 2000, "synthetic people (each with one biobank sample)")
	cmd.Flags().IntVar(&background, "background", 5000, "background (non-PGx) variant sites")
	return cmd
}

func runDemo(ctx context.Context, w io.Writer, out, actor string, people, background int) error {
	start := time.Now()
	step := func(format string, args ...any) {
		fmt.Fprintf(w, "[%5.1fs] ", time.Since(start).Seconds())
		fmt.Fprintf(w, format+"\n", args...)
	}
	// 1. A synthetic biobank: people, families, HIS records, consents,
	// biobank codes, and genotypes at every PGx position plus background.
	bb := filepath.Join(out, "biobank")
	// The dataset's "today" is today: alerts and research are asked about
	// now, when the data was recorded.
	y, m, d := clockOf(ctx)().In(consent.Tallinn).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, consent.Tallinn)
	sum, err := synth.Generate(ctx, bb, synth.Config{People: people, Seed: 1, BackgroundSites: background, AsOf: today})
	if err != nil {
		return err
	}
	resources := 0
	for _, n := range sum.Resources {
		resources += n
	}
	step("synthetic biobank %s: %d people (%d minors, %d households), %d FHIR resources, VCF of %d sites (%d PGx positions)",
		bb, sum.People, sum.Minors, sum.Households, resources, sum.VCFSites, sum.PGxSites)

	// 2. Genotypes into the columnar store.
	dir := filepath.Join(out, "store")
	vcfPath := filepath.Join(bb, "genotypes.vcf.gz")
	res, err := genotypes.Ingest(ctx, dir, []string{vcfPath}, genotypes.IngestConfig{})
	if err != nil {
		return err
	}
	b := res.Batches[0]
	step("varamu ingest vcf: %d samples x %d records into %s (%.1f%% of genotypes differ from their site's majority)",
		b.Samples, b.Sites, dir, 100*float64(b.Exceptions)/float64(b.Genotypes))

	// 3. Clinical records and consents (FHIR R4 Bulk NDJSON) and the coded
	// sample map, in the same store.
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return err
	}
	rec, err := newRecordLogger(ctx, dir) // logs the VCF ingest's generation too
	if err != nil {
		return err
	}
	cs, err := clinical.Ingest(ctx, st, []string{filepath.Join(bb, "fhir")}, clinical.Config{BiobankSamples: []string{filepath.Join(bb, "biobank", "samples.tsv")}, Records: rec.add, Now: clockOf(ctx)()})
	if err := rec.close(err); err != nil {
		return err
	}
	step("varamu ingest fhir: %d persons, %d biobank samples linked", cs.Persons, cs.Samples)

	// 4. One participant at prescribing time: CYP2C19 positions.
	gs, err := genotypes.Open(dir)
	if err != nil {
		return err
	}
	samples, err := gs.Samples()
	if err != nil {
		return err
	}
	sample := samples[len(samples)/3]
	g, err := access.OpenSteward(ctx, gs.Base(), access.StewardAccess{Actor: actor, Scope: "lookup at CYP2C19 positions", Samples: []string{sample}})
	if err != nil {
		return err
	}
	loci := []genome.Locus{{Chrom: "chr10", Pos: 94761900}, {Chrom: "chr10", Pos: 94781859}, {Chrom: "chr10", Pos: 94780653}, {Chrom: "chr10", Pos: 94775367}}
	t0 := time.Now()
	gts, err := gs.Lookup(ctx, g, sample, loci)
	if err != nil {
		return err
	}
	step("lookup of sample %s at CYP2C19 rs12248560 (*17), rs4244285 (*2), rs4986893 (*3), rs28399504 (*4) in %.1f ms:", sample, float64(time.Since(t0).Microseconds())/1000)
	for i, l := range loci {
		for _, g := range gts[i] {
			fmt.Fprintf(w, "          %-16s %-9s %-4s %s>%s\n", l, g.State, g.GT(), g.Ref, strings.Join(g.Alts, ","))
		}
	}

	// 5. The whole biobank annotated: every gene, every sample.
	outside := filepath.Join(bb, "biobank", "outside-calls.tsv")
	f, err := os.Open(outside)
	if err != nil {
		return err
	}
	oc, err := calling.ParseOutsideCalls(f, outside)
	f.Close()
	if err != nil {
		return err
	}
	ar, err := annotate.Run(ctx, dir, actor, annotate.Config{Outside: oc})
	if err != nil {
		return err
	}
	step("varamu annotate: %d samples in %.1fs (%.0f samples/s), CYP2D6 from outside calls; data version %s",
		ar.Annotated, ar.Elapsed.Seconds(), float64(ar.Annotated)/ar.Elapsed.Seconds(), ar.DataVersion)

	stew, err := query.OpenAs(ctx, dir, query.Config{Role: query.Steward, Actor: actor})
	if err != nil {
		return err
	}
	defer stew.Close()
	show := func(title, q string, e *query.Engine) error {
		step("%s", title)
		r, err := e.Run(ctx, q)
		if err != nil {
			return err
		}
		return r.WriteTable(w)
	}
	if err := show("PGx calls of sample "+sample+" (varamu query, a steward session):", fmt.Sprintf(
		`SELECT gene, array_to_string(diplotypes, ' or ') AS diplotypes, phenotype, activity_score, uncertain, len(missing_positions) AS missing
		 FROM pgx_calls WHERE sample = %s AND gene IN ('CYP2C19', 'CYP2C9', 'CYP2D6', 'DPYD', 'SLCO1B1', 'TPMT', 'VKORC1') ORDER BY gene`, quoteSQL(sample)), stew); err != nil {
		return err
	}

	// 6. Drug–gene alerts: current prescriptions × actionable phenotypes,
	// under consent, every decision logged.
	list, stats, err := alerts.RunStore(ctx, dir, alerts.StoreConfig{Config: alerts.Config{Actor: actor, Clock: clockOf(ctx)}})
	if err != nil {
		return err
	}
	step("varamu alerts: %d alerts; %d people with current prescriptions of PGx drugs, %d of them withheld by consent (no return-of-results consent or closed record), %d without calls",
		stats.Alerts, stats.Candidates, stats.Denied, stats.NoCalls)
	if len(list) > 5 {
		list = list[:5]
	}
	if err := alerts.Write(w, "table", list); err != nil {
		return err
	}

	// 7. A researcher: pseudonymised extract of consenting people only.
	res2, err := query.OpenAs(ctx, dir, query.Config{Actor: actor, Use: consent.ResearchUse{Purpose: consent.HMB, GeneticStudy: true}})
	if err != nil {
		return err
	}
	defer res2.Close()
	step("researcher session: %s", res2.Summary)
	if err := show("phenotype frequencies among consenting participants (the consented extract the research API answers from):",
		`SELECT gene, phenotype, count(*) AS n, round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY gene), 1) AS pct
		 FROM pgx_phenotypes WHERE gene IN ('CYP2C19', 'SLCO1B1') AND phenotype <> '' GROUP BY gene, phenotype ORDER BY gene, n DESC`, res2); err != nil {
		return err
	}
	// 8. A polygenic score for everyone, one person's place in the cohort.
	rsum, fig, rline, err := demoRisk(ctx, out, dir, actor, vcfPath, sample)
	if err != nil {
		return err
	}
	step("varamu risk score (synthetic demonstration score over the VCF's SNVs, not a published one):\n%s", strings.TrimRight(rsum, "\n"))
	printRiskLine(w, rline)
	step("varamu risk plot: %s", fig)
	step("done. Store: %s — try: go run ./cmd/varamu query --store %s \"SELECT * FROM pgx_phenotypes LIMIT 5\"", dir, dir)
	return nil
}

func quoteSQL(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
