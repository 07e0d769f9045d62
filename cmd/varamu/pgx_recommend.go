package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/prescribe"
	"github.com/varamu/varamu/pharmacogenomics/report"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

func newPgxRecommendCmd(who whoami) *cobra.Command {
	var (
		callsPath, sample, sex, ancestry, format string
		storeDir, patient, reason                string
		drugs, meds                              []string
		age, weight, height                      float64
		listDrugs                                bool
	)
	cmd := &cobra.Command{
		Use:   "recommend (--store DIR --patient ID [--emergency REASON] | --calls calls.json [--sample S] [--age Y --weight KG --height CM --sex F|M --medications a,b]) [--drug NAME]...",
		Short: "Guideline recommendations (CPIC/DPWG, IWPC warfarin) from PGx calls and clinical facts",
		Long: `Evaluates the embedded guideline rules for each drug (all drugs when --drug is not given or is "all")
from the gene calls written by 'varamu pgx call --format json'. Clinical facts not given are unknown:
recommendations that need them say so (warfarin: no IWPC dose without age, height and weight).
Current co-medications can convert a phenotype (e.g. paroxetine: CYP2D6 poor metaboliser).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if listDrugs {
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
			var ds []string
			for _, d := range drugs {
				for _, x := range strings.Split(d, ",") {
					if x = strings.TrimSpace(x); x != "" && !strings.EqualFold(x, "all") {
						ds = append(ds, x)
					}
				}
			}
			if storeDir != "" || patient != "" {
				if storeDir == "" || patient == "" || callsPath != "" {
					return fmt.Errorf("--store and --patient go together, without --calls")
				}
				actor, err := who()
				if err != nil {
					return err
				}
				// The professional is the operating-system user, whose
				// licence is looked up in the store's register.
				req := prescribe.Request{Actor: access.Actor{ID: actor, Role: access.Professional}, Person: patient, Drugs: ds}
				if cmd.Flags().Changed("emergency") {
					if err := access.CheckReason(reason); err != nil {
						return fmt.Errorf("--emergency: %w", err)
					}
					req.Purpose, req.Reason = access.Emergency, reason
				}
				res, err := prescribe.Recommend(cmd.Context(), storeDir, req)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "access: %s (audit entry %d)\n", escape(res.Decision.Rule), res.Decision.AuditIndex)
				cs := pharmacogenomics.CallSet{DataVersion: res.DataVersion, Samples: []pharmacogenomics.SampleCalls{res.Calls}}
				recs := map[string][]rules.Recommendation{res.Sample: res.Recommendations}
				return writeRecs(cmd, format, []string{res.Sample}, cs, recs)
			}
			if callsPath == "" {
				return fmt.Errorf("--calls or --store with --patient is required (or --list-drugs)")
			}
			f, err := os.Open(callsPath)
			if err != nil {
				return err
			}
			cs, err := report.ReadCalls(f, callsPath)
			f.Close()
			if err != nil {
				return err
			}
			p := rules.Patient{Sex: strings.ToLower(sex), Ancestry: strings.ToLower(ancestry)}
			switch p.Sex {
			case "f":
				p.Sex = "female"
			case "m":
				p.Sex = "male"
			}
			opt := func(name string, v float64) *float64 {
				if cmd.Flags().Changed(name) {
					return &v
				}
				return nil
			}
			p.AgeYears, p.WeightKg, p.HeightCm = opt("age", age), opt("weight", weight), opt("height", height)
			for _, m := range meds {
				for _, x := range strings.Split(m, ",") {
					if x = strings.TrimSpace(x); x != "" {
						p.Medications = append(p.Medications, x)
					}
				}
			}
			facts := p.AgeYears != nil || p.WeightKg != nil || p.HeightCm != nil || p.Sex != "" || p.Ancestry != "" || len(p.Medications) > 0
			var selected []pharmacogenomics.SampleCalls
			for _, s := range cs.Samples {
				if sample == "" || s.Sample == sample {
					selected = append(selected, s)
				}
			}
			switch {
			case len(selected) == 0 && sample != "":
				return fmt.Errorf("%s: no sample %q", callsPath, sample)
			case len(selected) == 0:
				return fmt.Errorf("%s: no samples", callsPath)
			case len(selected) > 1 && facts:
				return fmt.Errorf("%s has %d samples: clinical facts belong to one patient, give --sample", callsPath, len(selected))
			}
			eng, err := rules.LoadEmbedded()
			if err != nil {
				return err
			}
			if err := applySex(callsPath, selected, p.Sex); err != nil {
				return err
			}
			cs.Samples = selected
			patients := map[string]rules.Patient{}
			var names []string
			for _, s := range selected {
				patients[s.Sample] = p
				names = append(names, s.Sample)
			}
			recs, err := eng.RecommendSet(cmd.Context(), cs, patients, ds...)
			if err != nil {
				return err
			}
			return writeRecs(cmd, format, names, cs, recs)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&callsPath, "calls", "", "gene calls: the JSON written by 'varamu pgx call --format json'")
	fl.StringVar(&sample, "sample", "", "sample to report (default: every sample in --calls)")
	fl.StringArrayVar(&drugs, "drug", nil, "drug name, repeatable or comma-separated; \"all\" or none for every drug with rules")
	fl.Float64Var(&age, "age", 0, "age in years (default: unknown)")
	fl.Float64Var(&weight, "weight", 0, "weight in kg (default: unknown)")
	fl.Float64Var(&height, "height", 0, "height in cm (default: unknown)")
	fl.StringVar(&sex, "sex", "", "female or male (default: from the calls, else unknown)")
	fl.StringVar(&ancestry, "ancestry", "", "IWPC race category: white, asian, black or mixed (default: not recorded; the IWPC missing-race term is used, and said so)")
	fl.StringArrayVar(&meds, "medications", nil, "current co-medications, comma-separated or repeated")
	fl.StringVar(&format, "format", "table", "output: table, json, tsv or html")
	fl.BoolVar(&listDrugs, "list-drugs", false, "list the drugs with rules, their genes and guidelines, and exit")
	fl.StringVar(&storeDir, "store", "", "store: call the --patient's genotypes now and read their clinical facts (under access control)")
	fl.StringVar(&patient, "patient", "", "the patient's personal code (isikukood), with --store")
	fl.StringVar(&reason, "emergency", "", "emergency access with this stated reason, a sentence (sees a closed record; the patient is told)")
	return cmd
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

// applySex records --sex on the selected calls, so that the calls, the rules
// and the report all use it; a call set that already records the other sex
// is refused rather than silently overridden.
func applySex(path string, samples []pharmacogenomics.SampleCalls, sex string) error {
	if sex == "" {
		return nil
	}
	for i := range samples {
		switch samples[i].Sex {
		case "", "unknown", sex:
			samples[i].Sex = sex
		default:
			return fmt.Errorf("%s: sample %s is recorded as %s, --sex says %s: call the genotypes again with the right sex",
				path, samples[i].Sample, samples[i].Sex, sex)
		}
	}
	return nil
}
