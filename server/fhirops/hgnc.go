package fhirops

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

//go:embed hgnc.tsv
var hgncTSV string

// ErrGenes is wrapped by every error in a gene table.
var ErrGenes = errors.New("fhirops: bad gene table")

// ErrUnknownGeneID is returned for an HGNC id that is not one of the genes
// varamu handles: it cannot be mapped to a symbol.
var ErrUnknownGeneID = errors.New("fhirops: unknown HGNC id")

// Genes maps the approved HGNC symbols of the genes varamu handles to their
// HGNC ids and back (hgnc.tsv).
type Genes struct {
	// Version is the table's "# version" line.
	Version  string
	idOf     map[string]string // symbol -> "HGNC:n"
	symbolOf map[string]string // "HGNC:n" -> symbol
}

// LoadGenes reads the gene table built into varamu.
func LoadGenes() (*Genes, error) { return ParseGenes(strings.NewReader(hgncTSV), "hgnc.tsv") }

// ParseGenes reads a gene table: "#" comment lines (one "# version\tV"),
// a header "symbol hgnc_id", then one gene a line. Errors name the file and
// line.
func ParseGenes(r io.Reader, name string) (*Genes, error) {
	g := &Genes{idOf: map[string]string{}, symbolOf: map[string]string{}}
	sc := bufio.NewScanner(r)
	header := false
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "# version\t"); ok {
			g.Version = strings.TrimSpace(v)
			continue
		}
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		bad := func(msg string) error { return fmt.Errorf("%w: %s:%d: %s", ErrGenes, name, n, msg) }
		switch {
		case len(f) != 2:
			return nil, bad(fmt.Sprintf("%d fields, want 2 (symbol, hgnc_id)", len(f)))
		case !header:
			if f[0] != "symbol" || f[1] != "hgnc_id" {
				return nil, bad("want the header symbol, hgnc_id")
			}
			header = true
			continue
		case f[0] == "" || f[0] != strings.ToUpper(f[0]) || strings.ContainsAny(f[0], " |,"):
			return nil, bad(fmt.Sprintf("symbol %q: want an approved (upper-case) symbol", f[0]))
		case !validID(f[1]):
			return nil, bad(fmt.Sprintf("id %q: want HGNC:<number>", f[1]))
		case g.idOf[f[0]] != "" || g.symbolOf[f[1]] != "":
			return nil, bad(fmt.Sprintf("%s %s: listed twice", f[0], f[1]))
		}
		g.idOf[f[0]], g.symbolOf[f[1]] = f[1], f[0]
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrGenes, name, err)
	}
	if g.Version == "" {
		return nil, fmt.Errorf("%w: %s: no \"# version\" line", ErrGenes, name)
	}
	return g, nil
}

func validID(id string) bool {
	num, ok := strings.CutPrefix(id, "HGNC:")
	v, err := strconv.Atoi(num)
	return ok && err == nil && v > 0 && strconv.Itoa(v) == num
}

// ID returns the HGNC id of an approved symbol.
func (g *Genes) ID(symbol string) (string, bool) {
	id, ok := g.idOf[symbol]
	return id, ok
}

// Resolve reads a gene as the operations' genes parameter gives it: an
// HGNC symbol or id, either optionally as "system|code"
// ("http://www.genenames.org/geneId|HGNC:2625"). It returns the symbol; an
// HGNC id varamu does not know is ErrUnknownGeneID. A symbol varamu does not
// know is returned as given (upper case): it simply has no results.
func (g *Genes) Resolve(gene string) (string, error) {
	if _, code, ok := strings.Cut(gene, "|"); ok {
		gene = code
	}
	gene = strings.ToUpper(strings.TrimSpace(gene))
	if num, ok := strings.CutPrefix(gene, "HGNC:"); ok {
		if s, known := g.symbolOf["HGNC:"+strings.TrimLeft(num, "0")]; known {
			return s, nil
		}
		return "", fmt.Errorf("%w %q", ErrUnknownGeneID, gene)
	}
	return gene, nil
}

// Concept is the CodeableConcept of a gene: its HGNC id coding (when
// known) with the symbol as display and text.
func (g *Genes) Concept(symbol string) map[string]any {
	if id, ok := g.idOf[symbol]; ok {
		return concept(symbol, coding(hgncSystem, id, symbol))
	}
	return concept(symbol)
}
