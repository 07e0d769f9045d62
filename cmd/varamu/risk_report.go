package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/risk"
	rplot "github.com/varamu/varamu/risk/plot"
	"github.com/varamu/varamu/store"
)

func newRiskReportCmd(who whoami) *cobra.Command {
	var clinician bool
	var dir, person, plotDir, htmlPath string
	cmd := &cobra.Command{
		Use:   "report --store DIR --person ID [--clinician] [--plot DIR | --html FILE]",
		Short: "A person's polygenic scores in plain words (the person, their representative, or a clinician under the person's consent; logged)",
		Long: `report shows one person's stored scores: the score, where it falls in the
reference cohort, what that means and does not mean, and what was missing.
The actor is the operating-system user: the person themselves (or their
representative), or with --clinician a health professional, who needs the
person's consent to return of results. Access is decided and logged first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := store.Open(dir, store.Config{})
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
			res, err := risk.ForPerson(cmd.Context(), st, risk.PersonRequest{Actor: a, Person: person, Clock: clockOf(cmd.Context())})
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(cmd.ErrOrStderr(), "access: %s (audit entry %d)\n", res.Decision.Rule, res.Decision.AuditIndex)
			if htmlPath != "" {
				return writeRiskHTML(htmlPath, res)
			}
			fmt.Fprintf(w, "Polygenic scores of %s (sample %s)\n\n", res.Person, res.Sample)
			if len(res.Scores) == 0 {
				fmt.Fprintln(w, "No polygenic score has been computed for this person.")
			}
			for _, ps := range res.Scores {
				fmt.Fprintln(w, risk.Explain(ps))
				if plotDir == "" {
					continue
				}
				if err := os.MkdirAll(plotDir, 0o755); err != nil {
					return err
				}
				p, err := rplot.Distribution(ps.ID, ps.Reference, &rplot.Marked{Label: "you", Sum: ps.Score.Sum, Percentile: ps.Score.Percentile})
				if err != nil {
					return err
				}
				paths, err := rplot.Save(p, plotDir, "distribution-"+ps.ID+"-"+res.Sample)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "  Figure: %s\n\n", paths[0])
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVar(&person, "person", "", "the person's isikukood")
	cmd.Flags().BoolVar(&clinician, "clinician", false, "ask as a health professional (the operating-system user's licence in the register)")
	cmd.Flags().StringVar(&htmlPath, "html", "", "write the person's risk section as one self-contained HTML page (figures inline) to this file instead")
	cmd.Flags().StringVar(&plotDir, "plot", "", "also write the distribution figure (PNG, SVG) into this directory")
	cmd.MarkFlagRequired("store")
	cmd.MarkFlagRequired("person")
	return cmd
}

// writeRiskHTML writes a decided person result as an HTML page.
func writeRiskHTML(path string, res *risk.PersonResult) error {
	sec, err := risk.SectionOf(res)
	if err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := risk.WriteHTML(f, sec); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
