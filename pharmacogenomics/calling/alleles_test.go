package calling

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

var update = flag.Bool("update", false, "rewrite golden files")

// variantPositions are the positions where allele a differs from the reference.
func variantPositions(g *alleles.Gene, a *alleles.Allele) map[int]bool {
	out := map[int]bool{}
	ref := g.Reference()
	for pi := range g.Positions {
		if effDef(g, a, pi) != effDef(g, ref, pi) {
			out[pi] = true
		}
	}
	return out
}

// partner picks another allele for a heterozygous test: the next allele in
// definition order that shares no variant position with a.
func partner(g *alleles.Gene, ai int) *alleles.Allele {
	va := variantPositions(g, &g.Alleles[ai])
	for k := 1; k < len(g.Alleles); k++ {
		b := &g.Alleles[(ai+k)%len(g.Alleles)]
		if b.Reference || reportName(g, b.Name) == reportName(g, g.Alleles[ai].Name) {
			continue
		}
		vb := variantPositions(g, b)
		if len(vb) == 0 {
			continue
		}
		overlap := false
		for p := range vb {
			overlap = overlap || va[p]
		}
		if !overlap {
			return b
		}
	}
	return nil
}

// TestEveryAllele builds genotypes from every named allele of every gene
// (homozygous; heterozygous with the reference; heterozygous with another
// allele; unphased and phased; haploid for G6PD in males) and checks the
// call gives the allele back. Calls that return something else or more than
// the expected diplotype are the definitions' own ambiguities: they are
// listed, case by case, in testdata/allele-ambiguities.golden, so every one
// is asserted and reviewed.
func TestEveryAllele(t *testing.T) {
	db := testDB(t)
	var report []string
	cases := 0
	for _, g := range db.Genes {
		if g.Outside {
			continue
		}
		c, err := New(db, Config{Genes: []string{g.Name}})
		if err != nil {
			t.Fatal(err)
		}
		ref := g.Reference()
		check := func(label string, haps []*alleles.Allele, phased bool, sex Sex) {
			t.Helper()
			cases++
			src := memSource{}
			fromAlleles(src, g, haps, phased)
			out, err := c.Call(context.Background(), src, Subject{Sample: "S", Sex: sex})
			if err != nil {
				t.Fatal(err)
			}
			call := out.Genes[0]
			var d phenotype.Diplotype
			for _, a := range haps {
				d = append(d, []string{reportName(g, a.Name)})
			}
			want := d.Name(g)
			if len(call.Diplotypes) == 1 && call.Diplotypes[0] == want {
				switch {
				case !call.Called:
					t.Errorf("%s %s: not called: %q", g.Name, label, call.Notes)
				case call.Uncertain:
					report = append(report, fmt.Sprintf("%s\t%s\twant %s\tgot it, uncertain: %s", g.Name, label, want, strings.Join(call.Notes, "; ")))
				}
				return
			}
			got := strings.Join(call.Diplotypes, " | ")
			if !call.Called {
				got = "not called: " + strings.Join(call.Notes, "; ")
			}
			in := slices.Contains(call.Diplotypes, want)
			if in && !call.Uncertain {
				t.Errorf("%s %s: ambiguous call %s not marked uncertain", g.Name, label, got)
			}
			report = append(report, fmt.Sprintf("%s\t%s\twant %s\tgot %s\t(expected among them: %v)", g.Name, label, want, got, in))
		}
		for ai := range g.Alleles {
			a := &g.Alleles[ai]
			sex := SexUnknown
			if g.Chrom == "chrM" {
				check(a.Name+" homoplasmic", []*alleles.Allele{a}, false, sex)
				continue
			}
			if g.Chrom == "chrX" {
				sex = Female
				check(a.Name+" hemizygous (male)", []*alleles.Allele{a}, false, Male)
			}
			check(a.Name+"/"+a.Name+" unphased", []*alleles.Allele{a, a}, false, sex)
			if a.Reference {
				continue
			}
			check(ref.Name+"/"+a.Name+" unphased", []*alleles.Allele{ref, a}, false, sex)
			check(a.Name+"|"+ref.Name+" phased", []*alleles.Allele{a, ref}, true, sex)
			if b := partner(g, ai); b != nil {
				check(a.Name+"/"+b.Name+" unphased", []*alleles.Allele{a, b}, false, sex)
				check(b.Name+"|"+a.Name+" phased", []*alleles.Allele{b, a}, true, sex)
			}
		}
	}
	t.Logf("%d cases, %d with ambiguity or a different call", cases, len(report))
	golden(t, "allele-ambiguities.golden", strings.Join(report, "\n")+"\n")
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
	}
}
