package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/prescribe"
	"github.com/varamu/varamu/pharmacogenomics/report"
	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/server/fhirops"
)

// recommendFlags are pgx recommend's flags.
type recommendFlags struct {
	callsPath, sample, format string
	patient, reason           string
	drugs                     []string
	facts                     prescribe.Facts
	age, weight, height       float64
	listDrugs                 bool
	server                    serverClient
}

func newPgxRecommendCmd() *cobra.Command {
	var f recommendFlags
	cmd := &cobra.Command{
		Use:   "recommend (--calls calls.json [--sample S] [--age Y --weight KG --height CM --sex F|M --medications a,b] | --server URL --cert F --key F --ca F --patient ID [--emergency REASON]) [--drug NAME]...",
		Short: "Guideline recommendations (CPIC/DPWG, IWPC warfarin) from PGx calls and clinical facts, or for a patient from varamu serve",
		Long: `Evaluates the embedded guideline rules for each drug (all drugs when --drug is not given or is "all")
from the gene calls written by 'varamu pgx call --format json'. Clinical facts not given are unknown:
recommendations that need them say so (warfarin: no IWPC dose without age, height and weight).
Current co-medications can convert a phenotype (e.g. paroxetine: CYP2D6 poor metaboliser).
For a patient of the biobank, a professional asks varamu serve with their certificate (--server):
the server decides and logs the access and answers $find-subject-tx-implications.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			opt := func(name string, v float64) *float64 {
				if fl.Changed(name) {
					return &v
				}
				return nil
			}
			f.facts.AgeYears, f.facts.WeightKg, f.facts.HeightCm = opt("age", f.age), opt("weight", f.weight), opt("height", f.height)
			switch {
			case f.listDrugs:
				return listRuleDrugs(cmd, f.format)
			case f.server.URL != "" || f.patient != "":
				if f.callsPath != "" || f.patient == "" {
					return fmt.Errorf("--server and --patient go together, without --calls")
				}
				return recommendFromServer(cmd, f, fl.Changed("emergency"))
			case f.callsPath == "":
				return fmt.Errorf("--calls, or --server with --patient, is required (or --list-drugs)")
			}
			return recommendFromCalls(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.callsPath, "calls", "", "gene calls: the JSON written by 'varamu pgx call --format json'")
	fl.StringVar(&f.sample, "sample", "", "sample to report (default: every sample in --calls)")
	fl.StringArrayVar(&f.drugs, "drug", nil, "drug name, repeatable or comma-separated; \"all\" or none for every drug with rules")
	fl.Float64Var(&f.age, "age", 0, "age in years (default: unknown)")
	fl.Float64Var(&f.weight, "weight", 0, "weight in kg (default: unknown)")
	fl.Float64Var(&f.height, "height", 0, "height in cm (default: unknown)")
	fl.StringVar(&f.facts.Sex, "sex", "", "female or male (default: from the calls, else unknown)")
	fl.StringVar(&f.facts.Ancestry, "ancestry", "", "IWPC race category: white, asian, black or mixed (default: not recorded; the IWPC missing-race term is used, and said so)")
	fl.StringArrayVar(&f.facts.Medications, "medications", nil, "current co-medications, comma-separated or repeated")
	fl.StringVar(&f.format, "format", "table", "output: table, json, tsv or html (with --server: table or json)")
	fl.BoolVar(&f.listDrugs, "list-drugs", false, "list the drugs with rules, their genes and guidelines, and exit")
	fl.StringVar(&f.patient, "patient", "", "the patient's personal code (isikukood), with --server")
	fl.StringVar(&f.reason, "emergency", "", "emergency access with this stated reason, a sentence (sees a closed record; the patient is told)")
	f.server.addFlags(fl)
	return cmd
}

// drugList reads --drug: repeated or comma-separated names; "all" is none.
func drugList(drugs []string) []string {
	var ds []string
	for _, d := range drugs {
		for _, x := range strings.Split(d, ",") {
			if x = strings.TrimSpace(x); x != "" && !strings.EqualFold(x, "all") {
				ds = append(ds, x)
			}
		}
	}
	return ds
}

func listRuleDrugs(cmd *cobra.Command, format string) error {
	eng, err := rules.LoadEmbedded()
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"dataVersion": eng.DataVersion(), "dataDate": eng.DataDate(), "drugs": eng.DrugList()})
	}
	fmt.Fprintf(cmd.OutOrStdout(), "guideline data version %s, data date %s\n", eng.DataVersion(), eng.DataDate())
	return report.WriteDrugTable(cmd.OutOrStdout(), eng.DrugList())
}

// recommendFromCalls evaluates the rules for the calls file and the
// stated facts.
func recommendFromCalls(cmd *cobra.Command, f recommendFlags) error {
	file, err := os.Open(f.callsPath)
	if err != nil {
		return err
	}
	cs, err := report.ReadCalls(file, f.callsPath)
	file.Close()
	if err != nil {
		return err
	}
	names, patients, err := prescribe.ForCalls(&cs, f.callsPath, f.sample, f.facts)
	if err != nil {
		return err
	}
	eng, err := rules.LoadEmbedded()
	if err != nil {
		return err
	}
	recs, err := eng.RecommendSet(cmd.Context(), cs, patients, drugList(f.drugs)...)
	if err != nil {
		return err
	}
	return writeRecs(cmd, f.format, names, cs, recs)
}

// recommendFromServer asks varamu serve, as the certificate's holder, for
// the patient's therapeutic implications (the precomputed annotation).
func recommendFromServer(cmd *cobra.Command, f recommendFlags, emergency bool) error {
	q := url.Values{"subject": {f.patient}}
	if ds := drugList(f.drugs); len(ds) > 0 {
		q.Set("treatments", strings.Join(ds, ","))
	}
	hdr := http.Header{}
	if emergency {
		if err := access.CheckReason(f.reason); err != nil {
			return fmt.Errorf("--emergency: %w", err)
		}
		hdr.Set(fhirops.EmergencyHeader, f.reason)
	}
	body, err := f.server.get(cmd.Context(), "/fhir/$find-subject-tx-implications", q, hdr)
	if err != nil {
		return err
	}
	switch f.format {
	case "json":
		_, err := cmd.OutOrStdout().Write(body)
		return err
	case "table":
		return writeImplications(cmd.OutOrStdout(), body)
	}
	return fmt.Errorf("--format %q: with --server want table or json", f.format)
}

func writeRecs(cmd *cobra.Command, format string, names []string, cs pharmacogenomics.CallSet, recs map[string][]rules.Recommendation) error {
	out := cmd.OutOrStdout()
	switch format {
	case "table":
		return report.WriteTable(out, names, recs)
	case "json":
		return report.WriteJSON(out, names, recs)
	case "tsv":
		return report.WriteTSV(out, names, recs)
	case "html":
		return report.WriteHTML(out, cs, recs)
	}
	return fmt.Errorf("--format %q: want table, json, tsv or html", format)
}
