package calling

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

// OutsideCall is a gene call made by another tool or lab (CYP2D6 with copy
// number, HLA typing), given to varamu in an outside-calls file.
type OutsideCall struct {
	Sample    string // "" applies to every sample
	Gene      string
	Diplotype string // "*1/*4", "*1x2/*4"; may be empty when Phenotype is given
	Phenotype string
	Activity  string // activity score as written, may be empty
	Line      int    // line of the file it came from
}

// ErrSyntax is wrapped by outside-calls parse errors.
var ErrSyntax = errors.New("syntax error")

// ParseError is an error in an outside-calls file.
type ParseError struct {
	File  string
	Line  int
	Field string // column name, "" for the whole line
	Err   error
}

func (e *ParseError) Error() string {
	s := fmt.Sprintf("%s:%d: ", e.File, e.Line)
	if e.Field != "" {
		s += e.Field + ": "
	}
	return s + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ParseError) Unwrap() error { return e.Err }

var outsideColumns = []string{"sample", "gene", "diplotype", "phenotype", "activity"}

// ParseOutsideCalls reads an outside-calls file: tab-separated lines of
// gene, diplotype[, phenotype[, activity score]] as PharmCAT's outside call
// format has them ("CYP2D6\t*1/*4"), '#' comments and blank lines ignored.
// A first line whose first column is "sample" is a header naming the
// columns sample, gene, diplotype, phenotype, activity (any order, sample
// required), for files covering several samples. name is used in errors.
func ParseOutsideCalls(r io.Reader, name string) ([]OutsideCall, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []OutsideCall
	var cols []string // header columns; nil for the headerless format
	seen := map[[2]string]int{}
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
			continue
		}
		f := strings.Split(text, "\t")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if cols == nil && len(out) == 0 && strings.EqualFold(f[0], "sample") {
			for _, h := range f {
				h = strings.ToLower(h)
				if h == "activity score" || h == "activityscore" {
					h = "activity"
				}
				known := false
				for _, c := range outsideColumns {
					known = known || c == h
				}
				if !known {
					return nil, &ParseError{File: name, Line: line, Field: h, Err: fmt.Errorf("%w: unknown column, want %s", ErrSyntax, strings.Join(outsideColumns, ", "))}
				}
				cols = append(cols, h)
			}
			continue
		}
		var oc OutsideCall
		oc.Line = line
		names := cols
		if names == nil {
			names = outsideColumns[1:]
		}
		if len(f) > len(names) {
			return nil, &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: %d columns, want at most %d (%s)", ErrSyntax, len(f), len(names), strings.Join(names, ", "))}
		}
		for i, v := range f {
			switch names[i] {
			case "sample":
				oc.Sample = v
			case "gene":
				oc.Gene = strings.ToUpper(v)
			case "diplotype":
				oc.Diplotype = v
			case "phenotype":
				oc.Phenotype = v
			case "activity":
				oc.Activity = v
			}
		}
		switch {
		case oc.Gene == "":
			return nil, &ParseError{File: name, Line: line, Field: "gene", Err: fmt.Errorf("%w: empty gene", ErrSyntax)}
		case cols != nil && oc.Sample == "":
			return nil, &ParseError{File: name, Line: line, Field: "sample", Err: fmt.Errorf("%w: empty sample", ErrSyntax)}
		case oc.Diplotype == "" && oc.Phenotype == "":
			return nil, &ParseError{File: name, Line: line, Err: fmt.Errorf("%w: want a diplotype or a phenotype", ErrSyntax)}
		case strings.Count(oc.Diplotype, "/") > 1:
			return nil, &ParseError{File: name, Line: line, Field: "diplotype", Err: fmt.Errorf("%w: %q has more than one '/'", ErrSyntax, oc.Diplotype)}
		case oc.Diplotype != "" && slicesContainsEmpty(strings.Split(oc.Diplotype, "/")):
			return nil, &ParseError{File: name, Line: line, Field: "diplotype", Err: fmt.Errorf("%w: %q has an empty allele", ErrSyntax, oc.Diplotype)}
		}
		if oc.Activity != "" {
			if _, err := strconv.ParseFloat(strings.TrimPrefix(oc.Activity, "≥"), 64); err != nil {
				return nil, &ParseError{File: name, Line: line, Field: "activity", Err: fmt.Errorf("%w: %q is not a number", ErrSyntax, oc.Activity)}
			}
		}
		key := [2]string{oc.Sample, oc.Gene}
		if prev, dup := seen[key]; dup {
			return nil, &ParseError{File: name, Line: line, Field: "gene", Err: fmt.Errorf("%w: second call for %s (first on line %d)", ErrSyntax, oc.Gene, prev)}
		}
		seen[key] = line
		out = append(out, oc)
	}
	if err := sc.Err(); err != nil {
		return nil, &ParseError{File: name, Line: line + 1, Err: err}
	}
	return out, nil
}

func slicesContainsEmpty(s []string) bool {
	for _, x := range s {
		if strings.TrimSpace(x) == "" {
			return true
		}
	}
	return false
}

// CheckOutside reports the first outside call for a gene the data does not
// know, as a *ParseError naming the file.
func (c *Caller) CheckOutside(calls []OutsideCall, file string) error {
	for _, oc := range calls {
		if c.db.Gene(oc.Gene) == nil {
			return &ParseError{File: file, Line: oc.Line, Field: "gene", Err: fmt.Errorf("unknown gene %q", oc.Gene)}
		}
	}
	return nil
}

// outsideCall turns an outside call into a gene call.
func (c *Caller) outsideCall(gene *alleles.Gene, oc OutsideCall) pharmacogenomics.GeneCall {
	call := pharmacogenomics.GeneCall{Gene: gene.Name, Called: true, Source: "outside", Diplotypes: []string{}, MissingPositions: []string{}, Notes: []string{}}
	if oc.Line > 0 {
		call.Notes = append(call.Notes, "outside call (line "+strconv.Itoa(oc.Line)+"), not called from the genotypes")
	} else {
		call.Notes = append(call.Notes, "outside call, not called from the genotypes")
	}
	var res phenotype.Result
	if oc.Diplotype != "" {
		var d phenotype.Diplotype
		for _, a := range strings.Split(oc.Diplotype, "/") {
			d = append(d, []string{strings.TrimSpace(a)})
		}
		call.Diplotypes = []string{d.Name(gene)}
		res = phenotype.Translate(gene, []phenotype.Diplotype{d})
	}
	switch {
	case oc.Phenotype != "" && res.Phenotype != "" && !strings.EqualFold(oc.Phenotype, res.Phenotype):
		call.Notes = append(call.Notes, fmt.Sprintf("outside phenotype %q differs from %q that the %s table gives for %s; the outside phenotype is reported", oc.Phenotype, res.Phenotype, gene.Name, oc.Diplotype))
		call.Phenotype = oc.Phenotype
	case oc.Phenotype != "":
		call.Phenotype = oc.Phenotype
	default:
		call.Phenotype = res.Phenotype
		call.Notes = append(call.Notes, res.Notes...)
	}
	call.ActivityScore = res.Activity
	if oc.Activity != "" {
		if v, err := strconv.ParseFloat(oc.Activity, 64); err == nil {
			call.ActivityScore = &v
		} else {
			call.ActivityScore = nil
			call.Notes = append(call.Notes, "activity score "+oc.Activity)
		}
	} else if res.Activity == nil && res.ActivityText != "" {
		call.Notes = append(call.Notes, "activity score "+res.ActivityText)
	}
	return call
}
