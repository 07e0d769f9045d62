package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/varamu/varamu/internal/strictjson"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// ParseError is a call-set JSON file that cannot be decoded.
type ParseError struct {
	File         string
	Line, Column int
	Err          error
}

// Error formats the error as file:line:column: cause.
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d:%d: %v", e.File, e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

// Unwrap returns the decoding error.
func (e *ParseError) Unwrap() error { return e.Err }

// ReadCalls decodes a call set in the JSON contract of `varamu pgx call`
// (pharmacogenomics.CallSet). name is used in errors.
func ReadCalls(r io.Reader, name string) (pharmacogenomics.CallSet, error) {
	var cs pharmacogenomics.CallSet
	data, err := io.ReadAll(r)
	if err != nil {
		return cs, fmt.Errorf("%s: %w", name, err)
	}
	if err := strictjson.Decode(data, &cs); err != nil {
		pe := &ParseError{File: name, Err: err}
		if off, ok := strictjson.ExactOffset(err); ok {
			pe.Line, pe.Column = strictjson.LineColumn(data, off)
		}
		return cs, pe
	}
	for i, s := range cs.Samples {
		if s.Sample == "" {
			return cs, &ParseError{File: name, Err: fmt.Errorf("sample %d has no name", i+1)}
		}
	}
	return cs, nil
}

// WriteTable writes the recommendations as an aligned text table for a
// terminal, one row per recommendation with its caveats on indented lines
// below, samples in the order of samples (then any others, sorted).
func WriteTable(w io.Writer, samples []string, recs map[string][]rules.Recommendation) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SAMPLE\tDRUG\tACTION\tSTRENGTH\tGUIDELINE\tBASED ON\tRECOMMENDATION")
	for _, s := range sampleOrder(samples, recs) {
		for _, r := range recs[s] {
			var ph []string
			for _, g := range r.Genes {
				p := g.Gene + " " + g.Phenotype
				if g.ActivityScore != nil {
					p += fmt.Sprintf(" (AS %g)", *g.ActivityScore)
				}
				ph = append(ph, p)
			}
			gl := "-"
			if r.Guideline != nil {
				gl = GuidelineLabel(*r.Guideline)
			}
			st := r.Strength
			if st == "" {
				st = "-"
			}
			text := r.Text
			if r.Population != "" {
				text += " [applies to: " + r.Population + "]"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Sample, r.Drug, r.Action, st, gl, strings.Join(ph, "; "), text)
			for _, c := range r.Caveats {
				fmt.Fprintf(tw, "\t\t\t\t\t\t  ! %s\n", c)
			}
		}
	}
	return tw.Flush()
}

// WriteDrugTable writes the drugs with rules as an aligned text table:
// drug, ATC code, genes, guidelines (body, id, publication year and the
// date of the data the rules were read from).
func WriteDrugTable(w io.Writer, drugs []rules.DrugInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DRUG\tATC\tGENES\tGUIDELINES (published; data date)")
	for _, d := range drugs {
		var gl []string
		for _, g := range d.Guidelines {
			gl = append(gl, GuidelineLabel(g))
		}
		atc := "-"
		if len(d.ATC) > 0 {
			atc = d.ATC[0]
		}
		extra := ""
		if d.Calculator != "" {
			extra = " (+ " + d.Calculator + " dose)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%s\n", d.Drug, atc, strings.Join(d.Genes, ","), strings.Join(gl, ", "), extra)
	}
	return tw.Flush()
}

// GuidelineLabel is a guideline's short label with its publication year and
// data date: "CPIC PA166104933 (2025; data 2026-02)".
func GuidelineLabel(g rules.Guideline) string {
	s := g.Body + " " + g.ID
	var when []string
	if g.Published > 0 {
		when = append(when, fmt.Sprint(g.Published))
	}
	if g.DataDate != "" {
		when = append(when, "data "+g.DataDate)
	}
	if len(when) > 0 {
		s += " (" + strings.Join(when, "; ") + ")"
	}
	return s
}
