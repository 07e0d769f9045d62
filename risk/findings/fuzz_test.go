package findings

import (
	"bytes"
	"testing"
)

// FuzzGeneList: any input parses or errors; a parsed list has genes, each
// with a known inheritance.
func FuzzGeneList(f *testing.F) {
	f.Add([]byte("# ACMG SF\nBRCA1\tAD\nMUTYH\tAR\nOTC\tXL\n"))
	f.Add([]byte("X\tsd\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGeneList(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		if len(g.Genes()) == 0 {
			t.Fatal("empty list without error")
		}
		for _, gene := range g.Genes() {
			switch g.Inheritance(gene) {
			case Dominant, Recessive, XLinked, SemiDominant:
			default:
				t.Fatalf("gene %q: inheritance %q", gene, g.Inheritance(gene))
			}
		}
	})
}

// FuzzClinVar: any input reads or errors, never panics; kept assertions
// are P/LP with at least one star.
func FuzzClinVar(f *testing.F) {
	head := "##fileformat=VCFv4.1\n##INFO=<ID=CLNSIG,Number=.,Type=String,Description=\"s\">\n##INFO=<ID=CLNREVSTAT,Number=.,Type=String,Description=\"r\">\n##INFO=<ID=GENEINFO,Number=1,Type=String,Description=\"g\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
	f.Add([]byte(head + "1\t5\t1\tA\tG\t.\t.\tCLNSIG=Pathogenic;CLNREVSTAT=reviewed_by_expert_panel;GENEINFO=X:1;CLNDN=a|b\n"))
	f.Add([]byte(head + "1\t5\t1\tA\tG,T\t.\t.\tCLNSIG=Benign\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cv, err := ReadClinVarFrom(bytes.NewReader(data), "fuzz", nil)
		if err != nil {
			return
		}
		for _, a := range cv.Assertions {
			if a.Stars < 1 || !PathogenicOrLikely(a.Sig) {
				t.Fatalf("kept %+v", a)
			}
		}
	})
}
