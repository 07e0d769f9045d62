package calling

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// HLA allele names (WHO nomenclature, hla.alleles.org): an optional
// "HLA-" and locus, "*", two to four colon-separated fields, and an
// optional letter: an expression suffix (N null, L low, S secreted,
// C cytoplasm, A aberrant, Q questionable) or a G/P group. Guidelines key on
// the protein (two-field) name, "*57:01".

// errHLAName is wrapped by errors about an HLA allele name that is not
// recognised.
var errHLAName = errors.New("calling: not an HLA allele name")

// hlaAllele is one parsed HLA allele name.
type hlaAllele struct {
	protein string // two-field name guidelines key on: "*57:01" ("*57:01N" for a null allele)
	written string // as given
	suffix  byte   // expression suffix or group letter; 0 when none
}

// hlaLocus is the locus letter of an HLA gene: "B" for "HLA-B".
func hlaLocus(gene string) string { return strings.TrimPrefix(gene, "HLA-") }

func isHLA(gene string) bool { return gene == "HLA-A" || gene == "HLA-B" }

// parseHLAAllele reads one allele name of gene in any common notation:
// "HLA-B*57:01", "B*57:01", "*57:01", "57:01", "*57:01:01:02", "*57:01:01G",
// "*57:01P", "*57:01:01:02N".
func parseHLAAllele(gene, s string) (hlaAllele, error) {
	a := hlaAllele{written: strings.TrimSpace(s)}
	u := strings.ToUpper(a.written)
	u = strings.TrimPrefix(u, "HLA-")
	if i := strings.IndexByte(u, '*'); i > 0 {
		if u[:i] != hlaLocus(gene) {
			return a, fmt.Errorf("%w: %q names locus %s, not %s", errHLAName, a.written, u[:i], gene)
		}
		u = u[i:]
	}
	u = strings.TrimPrefix(u, "*")
	if n := len(u); n > 0 && strings.IndexByte("NLSCAQGP", u[n-1]) >= 0 {
		a.suffix = u[n-1]
		u = u[:n-1]
	}
	f := strings.Split(u, ":")
	if len(f) < 2 || len(f) > 4 {
		return a, fmt.Errorf("%w: %q: want two to four fields (*57:01, *57:01:01:02)", errHLAName, a.written)
	}
	for i, x := range f {
		if len(x) < 2 || len(x) > 4 || strings.Trim(x, "0123456789") != "" || (i == 0 && len(x) > 3) {
			return a, fmt.Errorf("%w: %q: field %q is not a two- to four-digit number", errHLAName, a.written, x)
		}
	}
	switch {
	case a.suffix == 'G' && len(f) != 3:
		return a, fmt.Errorf("%w: %q: a G group has three fields (*57:01:01G)", errHLAName, a.written)
	case a.suffix == 'P' && len(f) != 2:
		return a, fmt.Errorf("%w: %q: a P group has two fields (*57:01P)", errHLAName, a.written)
	}
	a.protein = "*" + f[0] + ":" + f[1]
	if a.suffix == 'N' {
		a.protein += "N"
	}
	return a, nil
}

// hlaStatement is one "HLA-B*57:01 positive" statement.
type hlaStatement struct {
	allele   hlaAllele
	positive bool
}

var hlaWords = map[string]bool{
	"positive": true, "pos": true, "present": true, "detected": true, "carrier": true,
	"negative": false, "neg": false, "absent": false, "not detected": false, "non-carrier": false, "noncarrier": false,
}

// parseHLAStatements reads "HLA-B*57:01 positive", several separated by
// ';' or ','. ok is false when s holds no positive/negative word at all.
func parseHLAStatements(gene, s string) ([]hlaStatement, bool, error) {
	var out []hlaStatement
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' })
	for i, p := range parts {
		p = strings.TrimSpace(p)
		name, word, found := "", "", false
		for w := range hlaWords {
			if len(p) > len(w) && strings.EqualFold(p[len(p)-len(w):], w) && strings.TrimSpace(p[:len(p)-len(w)]) != "" && p[len(p)-len(w)-1] == ' ' {
				if len(w) > len(word) {
					name, word, found = strings.TrimSpace(p[:len(p)-len(w)]), w, true
				}
			}
		}
		if !found {
			if i == 0 && len(parts) == 1 {
				return nil, false, nil
			}
			return nil, true, fmt.Errorf("%w: %q: want an allele followed by positive or negative", errHLAName, p)
		}
		a, err := parseHLAAllele(gene, name)
		if err != nil {
			return nil, true, err
		}
		out = append(out, hlaStatement{allele: a, positive: hlaWords[strings.ToLower(word)]})
	}
	return out, len(out) > 0, nil
}

// hlaCall turns an outside HLA-A/HLA-B call into a gene call. A name that
// is not recognised leaves the gene not called, with the reason: it is
// never read as "negative". The error is a contradiction between a
// diplotype and a statement on the same line.
func hlaCall(gene *alleles.Gene, oc OutsideCall, call pharmacogenomics.GeneCall) (pharmacogenomics.GeneCall, error) {
	notCalled := func(err error) pharmacogenomics.GeneCall {
		call.Called = false
		call.Diplotypes = []string{}
		call.Carriers = nil
		call.Phenotype = ""
		call.Notes = append(call.Notes, fmt.Sprintf("%s not called: %v (want e.g. %s*57:01/%s*08:01, *57:01:01, 57:01, *57:01:01G, *57:01P or \"%s*57:01 positive\"); an unread HLA result is never taken as negative",
			gene.Name, strings.TrimPrefix(err.Error(), "calling: "), gene.Name, hlaLocus(gene.Name), gene.Name))
		return call
	}
	var statements []hlaStatement
	var dip []hlaAllele
	for _, field := range []string{oc.Diplotype, oc.Phenotype} {
		if strings.TrimSpace(field) == "" {
			continue
		}
		st, isStatement, err := parseHLAStatements(gene.Name, field)
		if err != nil {
			return notCalled(err), nil
		}
		if isStatement {
			statements = append(statements, st...)
			continue
		}
		if field == oc.Phenotype {
			return notCalled(fmt.Errorf("%w: phenotype %q: want \"%s*57:01 positive\" or \"negative\"", errHLAName, field, gene.Name)), nil
		}
		for _, s := range strings.Split(field, "/") {
			a, err := parseHLAAllele(gene.Name, s)
			if err != nil {
				return notCalled(err), nil
			}
			dip = append(dip, a)
		}
	}
	if err := hlaConsistent(dip, statements); err != nil {
		return call, err
	}
	call.Called = true
	call.Notes = append(call.Notes, hlaNotes(gene.Name, append(slices.Clone(dip), statementAlleles(statements)...))...)
	if len(dip) == 2 {
		a, b := dip[0].protein, dip[1].protein
		if alleles.NaturalCompare(b, a) < 0 {
			a, b = b, a
		}
		call.Diplotypes = []string{a + "/" + b}
		call.Phenotype = ""
		return call, nil
	}
	// One allele, or statements: only the alleles named are known.
	call.Carriers = map[string]bool{}
	for _, a := range dip {
		call.Carriers[a.protein] = true
	}
	for _, s := range statements {
		call.Carriers[s.allele.protein] = s.positive
	}
	call.Phenotype = pharmacogenomics.CarrierPhenotype(gene.Name, call.Carriers)
	if len(dip) == 1 {
		call.Notes = append(call.Notes, fmt.Sprintf("one %s allele given (%s): it is read as \"%s%s positive\"; other alleles are unknown", gene.Name, dip[0].written, gene.Name, dip[0].protein))
	}
	return call, nil
}

func statementAlleles(st []hlaStatement) []hlaAllele {
	out := make([]hlaAllele, len(st))
	for i, s := range st {
		out[i] = s.allele
	}
	return out
}

// hlaConsistent checks statements against a diplotype given on the same line.
func hlaConsistent(dip []hlaAllele, st []hlaStatement) error {
	if len(dip) == 0 {
		return nil
	}
	for _, s := range st {
		in := slices.ContainsFunc(dip, func(a hlaAllele) bool { return a.protein == s.allele.protein })
		if in != s.positive {
			word := "negative"
			if s.positive {
				word = "positive"
			}
			return fmt.Errorf("%w: the diplotype and \"%s %s\" contradict each other", ErrContradiction, s.allele.written, word)
		}
	}
	return nil
}

// hlaNotes says how names were read when the notation was not the plain
// two-field one.
func hlaNotes(gene string, as []hlaAllele) []string {
	var out []string
	for _, a := range as {
		plain := strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(a.written), "HLA-"), hlaLocus(gene))
		plain = "*" + strings.TrimPrefix(plain, "*")
		switch {
		case a.suffix == 'N':
			out = append(out, fmt.Sprintf("%s is a null allele (not expressed): it does not count as %s%s", a.written, gene, strings.TrimSuffix(a.protein, "N")))
		case a.suffix == 'G' || a.suffix == 'P':
			out = append(out, fmt.Sprintf("%s (%c group) read as %s%s at protein level", a.written, a.suffix, gene, a.protein))
		case a.suffix != 0:
			out = append(out, fmt.Sprintf("%s has expression suffix %c: counted as %s%s", a.written, a.suffix, gene, a.protein))
		case plain != a.protein:
			out = append(out, fmt.Sprintf("%s read as %s%s at protein level", a.written, gene, a.protein))
		}
	}
	return out
}
