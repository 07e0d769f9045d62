package pgxdata

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree writes a minimal reference directory: one gene definition, the
// exemptions, its phenotype table and the rules file.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	base := map[string]string{
		"pharmacogenomics/alleles/GENEX_translation.json": `{"formatVersion":"2","source":"TEST","version":"2025-11-05-00-25","gene":"GENEX","chromosome":"chr1","genomeBuild":"GRCh38.p14",
"variants":[{"chromosome":"chr1","position":100,"rsid":"rs1","chromosomeHgvsName":"g.100A>G","ref":"A","alts":["G"]}],
"namedAlleles":[{"name":"*1","id":"1","alleles":["A"],"reference":true},{"name":"*2","id":"2","alleles":["G"],"reference":false}],"suballelesMap":{}}`,
		"pharmacogenomics/alleles/exemptions.json": `{}`,
		"pharmacogenomics/phenotypes/GENEX.json": `{"gene":"GENEX","version":"2025-11-05-00-25","haplotypes":{"*1":"Normal function","*2":"No function"},"activityValues":{},
"diplotypes":[{"generesult":"Normal Metabolizer","diplotype":"*1/*1","diplotypekey":{"*1":2}},{"generesult":"Intermediate Metabolizer","diplotype":"*1/*2","diplotypekey":{"*1":1,"*2":1}}]}`,
		"pharmacogenomics/phenotypes/MT_RNR1.json": `{"gene":"MT_RNR1","version":"2025-11-05-00-25","haplotypes":{"Reference":"Normal risk","m.1555A>G":"Increased risk","m.961T>del":"Uncertain risk"},"activityValues":{},
"diplotypes":[{"generesult":"normal risk","diplotype":"Reference","diplotypekey":{"Reference":1}},{"generesult":"increased risk","diplotype":"m.1555A>G","diplotypekey":{"m.1555A>G":1}}]}`,
		"guidelines/phenotype-rules.md": "# rules\n",
	}
	for k, v := range files {
		if v == "" {
			delete(base, k)
			continue
		}
		base[k] = v
	}
	for k, v := range base {
		p := filepath.Join(root, k)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "pharmacogenomics")
}

func TestBuild(t *testing.T) {
	f, err := Build(tree(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range f.Genes {
		names = append(names, g.Name)
	}
	if got := strings.Join(names, " "); got != "CYP2D6 GENEX HLA-A HLA-B MT-RNR1" {
		t.Errorf("genes %s", got)
	}
	if !strings.HasPrefix(f.Version, "2025-11-05+5431bf11.f") {
		t.Errorf("version %q", f.Version)
	}
	a, err := Encode(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(f)
	if err != nil || string(a) != string(b) {
		t.Error("Encode is not deterministic")
	}
}

func TestBuildErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"unknown version", map[string]string{"pharmacogenomics/phenotypes/GENEX.json": `{"gene":"GENEX","version":"1999","haplotypes":{},"activityValues":{},"diplotypes":[]}`},
			`GENEX.json: version "1999" has no recorded provenance`},
		{"bad JSON", map[string]string{"pharmacogenomics/alleles/exemptions.json": `{`}, "exemptions.json: unexpected end of JSON input"},
		{"diplotype spelling", map[string]string{"pharmacogenomics/phenotypes/GENEX.json": `{"gene":"GENEX","version":"2025-11-05-00-25","haplotypes":{"*1":"n"},"activityValues":{},"diplotypes":[{"generesult":"x","diplotype":"*1/*9","diplotypekey":{"*1":2}}]}`},
			`diplotype "*1/*9" does not spell its key`},
		{"no function", map[string]string{"pharmacogenomics/phenotypes/GENEX.json": `{"gene":"GENEX","version":"2025-11-05-00-25","haplotypes":{"*1":"n"},"activityValues":{},"diplotypes":[{"generesult":"x","diplotype":"*1/*2","diplotypekey":{"*1":1,"*2":1}}]}`},
			`names "*2", which has no function`},
		{"unknown gene", map[string]string{"pharmacogenomics/phenotypes/GENEY.json": `{"gene":"GENEY","version":"2025-11-05-00-25","haplotypes":{},"activityValues":{},"diplotypes":[]}`},
			"gene GENEY has no definition"},
		{"format", map[string]string{"pharmacogenomics/alleles/GENEX_translation.json": `{"formatVersion":"1","version":"2025-11-05-00-25","gene":"GENEX"}`}, `definition format "1", want 2`},
		{"no rules", map[string]string{"guidelines/phenotype-rules.md": ""}, "phenotype rules"},
		{"MT-RNR1 missing", map[string]string{"pharmacogenomics/phenotypes/MT_RNR1.json": ""}, "MT-RNR1: no phenotype table"},
	} {
		_, err := Build(tree(t, tc.files))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}
