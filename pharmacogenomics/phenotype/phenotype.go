// Package phenotype translates pharmacogene diplotypes into phenotypes and
// activity scores using the embedded CPIC tables (package
// pharmacogenomics/alleles) and the published rules the tables do not carry
// (guidelines/phenotype-rules.md): CYP2D6 activity scores (Caudle et al.
// 2020, PMID 31647186, with the 2023 *9/*41 values), DPYD lowest-function
// scoring (CPIC 2017, PMID 29152729, and the 2024 update), G6PD X-linked
// phenotypes by allele class (CPIC 2022, PMID 36049896) and RYR1/CACNA1S
// malignant hyperthermia susceptibility (CPIC 2018, PMID 30499100), which is
// never reported as "normal".
package phenotype

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// Indeterminate is CPIC's phenotype for a diplotype whose alleles have
// unknown or uncertain function, or that no table covers.
const Indeterminate = "Indeterminate"

// Phenotype terms used by the rules.
const (
	MHS                    = "Malignant Hyperthermia Susceptibility"
	UncertainSusceptibilty = "Uncertain Susceptibility"
	mhAssociated           = "Malignant Hyperthermia associated"
)

// Diplotype is one candidate diplotype: one haplotype (a haploid call, such
// as G6PD in a male) or two. Each haplotype lists the named alleles found on
// it; more than one only for genes called variant by variant (DPYD, RYR1),
// where "[a + b]" is one chromosome carrying both.
type Diplotype [][]string

// Name spells the diplotype as the report shows it: in the order of the
// gene's tables, or for names called variant by variant (DPYD, RYR1) in
// PharmCAT's order (see CompareHaplotypeNames).
func (d Diplotype) Name(g *alleles.Gene) string {
	names := make([]string, len(d))
	for i, h := range d {
		names[i] = HaplotypeName(h)
	}
	if len(names) == 2 {
		a, b := g.Order(names[0], names[1])
		if pharmcatOrdered(names...) {
			a, b = names[0], names[1]
			if CompareHaplotypeNames(b, a) < 0 {
				a, b = b, a
			}
		}
		return a + "/" + b
	}
	return strings.Join(names, "/")
}

// HaplotypeName spells one haplotype: its allele, or "[a + b]" when it
// carries several.
func HaplotypeName(h []string) string {
	if len(h) == 1 {
		return h[0]
	}
	return "[" + strings.Join(h, " + ") + "]"
}

// Result is the phenotype of a call.
type Result struct {
	Phenotype string
	// Activity is the activity score when the gene uses one and it is a
	// number; ActivityText is the score as published ("≥4.0") when it is not.
	Activity     *float64
	ActivityText string
	Notes        []string
}

// Translate returns the phenotype of a call whose tied candidate diplotypes
// are dips. When the candidates disagree the phenotype is Indeterminate and
// the notes name each candidate's phenotype.
func Translate(g *alleles.Gene, dips []Diplotype) Result {
	if len(dips) == 0 {
		return Result{}
	}
	results := make([]Result, len(dips))
	for i, d := range dips {
		results[i] = one(g, d)
	}
	r := results[0]
	same := true
	for _, o := range results[1:] {
		if o.Phenotype != r.Phenotype || !sameActivity(o, r) {
			same = false
		}
	}
	if same {
		for _, o := range results[1:] {
			for _, n := range o.Notes {
				if !slices.Contains(r.Notes, n) {
					r.Notes = append(r.Notes, n)
				}
			}
		}
		return r
	}
	out := Result{Phenotype: Indeterminate}
	var parts []string
	for i, d := range dips {
		s := d.Name(g) + " → " + results[i].Phenotype
		if results[i].ActivityText != "" {
			s += " (activity score " + results[i].ActivityText + ")"
		}
		parts = append(parts, s)
	}
	out.Notes = append(out.Notes, "the tied diplotypes have different phenotypes: "+strings.Join(parts, "; "))
	return out
}

// sameActivity compares two results' activity scores as numbers when both
// are ("1.0" from a table is the 1 a rule computes), else as written.
func sameActivity(a, b Result) bool {
	if a.Activity != nil && b.Activity != nil {
		return *a.Activity == *b.Activity
	}
	return a.ActivityText == b.ActivityText
}

func one(g *alleles.Gene, d Diplotype) Result {
	switch g.Name {
	case "DPYD":
		return dpyd(g, d)
	case "G6PD":
		return g6pd(g, d)
	case "RYR1", "CACNA1S":
		return mh(g, d)
	case "CYP2D6":
		return cyp2d6(g, d)
	}
	if r, ok := lookup(g, d); ok {
		return r
	}
	if len(g.Diplotypes) == 0 {
		// No table (CYP4F2, IFNL3): the diplotype itself is what guidelines use.
		var fn []string
		for _, h := range d {
			for _, a := range h {
				if f, ok := g.Function(a); ok {
					fn = appendUnique(fn, a+": "+f.Function)
				}
			}
		}
		n := fmt.Sprintf("%s has no diplotype-to-phenotype table; guidelines use the diplotype itself", g.Name)
		if len(fn) > 0 {
			n += " (allele functions: " + strings.Join(fn, "; ") + ")"
		}
		return Result{Notes: []string{n}}
	}
	return Result{Phenotype: Indeterminate, Notes: []string{fmt.Sprintf("%s: the %s phenotype table (version %s) has no entry for %s", g.Name, g.Name, g.PhenotypeVersion, d.Name(g))}}
}

// lookup finds a diplotype of single-allele haplotypes in the gene's table.
func lookup(g *alleles.Gene, d Diplotype) (Result, bool) {
	var a, b string
	for i, h := range d {
		if len(h) != 1 {
			return Result{}, false
		}
		if i == 0 {
			a = h[0]
		} else {
			b = h[0]
		}
	}
	ph, as, ok := g.Phenotype(a, b)
	if !ok {
		return Result{}, false
	}
	r := Result{Phenotype: ph}
	setActivity(&r, as)
	return r, true
}

func setActivity(r *Result, as string) {
	if as == "" || as == "n/a" {
		return
	}
	r.ActivityText = as
	if v, err := strconv.ParseFloat(as, 64); err == nil {
		r.Activity = &v
	}
}

func formatScore(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// value returns an allele's activity value.
func value(g *alleles.Gene, name string) (float64, bool) {
	f, ok := g.Function(name)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(f.Activity, 64)
	return v, err == nil
}

// dpyd scores DPYD: the lowest activity value on each chromosome, summed
// (CPIC). AS 2 Normal; 1 and 1.5 Intermediate; 0 and 0.5 Poor.
func dpyd(g *alleles.Gene, d Diplotype) Result {
	if r, ok := lookup(g, d); ok {
		return r
	}
	sum := 0.0
	for _, h := range d {
		low := 1.0
		for _, a := range h {
			v, ok := value(g, a)
			if !ok {
				return Result{Phenotype: Indeterminate, Notes: []string{fmt.Sprintf("DPYD: %s has no activity value", a)}}
			}
			low = min(low, v)
		}
		sum += low
	}
	if len(d) == 1 {
		sum += 1
	}
	r := Result{Phenotype: DPYDBand(sum), ActivityText: formatScore(sum)}
	r.Activity = &sum
	return r
}

// DPYDBand maps a DPYD activity score to its phenotype.
func DPYDBand(as float64) string {
	switch {
	case as >= 2:
		return "Normal Metabolizer"
	case as >= 1:
		return "Intermediate Metabolizer"
	}
	return "Poor Metabolizer"
}

// LowestTwo returns the two named alleles with the lowest DPYD activity
// values among found (each listed once per copy), ordered as
// LowestFunction orders alleles (PharmCAT's DpydActivityComparator: an
// unknown value first, ties by CompareHaplotypeNames); "Reference" fills
// in when fewer than two were found. It is how CPIC scores unphased DPYD
// data: two decreased or no function variants are presumed to be on
// different chromosomes.
func LowestTwo(g *alleles.Gene, found []string) (string, string) {
	sorted := slices.Clone(found)
	slices.SortStableFunc(sorted, func(a, b string) int { return compareActivity(g, a, b) })
	a, b := "Reference", "Reference"
	if len(sorted) > 0 {
		a = sorted[0]
	}
	if len(sorted) > 1 {
		b = sorted[1]
	}
	return a, b
}

// g6pdClass reads an allele's G6PD function: "I/Deficient with CNSHA",
// "II/Deficient", "III/Deficient", "IV/Normal".
func g6pdClass(g *alleles.Gene, name string) (deficient, cnsha, known bool) {
	f, ok := g.Function(name)
	if !ok {
		return false, false, false
	}
	switch {
	case strings.HasPrefix(f.Function, "I/"):
		return true, true, true
	case strings.HasPrefix(f.Function, "II/"), strings.HasPrefix(f.Function, "III/"):
		return true, false, true
	case strings.HasPrefix(f.Function, "IV/"):
		return false, false, true
	}
	return false, false, false
}

// g6pd applies the X-linked rules: a male's one allele decides; a female
// with one deficient and one normal allele is Variable.
func g6pd(g *alleles.Gene, d Diplotype) Result {
	if r, ok := lookup(g, d); ok {
		return r
	}
	var def, cn, unknown []string
	for _, h := range d {
		for _, a := range h {
			de, c, known := g6pdClass(g, a)
			switch {
			case !known:
				unknown = append(unknown, a)
			case de:
				def = append(def, a)
				if c {
					cn = append(cn, a)
				}
			}
		}
	}
	if len(unknown) > 0 {
		return Result{Phenotype: Indeterminate, Notes: []string{fmt.Sprintf(
			"G6PD: %s has unknown function in the G6PD table (version %s); it is not assumed normal", strings.Join(unknown, ", "), g.PhenotypeVersion)}}
	}
	switch {
	case len(d) == 1 && len(def) > 0 && len(cn) == len(def):
		return Result{Phenotype: "Deficient with CNSHA"}
	case len(d) == 1 && len(def) > 0:
		return Result{Phenotype: "Deficient"}
	case len(d) == 1:
		return Result{Phenotype: "Normal"}
	case len(def) >= 2 && len(cn) == len(def):
		return Result{Phenotype: "Deficient with CNSHA"}
	case len(def) >= 2:
		return Result{Phenotype: "Deficient"}
	case len(def) == 1:
		return Result{Phenotype: "Variable", Notes: []string{"G6PD: one deficient and one normal allele; activity cannot be predicted from genotype (X inactivation), measure enzyme activity"}}
	}
	return Result{Phenotype: "Normal"}
}

// mh: any malignant-hyperthermia-associated variant means susceptibility;
// otherwise susceptibility is uncertain, never normal.
func mh(g *alleles.Gene, d Diplotype) Result {
	if r, ok := lookup(g, d); ok {
		return r
	}
	var unknown []string
	for _, h := range d {
		for _, a := range h {
			f, ok := g.Function(a)
			switch {
			case ok && f.Function == mhAssociated:
				return Result{Phenotype: MHS}
			case !ok:
				unknown = append(unknown, a)
			}
		}
	}
	r := Result{Phenotype: UncertainSusceptibilty}
	if len(unknown) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%s: %s is not in the %s table (version %s): function unknown", g.Name, strings.Join(unknown, ", "), g.Name, g.PhenotypeVersion))
	}
	return r
}

// cyp2d6 scores an outside CYP2D6 diplotype: the table when it has the
// diplotype, otherwise the sum of the alleles' values with duplications
// multiplying them, banded as CPIC does. An open score ("≥4.0", from a
// copy number "x≥3") is read as its lower bound when that bound is already
// Ultrarapid Metabolizer, the open-ended band; otherwise the phenotype is
// Indeterminate.
func cyp2d6(g *alleles.Gene, d Diplotype) Result {
	if r, ok := lookup(g, d); ok {
		return openScore(r)
	}
	sum, open := 0.0, false
	for _, h := range d {
		for _, a := range h {
			v, o, ok := cyp2d6Value(g, a)
			if !ok {
				return Result{Phenotype: Indeterminate, Notes: []string{fmt.Sprintf("CYP2D6: %s has no activity value in the CYP2D6 table (version %s)", a, g.PhenotypeVersion)}}
			}
			sum += v
			open = open || o
		}
	}
	text := formatScore(sum)
	if open {
		text = "≥" + text
	}
	r := Result{Phenotype: CYP2D6Band(sum), ActivityText: text}
	r.Notes = append(r.Notes, "CYP2D6: activity score computed from allele values (CPIC); the diplotype is not in the table")
	if open {
		return openScore(r)
	}
	r.Activity = &sum
	return r
}

// openScore reads a CYP2D6 score "≥x" as x when x is Ultrarapid.
func openScore(r Result) Result {
	t, ok := strings.CutPrefix(r.ActivityText, "≥")
	if !ok {
		return r
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || CYP2D6Band(v) != "Ultrarapid Metabolizer" {
		r.Phenotype, r.Activity = Indeterminate, nil
		r.Notes = append(r.Notes, fmt.Sprintf("CYP2D6: activity score %s has no upper bound and spans more than one phenotype", r.ActivityText))
		return r
	}
	r.Activity = &v
	r.Notes = append(r.Notes, fmt.Sprintf("CYP2D6: activity score %s; %s, its lower bound, is used (every score above 2.25 is Ultrarapid Metabolizer)", r.ActivityText, t))
	return r
}

// cyp2d6Value returns an allele's activity value, multiplied for copies
// ("*1x2", "*41x3"); open is set for "x≥3", whose value is a lower bound.
func cyp2d6Value(g *alleles.Gene, a string) (v float64, open, ok bool) {
	if f, found := g.Function(a); found {
		t, o := strings.CutPrefix(f.Activity, "≥")
		x, err := strconv.ParseFloat(t, 64)
		return x, o, err == nil
	}
	base, n, found := strings.Cut(a, "x")
	if !found {
		return 0, false, false
	}
	n, open = strings.CutPrefix(n, "≥")
	k, err := strconv.Atoi(n)
	if err != nil || k < 1 {
		return 0, false, false
	}
	v, ok = value(g, base)
	return v * float64(k), open && v > 0, ok
}

// ScoresOf lists the activity scores the gene's table gives a phenotype
// (any letter case), ascending, open scores ("≥4.0") as their lower
// bound; nil when the gene has no scores.
func ScoresOf(g *alleles.Gene, phenotype string) []float64 {
	var out []float64
	for _, row := range g.Diplotypes {
		if row[3] < 0 || !strings.EqualFold(g.Phenotypes[row[2]], phenotype) {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimPrefix(g.Phenotypes[row[3]], "≥"), 64)
		if err == nil && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}

// CYP2D6Band maps a CYP2D6 activity score to its phenotype (CPIC 2020):
// 0 Poor; 0.25–1 Intermediate; 1.25–2.25 Normal; above 2.25 Ultrarapid.
func CYP2D6Band(as float64) string {
	switch {
	case as <= 0:
		return "Poor Metabolizer"
	case as <= 1:
		return "Intermediate Metabolizer"
	case as <= 2.25:
		return "Normal Metabolizer"
	}
	return "Ultrarapid Metabolizer"
}

func appendUnique(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}
