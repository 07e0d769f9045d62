package fhirops

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

func TestParseGenesErrors(t *testing.T) {
	const head = "# version\tv1\nsymbol\thgnc_id\n"
	cases := []struct{ name, body, want string }{
		{"no header", "# version\tv1\nCYP2D6\tHGNC:2625\n", "g.tsv:2: want the header"},
		{"one field", head + "CYP2D6\n", "g.tsv:3: 1 fields, want 2"},
		{"id without prefix", head + "CYP2D6\t2625\n", `g.tsv:3: id "2625": want HGNC:<number>`},
		{"id with zeros", head + "CYP2D6\tHGNC:02625\n", `g.tsv:3: id "HGNC:02625"`},
		{"lower-case symbol", head + "cyp2d6\tHGNC:2625\n", `g.tsv:3: symbol "cyp2d6"`},
		{"twice", head + "CYP2D6\tHGNC:2625\nCYP2D7\tHGNC:2625\n", "g.tsv:4: CYP2D7 HGNC:2625: listed twice"},
		{"no version", "symbol\thgnc_id\n", `no "# version" line`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseGenes(strings.NewReader(c.body), "g.tsv")
			if !errors.Is(err, ErrGenes) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want %q", err, c.want)
			}
		})
	}
}

// TestGenesCoverEveryGene: every gene of the allele definitions and of the
// rule file has an HGNC id (CYP2D6 is HGNC:2625).
func TestGenesCoverEveryGene(t *testing.T) {
	g, err := LoadGenes()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := rules.LoadEmbedded()
	if err != nil {
		t.Fatal(err)
	}
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	genes := eng.Genes()
	for _, gene := range db.Genes {
		genes = append(genes, gene.Name)
	}
	slices.Sort(genes)
	for _, gene := range slices.Compact(genes) {
		if _, ok := g.ID(gene); !ok {
			t.Errorf("%s has no HGNC id", gene)
		}
	}
	if id, _ := g.ID("CYP2D6"); id != "HGNC:2625" {
		t.Errorf("CYP2D6: %s, want HGNC:2625", id)
	}
}

func TestResolveGene(t *testing.T) {
	g, err := LoadGenes()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ in, want, err string }{
		{"CYP2D6", "CYP2D6", ""},
		{" cyp2c19 ", "CYP2C19", ""},
		{"HGNC:2625", "CYP2D6", ""},
		{"hgnc:2621", "CYP2C19", ""},
		{"http://www.genenames.org/geneId|HGNC:10959", "SLCO1B1", ""},
		{"http://www.genenames.org/geneId|CYP2C9", "CYP2C9", ""},
		{"BRCA1", "BRCA1", ""}, // a symbol varamu does not call: no results, not an error
		{"HGNC:1100", "", "unknown HGNC id"},
		{"HGNC:x", "", "unknown HGNC id"},
	}
	for _, c := range cases {
		got, err := g.Resolve(c.in)
		if got != c.want || (c.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %q", c.in, got, err, c.want, c.err)
		}
	}
}

// FuzzParseGenes: no panic; every accepted row round-trips through ID and
// Resolve.
func FuzzParseGenes(f *testing.F) {
	f.Add(hgncTSV)
	f.Add("# version\tv\nsymbol\thgnc_id\nA\tHGNC:1\n")
	f.Fuzz(func(t *testing.T, s string) {
		g, err := ParseGenes(strings.NewReader(s), "f.tsv")
		if err != nil {
			if !errors.Is(err, ErrGenes) {
				t.Fatalf("error %v does not wrap ErrGenes", err)
			}
			return
		}
		for sym, id := range g.idOf {
			if got, err := g.Resolve(id); err != nil || got != sym {
				t.Fatalf("Resolve(%q) = %q, %v; want %q", id, got, err, sym)
			}
		}
	})
}
