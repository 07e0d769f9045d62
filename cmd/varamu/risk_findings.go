package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/risk/findings"
)

func newRiskFindingsCmd(who whoami) *cobra.Command {
	var clinician bool
	var dir, person, clinvar, genes, format string
	cmd := &cobra.Command{
		Use:   "findings --store DIR --person ID --clinvar FILE.vcf --genes FILE [--clinician]",
		Short: "A person's monogenic secondary findings (ClinVar P/LP, ≥1 star, listed genes) — only with their consent to secondary findings; logged",
		Long: `findings annotates the person's genotypes with a ClinVar-format VCF (INFO CLNSIG,
CLNREVSTAT, GENEINFO, CLNDN) and reports Pathogenic/Likely pathogenic variants
with at least one review star in the genes of --genes (one gene a line, a tab,
its inheritance: AD, AR, XL or SD), with zygosity and whether the inheritance
is met. Only the person (or their representative) and, with --clinician, their
clinician may ask, and only when the person consented to secondary findings;
every decision is logged. Findings are never written to the store.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			gl, err := findings.ReadGeneList(genes)
			if err != nil {
				return err
			}
			cv, err := findings.ReadClinVar(clinvar, gl)
			if err != nil {
				return err
			}
			actor, err := who()
			if err != nil {
				return err
			}
			// The actor is the operating-system user: the person, their
			// representative, or (--clinician) a health professional whose
			// licence is looked up in the register, never typed.
			a := access.Actor{ID: actor, Role: access.Patient}
			if clinician {
				a.Role = access.Professional
			}
			res, err := findings.ForPerson(cmd.Context(), dir, cv, gl, findings.Request{Actor: a, Person: person, Clock: clockOf(cmd.Context())})
			if err != nil {
				return err
			}
			ew := cmd.ErrOrStderr()
			for _, d := range res.Decisions {
				fmt.Fprintf(ew, "access: %s (audit entry %d)\n", d.Rule, d.AuditIndex)
			}
			fmt.Fprintf(ew, "%s: %d P/LP assertions with ≥1 star in %d listed genes checked for sample %s; %d not assessable (position not covered or no call)\n",
				clinvar, res.Checked, len(gl.Genes()), res.Samples[len(res.Samples)-1], len(res.NotAssessed))
			r := &query.Result{Columns: []string{"gene", "variant", "clinvar", "significance", "stars", "condition", "genotype", "zygosity", "inheritance", "reported", "note"}}
			for _, set := range [][]findings.Finding{res.Findings, res.Carriers} {
				for _, f := range set {
					r.Rows = append(r.Rows, []any{f.Gene, fmt.Sprintf("%s:%d %s>%s", f.Chrom, f.Pos, f.Ref, f.Alt), f.ID, f.Sig, int64(f.Stars),
						f.Condition, f.Genotype, f.Zygosity, string(f.Inheritance), f.Reportable, f.Note})
				}
			}
			switch format {
			case "json":
				return r.WriteJSON(cmd.OutOrStdout())
			case "csv":
				return r.WriteCSV(cmd.OutOrStdout())
			}
			return r.WriteTable(cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVar(&person, "person", "", "the person's isikukood")
	cmd.Flags().BoolVar(&clinician, "clinician", false, "ask as a health professional (the operating-system user's licence in the register)")
	cmd.Flags().StringVar(&clinvar, "clinvar", "", "ClinVar-format VCF (plain or gzip)")
	cmd.Flags().StringVar(&genes, "genes", "", "secondary-findings gene list: GENE<tab>AD|AR|XL|SD per line")
	cmd.Flags().StringVar(&format, "format", "table", "output: table, csv or json")
	for _, f := range []string{"store", "person", "clinvar", "genes"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}
