package alerts

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// Formats are the output formats Write accepts.
var Formats = []string{"table", "csv", "json"}

// Write writes alerts in format "table" (aligned text for a terminal),
// "csv" (RFC 4180, one row per alert and gene) or "json" (an array of
// Alert objects).
func Write(w io.Writer, format string, alerts []Alert) error {
	switch format {
	case "table":
		return writeTable(w, alerts)
	case "csv":
		return writeCSV(w, alerts)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if alerts == nil {
			alerts = []Alert{}
		}
		return enc.Encode(alerts)
	}
	return fmt.Errorf("alerts: format %q: want one of %s", format, strings.Join(Formats, ", "))
}

var csvHeader = []string{"person", "sample", "drug", "prescription", "authored", "gene", "diplotypes", "phenotype",
	"activity", "genotypic_phenotype", "conversion", "action", "strength", "recommendation", "guideline", "population", "facts", "caveats",
	"rule_data_version", "call_data_version", "audit_index"}

func writeCSV(w io.Writer, alerts []Alert) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for _, a := range alerts {
		genes := a.Genes
		if len(genes) == 0 {
			genes = []GeneFact{{}}
		}
		for _, g := range genes {
			if err := cw.Write([]string{a.Person, a.Sample, a.Drug, a.Prescription, a.Authored.Format(time.DateOnly),
				g.Gene, strings.Join(g.Diplotypes, " or "), g.Phenotype, g.Activity, g.Genotypic, g.Conversion,
				a.Action, a.Strength, a.Text, a.Guideline, a.Population, strings.Join(a.Facts, "; "), strings.Join(a.Caveats, "; "),
				a.RuleDataVersion, a.CallDataVersion, fmt.Sprint(a.AuditIndex)}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeTable(w io.Writer, alerts []Alert) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PERSON\tDRUG\tGENE\tDIPLOTYPE\tPHENOTYPE\tACTION\tGUIDELINE\tRECOMMENDATION")
	for _, a := range alerts {
		for i, g := range a.Genes {
			pheno := g.Phenotype
			if g.Genotypic != "" {
				pheno += " (genotype: " + g.Genotypic + ")"
			}
			person, drug, action, guideline, text := a.Person, a.Drug, a.Action, a.Guideline, a.Text
			if a.Population != "" {
				guideline += " (" + a.Population + ")"
			}
			if i > 0 {
				person, drug, action, guideline, text = "", "", "", "", ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", person, drug, g.Gene, strings.Join(g.Diplotypes, " or "), pheno, action, guideline, text)
		}
		for _, c := range a.Caveats {
			fmt.Fprintf(tw, "\t\t\t\t\t\t\t! %s\n", c)
		}
	}
	if len(alerts) == 0 {
		fmt.Fprintln(tw, "(no alerts)")
	}
	return tw.Flush()
}
