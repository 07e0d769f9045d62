package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

func newPgxGenesCmd() *cobra.Command {
	var maxAge, year int
	cmd := &cobra.Command{
		Use:   "genes",
		Short: "List the pharmacogenes, their positions (GRCh38), the embedded data versions and how old their guideline rules are",
		Long: `Lists every pharmacogene with its positions, allele and phenotype data versions, and the publication
years of the guidelines whose rules read it. A guideline published more than --max-rule-age years ago is
flagged "OLD" and listed at the end, so that rules due for review are visible.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if maxAge < 0 {
				return fmt.Errorf("--max-rule-age %d: want 0 or more years", maxAge)
			}
			if year == 0 {
				year = clockOf(cmd.Context())().Year()
			}
			db, err := alleles.Load()
			if err != nil {
				return err
			}
			eng, err := rules.LoadEmbedded()
			if err != nil {
				return err
			}
			ages := eng.GuidelineAges(year)
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(w, "# data version %s\n", db.Version)
			for _, s := range db.Sources {
				at := ""
				if s.Commit != "" {
					at = "@" + s.Commit
				}
				fmt.Fprintf(w, "# %s %s from %s%s\n", s.Table, s.Version, s.Via, at)
			}
			fmt.Fprintf(w, "# guideline data version %s (data date %s); rules older than %d years (published before %d) are flagged OLD\n",
				eng.DataVersion(), eng.DataDate(), maxAge, year-maxAge)
			fmt.Fprintln(w, "gene\tchromosome\tpositions\tfirst\tlast\talleles\tcalled from\tdefinitions\tphenotypes\tguidelines published")
			for _, g := range db.Genes {
				lo, hi := g.Span()
				from, chrom, first, last := "vcf", g.Chrom, fmt.Sprint(lo), fmt.Sprint(hi)
				if g.Outside {
					from, chrom, first, last = "outside call", "-", "-", "-"
				}
				fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", g.Name, chrom, len(g.Positions), first, last,
					len(g.Alleles), from, dash(g.DefinitionVersion), dash(g.PhenotypeVersion), geneAges(ages, g.Name, maxAge))
			}
			if err := w.Flush(); err != nil {
				return err
			}
			return writeOldGuidelines(cmd.OutOrStdout(), ages, maxAge)
		},
	}
	cmd.Flags().IntVar(&maxAge, "max-rule-age", 5, "flag guideline rules published more than this many years ago")
	cmd.Flags().IntVar(&year, "year", 0, "the year ages are counted from (default: this year)")
	return cmd
}

// geneAges summarises the publication years of the guidelines reading gene:
// "2017-2025, 2 OLD", or "-" when no rule reads it.
func geneAges(ages []rules.GuidelineAge, gene string, maxAge int) string {
	lo, hi, old := 0, 0, 0
	for _, a := range ages {
		if !slices.Contains(a.Genes, gene) || a.Guideline.Published == 0 {
			continue
		}
		p := a.Guideline.Published
		if lo == 0 || p < lo {
			lo = p
		}
		hi = max(hi, p)
		if a.Age > maxAge {
			old++
		}
	}
	if lo == 0 {
		return "-"
	}
	s := fmt.Sprint(lo)
	if hi != lo {
		s += fmt.Sprintf("-%d", hi)
	}
	if old > 0 {
		s += fmt.Sprintf(", %d OLD", old)
	}
	return s
}

// writeOldGuidelines lists the guidelines older than maxAge years, and those
// whose year is not known.
func writeOldGuidelines(out io.Writer, ages []rules.GuidelineAge, maxAge int) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "\n# guideline rules older than %d years (OLD) or of unknown year\n", maxAge)
	fmt.Fprintln(w, "guideline\tpublished\tage\tdata date\tgenes\tdrugs")
	for _, a := range ages {
		if a.Age >= 0 && a.Age <= maxAge {
			continue
		}
		pub, age := "unknown", "unknown"
		if a.Age >= 0 {
			pub, age = fmt.Sprint(a.Guideline.Published), fmt.Sprintf("%d y OLD", a.Age)
		}
		fmt.Fprintf(w, "%s %s\t%s\t%s\t%s\t%s\t%s\n", a.Guideline.Body, a.Guideline.ID, pub, age, dash(a.Guideline.DataDate),
			strings.Join(a.Genes, ","), strings.Join(a.Drugs, ","))
	}
	return w.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
