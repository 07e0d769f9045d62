// Package cohort reads research cohort definitions and counts the
// participants who match them (issue 12). A definition combines PGx
// phenotypes or diplotypes per gene, conditions by ICD-10 prefix,
// medications by ATC prefix, an age band and sex, and asks for counts in
// up to two dimensions. The package does no I/O beyond reading the
// definition and knows nothing of consent or disclosure control: callers
// give it only consented participants (package research does) and MUST
// pass its tables through package research/disclosure before showing
// them.
//
// A definition is JSON (RFC 8259), decoded strictly: an unknown field, a
// second value or a bad code is refused with the input name, the line and
// what was expected.
//
//	{
//	  "pgx": [{"gene": "CYP2C19", "phenotypes": ["Poor Metabolizer"]}],
//	  "conditions": ["I21", "I63"],
//	  "medications": ["B01AC04"],
//	  "age": {"min": 40, "max": 79},
//	  "sex": ["female", "male"],
//	  "dimensions": ["sex", "phenotype:CYP2C19"],
//	  "age_bands": [18, 40, 65]
//	}
package cohort

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/varamu/varamu/internal/strictjson"
)

// ErrDefinition is wrapped by every *DecodeError.
var ErrDefinition = errors.New("cohort: bad cohort definition")

// Limits of a definition.
const (
	MaxDimensions = 2
	MaxListLen    = 50
	MaxAge        = 150
	maxInput      = 1 << 20
)

// Definition is a cohort: the people matching every criterion given (a
// list matches when any of its entries does).
type Definition struct {
	PGx         []GeneCriterion `json:"pgx,omitempty"`
	Conditions  []string        `json:"conditions,omitempty"`  // ICD-10 prefixes ("E11", "I21.0")
	Medications []string        `json:"medications,omitempty"` // ATC prefixes ("B01AC", "B01AC04")
	Age         *AgeRange       `json:"age,omitempty"`
	Sex         []string        `json:"sex,omitempty"` // "female", "male", "other", "unknown"
	// Dimensions name up to two ways to split the cohort: "sex",
	// "age_band", "phenotype:GENE", "diplotype:GENE", "condition:ICD10",
	// "medication:ATC". None: the total only.
	Dimensions []string `json:"dimensions,omitempty"`
	// AgeBands are the lower ages of the bands of the age_band dimension,
	// increasing; none: 18, 30, 40, 50, 60, 70, 80.
	AgeBands []int `json:"age_bands,omitempty"`
}

// GeneCriterion matches a gene's result: its phenotype among Phenotypes
// (if given) and its one diplotype among Diplotypes (if given). An
// ambiguous or missing call never matches.
type GeneCriterion struct {
	Gene       string   `json:"gene"`
	Phenotypes []string `json:"phenotypes,omitempty"`
	Diplotypes []string `json:"diplotypes,omitempty"`
}

// AgeRange is an age band in years, both ends included; a missing end is
// open.
type AgeRange struct {
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
}

// DefaultAgeBands are the age_band dimension's bands when none are given.
var DefaultAgeBands = []int{18, 30, 40, 50, 60, 70, 80}

// DecodeError locates a bad definition: the input name, the line (0 when
// the error is about a decoded value), the JSON path of the field and what
// was expected.
type DecodeError struct {
	Name string
	Line int
	Path string
	Err  error
}

func (e *DecodeError) Error() string {
	s := e.Name
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	if e.Path != "" {
		s += ": " + e.Path
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// Decode reads one definition from r (name is used in errors) and
// validates it.
func Decode(name string, r io.Reader) (*Definition, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, &DecodeError{Name: name, Err: err}
	}
	if len(b) > maxInput {
		return nil, &DecodeError{Name: name, Err: fmt.Errorf("%w: larger than %d bytes", ErrDefinition, maxInput)}
	}
	var d Definition
	if err := strictjson.Decode(b, &d); err != nil {
		return nil, &DecodeError{Name: name, Line: strictjson.Line(b, strictjson.Offset(err)), Err: fmt.Errorf("%w: %v", ErrDefinition, err)}
	}
	if err := d.Validate(); err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			de.Name = name
		}
		return nil, err
	}
	return &d, nil
}

var (
	genePattern  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z][A-Z0-9-]{1,15}$`) })
	icd10Pattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z]([0-9]{1,2}(\.[0-9A-Z]{0,4})?)?$`) })
	atcPattern   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$`) })
	sexes        = []string{"female", "male", "other", "unknown"}
)

// Validate checks every field; the error is a *DecodeError naming the
// field.
func (d *Definition) Validate() error {
	bad := func(path, format string, args ...any) error {
		return &DecodeError{Path: path, Err: fmt.Errorf("%w: %s", ErrDefinition, fmt.Sprintf(format, args...))}
	}
	lists := map[string]int{"pgx": len(d.PGx), "conditions": len(d.Conditions), "medications": len(d.Medications), "sex": len(d.Sex), "age_bands": len(d.AgeBands)}
	for name, n := range lists {
		if n > MaxListLen {
			return bad(name, "%d entries, at most %d", n, MaxListLen)
		}
	}
	if err := d.validateCriteria(bad); err != nil {
		return err
	}
	return d.validateDimensions(bad)
}

func (d *Definition) validateCriteria(bad func(string, string, ...any) error) error {
	genes := map[string]bool{}
	for i, g := range d.PGx {
		path := fmt.Sprintf("pgx[%d]", i)
		switch {
		case !genePattern().MatchString(g.Gene):
			return bad(path+".gene", "%q: want a gene symbol (CYP2C19)", g.Gene)
		case genes[g.Gene]:
			return bad(path+".gene", "%s given twice", g.Gene)
		case len(g.Phenotypes) == 0 && len(g.Diplotypes) == 0:
			return bad(path, "%s: want phenotypes or diplotypes", g.Gene)
		case len(g.Phenotypes) > MaxListLen || len(g.Diplotypes) > MaxListLen:
			return bad(path, "at most %d phenotypes and %d diplotypes", MaxListLen, MaxListLen)
		case slices.Contains(g.Phenotypes, "") || slices.Contains(g.Diplotypes, ""):
			return bad(path, "an empty phenotype or diplotype")
		}
		genes[g.Gene] = true
	}
	for i, c := range d.Conditions {
		if !icd10Pattern().MatchString(c) {
			return bad(fmt.Sprintf("conditions[%d]", i), "%q: want an ICD-10 code prefix (E11, I21.0)", c)
		}
	}
	for i, c := range d.Medications {
		if !atcPattern().MatchString(c) {
			return bad(fmt.Sprintf("medications[%d]", i), "%q: want an ATC code prefix (B01AC, B01AC04)", c)
		}
	}
	for i, s := range d.Sex {
		if !slices.Contains(sexes, s) {
			return bad(fmt.Sprintf("sex[%d]", i), "%q: want one of %s", s, strings.Join(sexes, ", "))
		}
	}
	if a := d.Age; a != nil {
		switch {
		case a.Min == nil && a.Max == nil:
			return bad("age", "want min, max or both")
		case a.Min != nil && (*a.Min < 0 || *a.Min > MaxAge), a.Max != nil && (*a.Max < 0 || *a.Max > MaxAge):
			return bad("age", "ages from 0 to %d", MaxAge)
		case a.Min != nil && a.Max != nil && *a.Min > *a.Max:
			return bad("age", "min %d above max %d", *a.Min, *a.Max)
		}
	}
	return nil
}

func (d *Definition) validateDimensions(bad func(string, string, ...any) error) error {
	if len(d.Dimensions) > MaxDimensions {
		return bad("dimensions", "%d dimensions, at most %d", len(d.Dimensions), MaxDimensions)
	}
	for i, dim := range d.Dimensions {
		path := fmt.Sprintf("dimensions[%d]", i)
		if slices.Index(d.Dimensions, dim) != i {
			return bad(path, "%q given twice", dim)
		}
		kind, arg, _ := strings.Cut(dim, ":")
		ok := false
		switch kind {
		case "sex", "age_band":
			ok = arg == "" && !strings.Contains(dim, ":")
		case "phenotype", "diplotype":
			ok = genePattern().MatchString(arg)
		case "condition":
			ok = icd10Pattern().MatchString(arg)
		case "medication":
			ok = atcPattern().MatchString(arg)
		}
		if !ok {
			return bad(path, "%q: want sex, age_band, phenotype:GENE, diplotype:GENE, condition:ICD10 or medication:ATC", dim)
		}
	}
	for i, a := range d.AgeBands {
		if a < 1 || a > MaxAge || i > 0 && a <= d.AgeBands[i-1] {
			return bad(fmt.Sprintf("age_bands[%d]", i), "%d: want increasing ages from 1 to %d", a, MaxAge)
		}
	}
	return nil
}
