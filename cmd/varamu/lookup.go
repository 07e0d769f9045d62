package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/genome"
)

func newLookupCmd(who whoami) *cobra.Command {
	var dir, sample, loci, lociFile string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "lookup --store DIR --sample S (-l chr:pos,... | -L FILE)",
		Short: "One sample's genotypes at given positions: called, hom-ref, no-call or not covered",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var ls []genome.Locus
			add := func(s string) error {
				s = strings.TrimSpace(s)
				if s == "" || strings.HasPrefix(s, "#") {
					return nil
				}
				s = strings.Replace(s, "\t", ":", 1)
				chrom, pos, ok := strings.Cut(s, ":")
				p, err := strconv.ParseInt(strings.TrimSpace(pos), 10, 64)
				if !ok || err != nil || p < 1 {
					return fmt.Errorf("position %q: want chrom:pos", s)
				}
				ls = append(ls, genome.Locus{Chrom: chrom, Pos: p})
				return nil
			}
			if loci != "" {
				for _, s := range strings.Split(loci, ",") {
					if err := add(s); err != nil {
						return err
					}
				}
			}
			if lociFile != "" {
				f, err := os.Open(lociFile)
				if err != nil {
					return err
				}
				defer f.Close()
				sc := bufio.NewScanner(f)
				for n := 1; sc.Scan(); n++ {
					if err := add(sc.Text()); err != nil {
						return fmt.Errorf("%s:%d: %w", lociFile, n, err)
					}
				}
				if err := sc.Err(); err != nil {
					return err
				}
			}
			if len(ls) == 0 {
				return fmt.Errorf("no positions: give -l or -L")
			}
			// One short read whose allocations are mostly decoded Parquet
			// pages: collecting at 5x the live heap instead of 2x cut the
			// CPU of a 2,000-position lookup by about a fifth (GC was 16%
			// of it) for about 20 MB more peak memory.
			debug.SetGCPercent(400)
			s, g, err := stewardGenotypes(cmd.Context(), who, dir, fmt.Sprintf("lookup at %d positions", len(ls)), []string{sample})
			if err != nil {
				return err
			}
			gts, err := s.Lookup(cmd.Context(), g, sample, ls)
			if err != nil {
				return err
			}
			if quiet {
				counts := map[genome.State]int{}
				for _, gs := range gts {
					for _, g := range gs {
						counts[g.State]++
					}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%d positions: %d called, %d hom-ref, %d no-call, %d not covered\n", len(ls),
					counts[genome.Called], counts[genome.HomRef], counts[genome.NoCall], counts[genome.NotCovered])
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LOCUS\tSTATE\tGT\tRECORD\tID\tREF\tALT")
			for i, gs := range gts {
				for _, g := range gs {
					rec := "-"
					if g.State != genome.NotCovered {
						rec = fmt.Sprintf("%s:%d-%d", g.Chrom, g.Pos, g.End)
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ls[i], g.State, g.GT(), rec, orDot(g.ID), orDot(g.Ref), orDot(strings.Join(g.Alts, ",")))
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&dir, "store", "", "store directory")
	cmd.Flags().StringVar(&sample, "sample", "", "sample id")
	cmd.Flags().StringVarP(&loci, "loci", "l", "", "comma-separated chrom:pos list")
	cmd.Flags().StringVarP(&lociFile, "loci-file", "L", "", "file of chrom:pos or chrom<TAB>pos lines")
	cmd.Flags().BoolVarP(&quiet, "summary", "q", false, "print only counts per state")
	cmd.MarkFlagRequired("store")
	cmd.MarkFlagRequired("sample")
	return cmd
}

func orDot(s string) string {
	if s == "" {
		return "."
	}
	return s
}
