package calling

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
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
var ErrSyntax = errors.New("calling: syntax error")

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
			if _, err := strconv.ParseFloat(strings.TrimPrefix(strings.TrimPrefix(oc.Activity, "≥"), ">="), 64); err != nil {
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
// know, or whose diplotype and phenotype (or activity score) contradict
// each other (wrapping ErrContradiction), as a *ParseError naming the file.
func (c *Caller) CheckOutside(calls []OutsideCall, file string) error {
	for _, oc := range calls {
		g := c.db.Gene(oc.Gene)
		if g == nil {
			return &ParseError{File: file, Line: oc.Line, Field: "gene", Err: fmt.Errorf("%w %q", ErrUnknownGene, oc.Gene)}
		}
		if _, err := c.outside(g, oc); err != nil {
			return &ParseError{File: file, Line: oc.Line, Field: "phenotype", Err: err}
		}
	}
	return nil
}

// ErrContradiction is wrapped by errors about an outside call whose
// diplotype and phenotype (or activity score) contradict each other.
var ErrContradiction = errors.New("calling: contradicting outside call")

// ErrUnknownGene is wrapped by errors about a gene the data do not define
// (Config.Genes, an outside call).
var ErrUnknownGene = errors.New("calling: unknown gene")

// outsideCall turns an outside call into a gene call. A call that
// contradicts itself, or an HLA name that is not recognised, leaves the gene
// not called with the reason in the notes.
func (c *Caller) outsideCall(gene *alleles.Gene, oc OutsideCall) pharmacogenomics.GeneCall {
	call, err := c.outside(gene, oc)
	if err != nil {
		call.Called = false
		call.Diplotypes = []string{}
		call.Phenotype, call.ActivityScore, call.Alternatives = "", nil, nil
		call.Notes = append(call.Notes, fmt.Sprintf("%s not called: %v; no recommendation is made from it", gene.Name, err))
	}
	return call
}

// outside translates an outside call; the error is a contradiction.
func (c *Caller) outside(gene *alleles.Gene, oc OutsideCall) (pharmacogenomics.GeneCall, error) {
	call := pharmacogenomics.GeneCall{Gene: gene.Name, Called: true, Source: "outside", Diplotypes: []string{}, MissingPositions: []string{}, Notes: []string{}}
	if oc.Line > 0 {
		call.Notes = append(call.Notes, "outside call (line "+strconv.Itoa(oc.Line)+"), not called from the genotypes")
	} else {
		call.Notes = append(call.Notes, "outside call, not called from the genotypes")
	}
	if isHLA(gene.Name) {
		return hlaCall(gene, oc, call)
	}
	var alts []pharmacogenomics.Alternative
	if oc.Diplotype != "" {
		name, dips := outsideDiplotypes(gene, oc.Diplotype)
		call.Diplotypes = []string{name}
		var notes []string
		alts, notes = alternativesOf(gene, dips)
		call.Notes = append(call.Notes, notes...)
	}
	given, err := givenPhenotype(gene, oc)
	if err != nil {
		return call, err
	}
	switch {
	case len(alts) > 0 && given.Phenotype != "":
		if err := agree(gene, oc, alts, given); err != nil {
			return call, err
		}
		if given.ActivityScore != nil {
			alts = []pharmacogenomics.Alternative{given}
		}
	case given.Phenotype != "":
		alts = phenotypeAlternatives(gene, given)
	}
	setAlternatives(&call, alts)
	return call, nil
}

// outsideDiplotypes spells an outside diplotype in the table's notation
// and expands CYP2D6 "xN" (an unknown number of copies, two or more) into
// its two readings, x2 and x≥3.
func outsideDiplotypes(gene *alleles.Gene, s string) (string, []phenotype.Diplotype) {
	var haps [][]string
	var names []string
	for _, a := range strings.Split(s, "/") {
		a = strings.TrimSpace(a)
		if gene.Name == "CYP2D6" {
			a = cyp2d6Notation(a)
		}
		names = append(names, a)
		reads := []string{a}
		if base, ok := strings.CutSuffix(a, "xN"); ok {
			reads = []string{base + "x2", base + "x≥3"}
		}
		haps = append(haps, reads)
	}
	name := strings.Join(names, "/")
	if len(haps) == 2 {
		if first, _ := gene.Order(haps[0][0], haps[1][0]); first != haps[0][0] {
			name = names[1] + "/" + names[0]
		}
	}
	var out []phenotype.Diplotype
	var expand func(i int, cur phenotype.Diplotype)
	expand = func(i int, cur phenotype.Diplotype) {
		if i == len(haps) {
			out = append(out, slices.Clone(cur))
			return
		}
		for _, r := range haps[i] {
			expand(i+1, append(cur, []string{r}))
		}
	}
	expand(0, nil)
	return name, out
}

// cyp2d6Notation spells a CYP2D6 allele as the CPIC tables do: "*1X2" and
// "*1x2" → "*1x2"; "*1x>=3" → "*1x≥3"; "*2xn" → "*2xN".
func cyp2d6Notation(a string) string {
	base, n, ok := strings.Cut(strings.Replace(a, "X", "x", 1), "x")
	if !ok {
		return a
	}
	n = strings.TrimSpace(n)
	switch {
	case strings.EqualFold(n, "N"):
		n = "N"
	case strings.HasPrefix(n, ">="):
		n = "≥" + strings.TrimSpace(n[2:])
	case strings.HasPrefix(n, ">"):
		// "x>2" means three or more copies
		if k, err := strconv.Atoi(strings.TrimSpace(n[1:])); err == nil {
			n = "≥" + strconv.Itoa(k+1)
		}
	}
	return strings.TrimSpace(base) + "x" + n
}

// alternativesOf translates each reading of a diplotype and groups them by
// phenotype and activity score.
func alternativesOf(gene *alleles.Gene, dips []phenotype.Diplotype) ([]pharmacogenomics.Alternative, []string) {
	var alts []pharmacogenomics.Alternative
	var notes []string
	for _, d := range dips {
		res := phenotype.Translate(gene, []phenotype.Diplotype{d})
		for _, n := range res.Notes {
			notes = appendOnce(notes, n)
		}
		if res.Activity == nil && res.ActivityText != "" {
			notes = appendOnce(notes, "activity score "+res.ActivityText)
		}
		alts = addAlternative(alts, pharmacogenomics.Alternative{Diplotypes: []string{d.Name(gene)}, Phenotype: res.Phenotype, ActivityScore: res.Activity})
	}
	return alts, notes
}

// addAlternative adds a to alts, merging it into an entry with the same
// phenotype and score.
func addAlternative(alts []pharmacogenomics.Alternative, a pharmacogenomics.Alternative) []pharmacogenomics.Alternative {
	for i := range alts {
		if alts[i].Phenotype == a.Phenotype && sameScore(alts[i].ActivityScore, a.ActivityScore) {
			for _, d := range a.Diplotypes {
				alts[i].Diplotypes = appendOnce(alts[i].Diplotypes, d)
			}
			return alts
		}
	}
	return append(alts, a)
}

func sameScore(a, b *float64) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// givenPhenotype reads the phenotype and activity score columns: the
// phenotype in the table's own spelling (any letter case, "metaboliser"
// or "metabolizer"); the score as a number ("≥4.0" and ">=4.0" as their
// lower bound when that bound is already Ultrarapid).
func givenPhenotype(gene *alleles.Gene, oc OutsideCall) (pharmacogenomics.Alternative, error) {
	var a pharmacogenomics.Alternative
	if oc.Phenotype != "" && !strings.EqualFold(strings.TrimSpace(oc.Phenotype), phenotype.Indeterminate) {
		// "Indeterminate" states nothing (a stored call written back).
		a.Phenotype = canonicalPhenotype(gene, oc.Phenotype)
	}
	if oc.Activity != "" {
		t := strings.TrimSpace(oc.Activity)
		open := strings.HasPrefix(t, "≥") || strings.HasPrefix(t, ">=")
		t = strings.TrimPrefix(strings.TrimPrefix(t, "≥"), ">=")
		v, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return a, fmt.Errorf("%w: activity score %q is not a number", ErrContradiction, oc.Activity)
		}
		band := ""
		if gene.Name == "CYP2D6" {
			band = phenotype.CYP2D6Band(v)
		}
		if open && band != "Ultrarapid Metabolizer" {
			return a, fmt.Errorf("%w: activity score %q has no upper bound and could be more than one phenotype", ErrContradiction, oc.Activity)
		}
		a.ActivityScore = &v
		switch {
		case band != "" && a.Phenotype != "" && !strings.EqualFold(band, a.Phenotype):
			return a, fmt.Errorf("%w: activity score %s is %s, not %s", ErrContradiction, oc.Activity, band, oc.Phenotype)
		case a.Phenotype == "":
			a.Phenotype = band
		}
	}
	return a, nil
}

// canonicalPhenotype returns the gene table's spelling of a phenotype
// given in any letter case, or the text as given when the table has none.
func canonicalPhenotype(gene *alleles.Gene, s string) string {
	s = strings.Join(strings.Fields(s), " ")
	key := strings.ReplaceAll(strings.ToLower(s), "metaboliser", "metabolizer")
	for _, p := range gene.Phenotypes {
		if strings.ToLower(p) == key {
			return p
		}
	}
	return s
}

// agree checks a phenotype given beside a diplotype: it must be the
// phenotype of every reading of the diplotype (when the table knows them).
func agree(gene *alleles.Gene, oc OutsideCall, alts []pharmacogenomics.Alternative, given pharmacogenomics.Alternative) error {
	for _, a := range alts {
		if a.Phenotype == "" || a.Phenotype == phenotype.Indeterminate {
			continue
		}
		if !strings.EqualFold(a.Phenotype, given.Phenotype) {
			return fmt.Errorf("%w: the %s table gives %s for %s, but the phenotype given is %q", ErrContradiction, gene.Name, a.Phenotype, oc.Diplotype, oc.Phenotype)
		}
		if given.ActivityScore != nil && a.ActivityScore != nil && *a.ActivityScore != *given.ActivityScore {
			return fmt.Errorf("%w: the %s table gives activity score %s for %s, but %s was given", ErrContradiction, gene.Name, strconv.FormatFloat(*a.ActivityScore, 'f', -1, 64), oc.Diplotype, oc.Activity)
		}
	}
	return nil
}

// phenotypeAlternatives expands a phenotype given without a diplotype or
// score, for a gene whose guidelines are keyed by activity score, into
// every score the gene's table gives that phenotype.
func phenotypeAlternatives(gene *alleles.Gene, given pharmacogenomics.Alternative) []pharmacogenomics.Alternative {
	if given.ActivityScore != nil {
		return []pharmacogenomics.Alternative{given}
	}
	var out []pharmacogenomics.Alternative
	for _, v := range phenotype.ScoresOf(gene, given.Phenotype) {
		out = append(out, pharmacogenomics.Alternative{Diplotypes: []string{}, Phenotype: given.Phenotype, ActivityScore: &v})
	}
	if len(out) == 0 {
		return []pharmacogenomics.Alternative{given}
	}
	return out
}

// setAlternatives reports a single reading directly, or several as
// Alternatives with the shared phenotype (Indeterminate when they differ).
func setAlternatives(call *pharmacogenomics.GeneCall, alts []pharmacogenomics.Alternative) {
	switch len(alts) {
	case 0:
		return
	case 1:
		call.Phenotype, call.ActivityScore = alts[0].Phenotype, alts[0].ActivityScore
		return
	}
	call.Alternatives = alts
	call.Phenotype = alts[0].Phenotype
	var parts []string
	for _, a := range alts {
		if a.Phenotype != call.Phenotype {
			call.Phenotype = phenotype.Indeterminate
		}
		parts = append(parts, describeAlternative(a))
	}
	call.Uncertain = true
	call.Notes = append(call.Notes, "more than one reading is possible: "+strings.Join(parts, "; "))
}

func describeAlternative(a pharmacogenomics.Alternative) string {
	s := strings.Join(a.Diplotypes, " or ")
	if s != "" {
		s += " → "
	}
	s += a.Phenotype
	if a.ActivityScore != nil {
		s += " (activity score " + strconv.FormatFloat(*a.ActivityScore, 'f', -1, 64) + ")"
	}
	return s
}
