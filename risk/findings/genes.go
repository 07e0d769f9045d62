package findings

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Inheritance is the mode of inheritance a condition needs.
type Inheritance string

// Modes of inheritance used in secondary-findings lists (ACMG SF).
const (
	Dominant     Inheritance = "AD" // autosomal dominant: one P/LP allele
	Recessive    Inheritance = "AR" // autosomal recessive: two P/LP alleles
	XLinked      Inheritance = "XL"
	SemiDominant Inheritance = "SD" // reported like dominant
)

// GeneList is a secondary-findings gene list: gene → inheritance.
type GeneList struct {
	Path  string
	genes map[string]Inheritance
}

// Has reports whether gene is listed.
func (g *GeneList) Has(gene string) bool { _, ok := g.genes[gene]; return ok }

// Inheritance returns the gene's inheritance.
func (g *GeneList) Inheritance(gene string) Inheritance { return g.genes[gene] }

// Genes returns the listed genes, sorted.
func (g *GeneList) Genes() []string {
	out := make([]string, 0, len(g.genes))
	for k := range g.genes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ReadGeneList reads a gene list file: one gene a line, a tab, its
// inheritance (AD, AR, XL or SD); lines starting with '#' are comments.
func ReadGeneList(path string) (*GeneList, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseGeneList(f, path)
}

// ParseGeneList reads a gene list from in; name is used in errors.
func ParseGeneList(in io.Reader, name string) (*GeneList, error) {
	g := &GeneList{Path: name, genes: map[string]Inheritance{}}
	sc := bufio.NewScanner(in)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		f := strings.Split(s, "\t")
		if len(f) < 2 {
			return nil, fmt.Errorf("%s:%d: want GENE<tab>inheritance (AD, AR, XL or SD), got %q", name, line, s)
		}
		gene, inh := strings.TrimSpace(f[0]), Inheritance(strings.ToUpper(strings.TrimSpace(f[1])))
		switch inh {
		case Dominant, Recessive, XLinked, SemiDominant:
		default:
			return nil, fmt.Errorf("%s:%d: gene %s: inheritance %q: want AD, AR, XL or SD", name, line, gene, f[1])
		}
		if _, dup := g.genes[gene]; dup {
			return nil, fmt.Errorf("%s:%d: gene %s listed twice", name, line, gene)
		}
		g.genes[gene] = inh
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(g.genes) == 0 {
		return nil, fmt.Errorf("%s: no genes", name)
	}
	return g, nil
}
