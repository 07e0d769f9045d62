package alleles_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/varamu/varamu/datasets/pgxdata"
	"github.com/varamu/varamu/internal/testref"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// TestEmbeddedUpToDate re-runs the generator against the reference tables
// and checks that the committed data file and DataVersion match.
func TestEmbeddedUpToDate(t *testing.T) {
	refDir := testref.Path(t, "pharmacogenomics")
	f, err := pgxdata.Build(refDir)
	if err != nil {
		t.Fatal(err)
	}
	data, err := pgxdata.Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, alleles.Embedded()) {
		t.Errorf("%s is stale: run go generate ./pharmacogenomics/alleles", alleles.DataFile)
	}
	src, err := os.ReadFile(pgxdata.VersionFile)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(pgxdata.VersionSource(f)), string(src)); diff != "" {
		t.Errorf("%s is stale (-want +got):\n%s", pgxdata.VersionFile, diff)
	}
	if len(data) >= 2<<20 {
		t.Errorf("data file is %d bytes, want < 2 MiB", len(data))
	}
	again, err := pgxdata.Build(refDir)
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != f.Version {
		t.Errorf("generator is not deterministic: %s then %s", f.Version, again.Version)
	}
}

func TestLoad(t *testing.T) {
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	if db.Version != alleles.DataVersion {
		t.Errorf("embedded version %q, DataVersion %q", db.Version, alleles.DataVersion)
	}
	want := []string{"ABCG2", "CACNA1S", "CFTR", "CYP2B6", "CYP2C19", "CYP2C9", "CYP3A4", "CYP3A5", "CYP4F2",
		"DPYD", "G6PD", "IFNL3", "MT-RNR1", "NAT2", "NUDT15", "RYR1", "SLCO1B1", "TPMT", "UGT1A1", "VKORC1"}
	var got []string
	for _, g := range db.Genes {
		if !g.Outside {
			got = append(got, g.Name)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("VCF genes (-want +got):\n%s", diff)
	}
	for _, name := range []string{"CYP2D6", "HLA-A", "HLA-B"} {
		if g := db.Gene(name); g == nil || !g.Outside {
			t.Errorf("%s: want an outside-call gene", name)
		}
	}
	// MT-RNR1 definitions derived from the phenotype table's allele names.
	mt := db.Gene("MT-RNR1")
	if mt.Chrom != "chrM" || len(mt.Alleles) != 22 || len(mt.Untyped) != 3 {
		t.Errorf("MT-RNR1: chrom %s, %d alleles, untyped %q", mt.Chrom, len(mt.Alleles), mt.Untyped)
	}
	for i, p := range mt.Positions {
		if p.Pos == 1555 && (p.Ref != "A" || p.Alts[0] != "G" || mt.Alleles[0].Defs[i] != "A") {
			t.Errorf("MT-RNR1 m.1555A>G: %+v", p)
		}
	}
	// Facts checked by hand against the CPIC tables.
	c19 := db.Gene("CYP2C19")
	if c19.Chrom != "chr10" || c19.Reference().Name != "*38" {
		t.Errorf("CYP2C19 chrom %s reference %s", c19.Chrom, c19.Reference().Name)
	}
	var star2 *alleles.Allele
	for i := range c19.Alleles {
		if c19.Alleles[i].Name == "*2" {
			star2 = &c19.Alleles[i]
		}
	}
	for i, p := range c19.Positions {
		if p.RSID == "rs4244285" && (p.Pos != 94781859 || star2.Defs[i] != "A") {
			t.Errorf("CYP2C19*2 rs4244285: pos %d def %q", p.Pos, star2.Defs[i])
		}
	}
	if ph, as, ok := c19.Phenotype("*2", "*1"); !ok || ph != "Intermediate Metabolizer" || as != "" {
		t.Errorf("CYP2C19 *1/*2: %q %q %v", ph, as, ok)
	}
	if ph, as, _ := db.Gene("CYP2C9").Phenotype("*1", "*3"); ph != "Intermediate Metabolizer" || as != "1.0" {
		t.Errorf("CYP2C9 *1/*3: %q %q", ph, as)
	}
	if ph, _, _ := db.Gene("G6PD").Phenotype("B (reference)", ""); ph != "Normal" {
		t.Errorf("G6PD B (reference) hemizygous: %q", ph)
	}
	if f, _ := db.Gene("CYP2D6").Function("*41"); f.Activity != "0.25" {
		t.Errorf("CYP2D6*41 activity %q, want 0.25 (CPIC 2023)", f.Activity)
	}
	for _, tc := range []struct{ gene, a, b, want1, want2 string }{
		{"CYP2C19", "*38", "*2", "*2", "*38"},
		{"CYP2C19", "*17", "*2", "*2", "*17"},
		{"DPYD", "c.1905+1G>A (*2A)", "Reference", "Reference", "c.1905+1G>A (*2A)"},
		{"VKORC1", "rs9923231 variant (T)", "rs9923231 reference (C)", "rs9923231 reference (C)", "rs9923231 variant (T)"},
		{"NUDT15", "*10", "*9", "*9", "*10"}, // not in any table order: natural order
	} {
		a, b := db.Gene(tc.gene).Order(tc.a, tc.b)
		if a != tc.want1 || b != tc.want2 {
			t.Errorf("%s Order(%s, %s) = %s/%s, want %s/%s", tc.gene, tc.a, tc.b, a, b, tc.want1, tc.want2)
		}
	}
}

func TestNaturalCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"*2", "*10", -1}, {"*10", "*10A", -1}, {"*1", "*1", 0}, {"*3A", "*3B", -1},
		{"Reference", "c.61C>T", -1}, {"*002", "*2", 0}, {"F311L", "F311del", -1}, {"", "*1", -1},
	} {
		if got := alleles.NaturalCompare(tc.a, tc.b); got != tc.want {
			t.Errorf("NaturalCompare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := alleles.NaturalCompare(tc.b, tc.a); got != -tc.want {
			t.Errorf("NaturalCompare(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	good := `{"format":2,"version":"v","sources":[],"genes":[{"name":"G","chrom":"chr1","positions":[{"pos":10,"ref":"A","alts":["G"]}],` +
		`"alleles":[{"name":"*1","reference":true,"defs":["A"]},{"name":"*2","defs":["G"]}]}]}`
	if _, err := alleles.DecodeJSON([]byte(good)); err != nil {
		t.Fatalf("good file: %v", err)
	}
	for name, doc := range map[string]string{
		"format":       `{"format":1,"version":"v","genes":[]}`,
		"no version":   `{"format":2,"genes":[]}`,
		"unknown key":  `{"format":2,"version":"v","genes":[],"extra":1}`,
		"defs length":  `{"format":2,"version":"v","genes":[{"name":"G","chrom":"chr1","positions":[{"pos":10,"ref":"A","alts":["G"]}],"alleles":[{"name":"*1","reference":true,"defs":[]}]}]}`,
		"no reference": `{"format":2,"version":"v","genes":[{"name":"G","chrom":"chr1","positions":[{"pos":10,"ref":"A","alts":["G"]}],"alleles":[{"name":"*2","defs":["G"]}]}]}`,
		"bad base":     `{"format":2,"version":"v","genes":[{"name":"G","chrom":"chr1","positions":[{"pos":10,"ref":"A","alts":["G"]}],"alleles":[{"name":"*1","reference":true,"defs":["X"]}]}]}`,
		"ref blank":    `{"format":2,"version":"v","genes":[{"name":"G","chrom":"chr1","positions":[{"pos":10,"ref":"A","alts":["G"]}],"alleles":[{"name":"*1","reference":true,"defs":[""]}]}]}`,
		"diplotype":    `{"format":2,"version":"v","genes":[{"name":"G","outside":true,"functions":[{"name":"*1","function":"n"}],"phenotypes":["p"],"diplotypes":[[0,5,0,-1]]}]}`,
		"dup gene":     `{"format":2,"version":"v","genes":[{"name":"G","outside":true},{"name":"g","outside":true}]}`,
	} {
		if _, err := alleles.DecodeJSON([]byte(doc)); !errors.Is(err, alleles.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	if _, err := alleles.Decode(bytes.NewReader([]byte("not gzip"))); !errors.Is(err, alleles.ErrInvalid) {
		t.Errorf("not gzip: err = %v", err)
	}
}

// FuzzDecode checks that the loader never panics and that whatever it
// accepts survives a JSON round trip unchanged.
func FuzzDecode(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/fuzz/seed/*.json")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	zr, err := gzip.NewReader(bytes.NewReader(alleles.Embedded()))
	if err != nil {
		f.Fatal(err)
	}
	full, _ := io.ReadAll(zr)
	var whole alleles.File
	if err := json.Unmarshal(full, &whole); err != nil {
		f.Fatal(err)
	}
	for _, g := range whole.Genes {
		if len(g.Positions) < 6 { // small genes keep the corpus small
			one := alleles.File{Format: whole.Format, Version: whole.Version, Genes: []*alleles.Gene{g}}
			b, _ := json.Marshal(one)
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		db, err := alleles.DecodeJSON(doc)
		if err != nil {
			return
		}
		b, err := json.Marshal(db.File)
		if err != nil {
			t.Fatal(err)
		}
		db2, err := alleles.DecodeJSON(b)
		if err != nil {
			t.Fatalf("re-decoding accepted file: %v", err)
		}
		if !cmp.Equal(db.File, db2.File, cmp.AllowUnexported(alleles.Gene{}), cmpopts.EquateEmpty()) {
			t.Fatal("round trip changed the file")
		}
		for _, g := range db.Genes {
			for _, a := range g.Alleles {
				_ = a.Score()
			}
			g.Order("*1", "*2")
			g.Phenotype("*1", "*2")
		}
	})
}
