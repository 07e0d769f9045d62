package cdshooks

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/server"
)

//go:embed alternatives.tsv
var alternativesTSV string

// ErrAlternatives is wrapped by every error in a replacement table.
var ErrAlternatives = errors.New("cdshooks: bad replacement table")

// Alternative is a drug that may replace a draft order of Drug, with the
// codes an order of it carries (RxNorm "" when not known).
type Alternative struct {
	Drug, Name, ATC, RxNorm string
}

// Alternatives is the replacement table: for each drug with rules, the
// drugs its recommendations name as replacements (alternatives.tsv).
type Alternatives struct {
	// Version is the table's "# version" line.
	Version string
	byDrug  map[string][]Alternative
}

// LoadAlternatives reads the table built into varamu.
func LoadAlternatives() (*Alternatives, error) {
	return ParseAlternatives(strings.NewReader(alternativesTSV), "alternatives.tsv")
}

var atcRe = regexp.MustCompile(`^[A-Z]\d\d[A-Z][A-Z]\d\d$`)

// ParseAlternatives reads a replacement table: "#" comment lines (one
// "# version\tV"), a header "drug alternative atc rxnorm", then one
// tab-separated pair a line. Errors name the file and line.
func ParseAlternatives(r io.Reader, name string) (*Alternatives, error) {
	a := &Alternatives{byDrug: map[string][]Alternative{}}
	sc := bufio.NewScanner(r)
	header := false
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "# version\t"); ok {
			a.Version = strings.TrimSpace(v)
			continue
		}
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		bad := func(msg string) error { return fmt.Errorf("%w: %s:%d: %s", ErrAlternatives, name, n, msg) }
		switch {
		case len(f) != 4:
			return nil, bad(fmt.Sprintf("%d fields, want 4 (drug, alternative, atc, rxnorm)", len(f)))
		case !header:
			if strings.Join(f, " ") != "drug alternative atc rxnorm" {
				return nil, bad("want the header drug, alternative, atc, rxnorm")
			}
			header = true
			continue
		case f[0] == "" || f[1] == "" || f[0] == f[1]:
			return nil, bad("want a drug and a different alternative")
		case !atcRe.MatchString(f[2]):
			return nil, bad(fmt.Sprintf("ATC code %q is not a 7-character substance code", f[2]))
		case strings.Trim(f[3], "0123456789") != "":
			return nil, bad(fmt.Sprintf("RxNorm code %q is not an RxCUI", f[3]))
		}
		a.byDrug[f[0]] = append(a.byDrug[f[0]], Alternative{Drug: f[0], Name: f[1], ATC: f[2], RxNorm: f[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrAlternatives, name, err)
	}
	if a.Version == "" {
		return nil, fmt.Errorf("%w: %s: no \"# version\" line", ErrAlternatives, name)
	}
	return a, nil
}

// All returns every pair of the table.
func (a *Alternatives) All() []Alternative {
	var out []Alternative
	for _, alts := range a.byDrug {
		out = append(out, alts...)
	}
	return out
}

// For returns the replacements rec's own text names for its drug, in the
// table's order, leaving out those the patient's other recommendations
// (recs) advise against or could not judge.
func (a *Alternatives) For(rec server.StoredRec, recs []server.StoredRec) []Alternative {
	text := strings.ToLower(rec.Text)
	var out []Alternative
	for _, alt := range a.byDrug[rec.Drug] {
		if !names(text, strings.ToLower(alt.Name)) || advisedAgainst(alt.Name, recs) {
			continue
		}
		out = append(out, alt)
	}
	return out
}

// names reports whether text names name, as a whole word, as a drug to
// give: an occurrence followed by "is contraindicated", or right after
// "not", does not count.
func names(text, name string) bool {
	letter := func(b byte) bool { return b >= 'a' && b <= 'z' || b == '-' }
	for i := 0; ; {
		j := strings.Index(text[i:], name)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(name)
		i = start + 1
		if (start > 0 && letter(text[start-1])) || (end < len(text) && letter(text[end])) {
			continue
		}
		if !refused(text, start, end) {
			return true
		}
	}
}

// refused reports whether the words around text[start:end] refuse the
// drug there: "prasugrel is contraindicated after stroke", "not codeine".
func refused(text string, start, end int) bool {
	after := text[end:]
	if strings.HasPrefix(after, " is contraindicated") || strings.HasPrefix(after, " are contraindicated") {
		return true
	}
	before := strings.Fields(text[:start])
	return len(before) > 0 && strings.TrimLeft(before[len(before)-1], "(") == "not"
}

// advisedAgainst reports whether a recommendation for drug asks to avoid it,
// to prefer an alternative, or had no genotype to judge it.
func advisedAgainst(drug string, recs []server.StoredRec) bool {
	for _, r := range recs {
		if r.Drug == drug && advisesAgainst(r.Action) {
			return true
		}
	}
	return false
}

// advisesAgainst reports whether a recommendation's action speaks against
// giving its drug as an alternative (see advisedAgainst).
func advisesAgainst(action string) bool {
	return action == rules.ActionAvoid || action == rules.ActionAlternativePreferred || action == rules.ActionNoGenotype
}
