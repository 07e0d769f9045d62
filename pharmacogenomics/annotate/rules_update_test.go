package annotate

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// thiopurineVCF genotypes every TPMT and NUDT15 position: TPM is a TPMT
// poor metabolizer (*3A/*3A: rs1800460 and rs1142345 homozygous), NUP a
// NUDT15 poor metabolizer (*3/*3: rs116855232 homozygous), REF neither.
func thiopurineVCF(t *testing.T) string {
	t.Helper()
	db, err := alleles.Load()
	if err != nil {
		t.Fatal(err)
	}
	alt := map[string]string{"rs1800460": "TPM", "rs1142345": "TPM", "rs116855232": "NUP"}
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.3\n##reference=GRCh38\n##contig=<ID=chr6,length=170805979>\n##contig=<ID=chr13,length=114364328>\n")
	b.WriteString("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tTPM\tNUP\tREF\n")
	for _, gene := range []string{"TPMT", "NUDT15"} {
		g := db.Gene(gene)
		for _, p := range g.Positions {
			if len(p.Alts) == 0 || p.Ref == "" {
				continue
			}
			gts := map[string]string{"TPM": "0/0", "NUP": "0/0", "REF": "0/0"}
			if who, ok := alt[p.RSID]; ok {
				gts[who] = "1/1"
			}
			fmt.Fprintf(&b, "%s\t%d\t%s\t%s\t%s\t.\tPASS\t.\tGT\t%s\t%s\t%s\n", g.Chrom, p.Pos, p.RSID, p.Ref,
				strings.Join(p.Alts, ","), gts["TPM"], gts["NUP"], gts["REF"])
		}
	}
	return b.String()
}

func loadOldRules(t *testing.T) *rules.Engine {
	t.Helper()
	f, err := os.Open("testdata/rules-2024-03-25.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	e, err := rules.Load(zr, "rules-2024-03-25.json")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRuleUpdateListsAffectedPeople annotates with the rules of 2024-03-25,
// then with the embedded 2026 rules (CPIC thiopurines 2025 update), and
// checks that pgx_changes names the TPMT poor metabolizer for azathioprine
// and the NUDT15 poor metabolizer for mercaptopurine, old → new.
func TestRuleUpdateListsAffectedPeople(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	ingest(t, dir, thiopurineVCF(t), false)
	old := loadOldRules(t)
	if _, err := Run(ctx, dir, "test-annotate", Config{engine: old}); err != nil {
		t.Fatal(err)
	}
	res, err := Run(ctx, dir, "test-annotate", Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Previous, old.DataVersion()) || res.Changed < 2 {
		t.Fatalf("update run: %+v", res)
	}
	calls := tableRows(t, dir, TableCalls, "sample", "gene", "phenotype", "data_version")
	for _, want := range []string{"TPM | TPMT | Poor Metabolizer | " + res.DataVersion, "NUP | NUDT15 | Poor Metabolizer | " + res.DataVersion} {
		if !contains(calls, want) {
			t.Fatalf("calls lack %q", want)
		}
	}
	changes := tableRows(t, dir, TableChanges, "sample", "kind", "subject", "field", "old", "new")
	tpm := find(changes, "TPM | drug | azathioprine | recommendation | alternative-preferred (strong; CPIC PA166104933)")
	if !strings.Contains(tpm, " | consider-alternative (strong; CPIC PA166104933): Consider a non-thiopurine immunosuppressant") {
		t.Errorf("no azathioprine change old → new for the TPMT poor metabolizer:\n%s", strings.Join(changes, "\n"))
	}
	t.Logf("TPMT poor metabolizer: %s", tpm)
	nup := find(changes, "NUP | drug | mercaptopurine | recommendation | reduce-dose (strong; CPIC PA166104945)")
	if !strings.Contains(nup, " | reduce-dose (strong; CPIC PA166104945): Malignancy: start mercaptopurine at one tenth of the usual dose given 3 days a week") {
		t.Errorf("no mercaptopurine change old → new for the NUDT15 poor metabolizer:\n%s", strings.Join(changes, "\n"))
	}
	t.Logf("NUDT15 poor metabolizer: %s", nup)
	// The person with normal results gets no thiopurine action change:
	// only wording, and the retired DPWG "no recommendation" rows.
	for _, c := range changes {
		f := strings.Split(c, " | ")
		if f[0] != "REF" || f[1] != "drug" || !strings.Contains("azathioprine mercaptopurine thioguanine", f[2]) {
			continue
		}
		for _, v := range f[4:] {
			a, _, _ := strings.Cut(v, " ")
			if v != "" && a != rules.ActionStandard && a != rules.ActionNoRecommendation {
				t.Errorf("normal metabolizer listed with action %s: %s", a, c)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func find(list []string, prefix string) string {
	for _, x := range list {
		if strings.HasPrefix(x, prefix) {
			return x
		}
	}
	return ""
}
