package calling

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// patientCall is one sample's genotype at a position, as VCF text.
type patientCall struct {
	gene   string
	pos    int64
	sample int
	gt     string // "0/1", "1|0", "1", "./."
	extra  string // FORMAT PS:GP values after GT, e.g. ":100:." ; "" means ":.:."
}

// patientVCF writes a four-sample VCF covering every position of the VCF
// genes with reference calls, then applies the calls. Positions listed in
// drop are left out (not covered) for the sample.
func patientVCF(t *testing.T, db *alleles.DB, calls []patientCall, drop map[int][]string) []byte {
	t.Helper()
	type row struct {
		chrom string
		pos   int64
		p     alleles.Position
		gene  string
	}
	var rows []row
	for _, g := range db.Genes {
		if g.Outside {
			continue
		}
		for _, p := range append(g.Positions, g.Extra...) {
			rows = append(rows, row{g.Chrom, p.Pos, p, g.Name})
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		return compareLocus(genome.Locus{Chrom: a.chrom, Pos: a.pos}, genome.Locus{Chrom: b.chrom, Pos: b.pos})
	})
	var b bytes.Buffer
	b.WriteString("##fileformat=VCFv4.3\n##reference=GRCh38\n")
	b.WriteString("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n")
	b.WriteString("##FORMAT=<ID=PS,Number=1,Type=Integer,Description=\"Phase set\">\n")
	b.WriteString("##FORMAT=<ID=GP,Number=G,Type=Float,Description=\"Genotype probabilities\">\n")
	b.WriteString("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP1\tP2\tP3\tP4\n")
	for _, r := range rows {
		cols := []string{"0/0:.:.", "0/0:.:.", "0/0:.:.", "0/0:.:."}
		if r.chrom == "chrX" {
			cols[1] = "0:.:." // P2 is male
		}
		for _, c := range calls {
			if c.gene == r.gene && c.pos == r.pos {
				x := c.extra
				if x == "" {
					x = ":.:."
				}
				cols[c.sample] = c.gt + x
			}
		}
		keep := 0
		for s := range cols {
			if slices.Contains(drop[s], r.gene) {
				cols[s] = "./.:.:."
				if r.chrom == "chrX" && s == 1 {
					cols[s] = ".:.:."
				}
			} else {
				keep++
			}
		}
		id := r.p.RSID
		if id == "" {
			id = "."
		}
		alts := "."
		if len(r.p.Alts) > 0 {
			alts = strings.Join(r.p.Alts, ",")
		}
		fmt.Fprintf(&b, "%s\t%d\t%s\t%s\t%s\t.\tPASS\t.\tGT:PS:GP\t%s\n", r.chrom, r.pos, id, r.p.Ref, alts, strings.Join(cols, "\t"))
	}
	return b.Bytes()
}

// TestPatients calls four realistic patients from one multi-sample VCF and
// compares JSON and TSV with the golden files.
//
//	P1: CYP2C19 *2/*17, CYP2C9 *1/*3 (rs12777823 G/A), VKORC1 variant homozygous, SLCO1B1 *1/*5, DPYD *2A carrier; outside CYP2D6 *1/*4.
//	P2: male; G6PD A- (202A_376G) hemizygous; TPMT *1/*3A; NUDT15 not genotyped (no-calls).
//	P3: imputed: GP on CYP2C19 *17 uncertain (0.6); UGT1A1 *28/*28; MT-RNR1 m.1555A>G.
//	P4: phased: CYP2C19 *2|*17 in one phase set; DPYD c.85T>C and *2A on one chromosome.
func TestPatients(t *testing.T) {
	db := testDB(t)
	calls := []patientCall{
		// P1
		{"CYP2C19", 94842866, 0, "1/1", ""}, {"CYP2C19", 94781859, 0, "0/1", ""}, {"CYP2C19", 94775367, 0, "0/1", ""},
		{"CYP2C19", 94761900, 0, "0/1", ""},
		{"CYP2C9", 94981296, 0, "0/1", ""}, {"CYP2C9", 94645745, 0, "0/1", ""},
		{"VKORC1", 31096368, 0, "1/1", ""},
		{"SLCO1B1", 21178615, 0, "0/1", ""},
		{"DPYD", 97450058, 0, "0/1", ""},
		// P2
		{"G6PD", 154535277, 1, "1", ""}, {"G6PD", 154536002, 1, "1", ""},
		{"TPMT", 18138997, 1, "0/1", ""}, {"TPMT", 18130687, 1, "0/1", ""},
		// P3
		{"CYP2C19", 94842866, 2, "1/1", ":.:0,0.02,0.98"},
		{"CYP2C19", 94761900, 2, "0/1", ":.:0.35,0.6,0.05"},
		{"UGT1A1", 233760233, 2, "2/2", ""},
		{"MT-RNR1", 1555, 2, "1/1", ""},
		// P4
		{"CYP2C19", 94842866, 3, "1|1", ":7:."}, {"CYP2C19", 94781859, 3, "1|0", ":7:."}, {"CYP2C19", 94775367, 3, "1|0", ":7:."},
		{"CYP2C19", 94761900, 3, "0|1", ":7:."},
		{"DPYD", 97883329, 3, "0|1", ":9:."}, {"DPYD", 97450058, 3, "0|1", ":9:."},
	}
	text := patientVCF(t, db, calls, map[int][]string{1: {"NUDT15"}})
	r, err := vcf.NewReader(bytes.NewReader(text), "patients.vcf")
	if err != nil {
		t.Fatal(err)
	}
	c := testCaller(t, Config{})
	outside, err := ParseOutsideCalls(strings.NewReader("sample\tgene\tdiplotype\nP1\tCYP2D6\t*1/*4\n"), "outside.tsv")
	if err != nil {
		t.Fatal(err)
	}
	cs, err := c.CallVCF(context.Background(), r, VCFConfig{Outside: outside})
	if err != nil {
		t.Fatal(err)
	}
	cs.DataVersion = "(data version)" // golden files survive data updates that keep the calls
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(cs); err != nil {
		t.Fatal(err)
	}
	golden(t, "patients/calls.json", js.String())
	var tsv bytes.Buffer
	if err := WriteTSV(&tsv, cs); err != nil {
		t.Fatal(err)
	}
	golden(t, "patients/calls.tsv", tsv.String())
}

// TestGVCF: reference blocks (INFO/END, <NON_REF>) cover every position
// they span; a no-call block is missing, not reference.
func TestGVCF(t *testing.T) {
	text := "##fileformat=VCFv4.3\n##FORMAT=<ID=GT,Number=1,Type=String,Description=\"x\">\n##FORMAT=<ID=GQ,Number=1,Type=Integer,Description=\"x\">\n" +
		"##INFO=<ID=END,Number=1,Type=Integer,Description=\"x\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tG1\n" +
		"chr10\t94700000\t.\tA\t<NON_REF>\t.\t.\tEND=94775366\tGT:GQ\t0/0:60\n" +
		"chr10\t94775367\trs12769205\tA\tG,<NON_REF>\t50\tPASS\t.\tGT:GQ\t0/1:99\n" +
		"chr10\t94775368\t.\tA\t<NON_REF>\t.\t.\tEND=94781858\tGT:GQ\t0/0:60\n" +
		"chr10\t94781859\trs4244285\tG\tA,<NON_REF>\t50\tPASS\t.\tGT:GQ\t0/1:99\n" +
		"chr10\t94781860\t.\tA\t<NON_REF>\t.\t.\tEND=94842865\tGT:GQ\t0/0:60\n" +
		"chr10\t94842866\trs3758581\tA\tG,<NON_REF>\t50\tPASS\t.\tGT:GQ\t1/1:99\n" +
		"chr10\t94842867\t.\tA\t<NON_REF>\t.\t.\tEND=94852000\tGT:GQ\t./.:0\n" +
		"chr10\t94852001\t.\tA\t<NON_REF>\t.\t.\tEND=94900000\tGT:GQ\t0/0:60\n"
	r, err := vcf.NewReader(strings.NewReader(text), "g.vcf")
	if err != nil {
		t.Fatal(err)
	}
	c := testCaller(t, Config{Genes: []string{"CYP2C19"}})
	cs, err := c.CallVCF(context.Background(), r, VCFConfig{})
	if err != nil {
		t.Fatal(err)
	}
	call := cs.Samples[0].Genes[0]
	// The no-call block spans three positions (of *13, *24, *28): missing.
	want := []string{"chr10:94842879", "chr10:94842995", "chr10:94849995"}
	if !slices.Equal(call.MissingPositions, want) {
		t.Errorf("missing %q, want %q", call.MissingPositions, want)
	}
	// Everything else is reference from the blocks: *1/*2, uncertain because
	// *13, *24 and *28 could not be fully tested; GQ 60 blocks give the confidence.
	if !slices.Equal(call.Diplotypes, []string{"*1/*2"}) || !call.Uncertain || call.Confidence == nil || *call.Confidence < 0.99 {
		t.Errorf("diplotypes %q uncertain %v confidence %v notes %q", call.Diplotypes, call.Uncertain, call.Confidence, call.Notes)
	}
}
