package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestQuery(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if _, _, err := run(t, "ingest", "vcf", "--store", dir, writeFile(t, "a.vcf", cliVCF)); err != nil {
		t.Fatal(err)
	}
	sql := "SELECT sample, pos, alt, gt, dosage FROM genotypes WHERE pos = 94842866 ORDER BY sample, alt_index"
	out, _, err := run(t, "query", "--store", dir, "--format", "csv", sql)
	if err != nil {
		t.Fatal(err)
	}
	want := "sample,pos,alt,gt,dosage\nP1,94842866,G,1|2,1\nP1,94842866,T,1|2,1\nP2,94842866,G,0|0,0\nP2,94842866,T,0|0,0\n"
	if out != want {
		t.Errorf("csv:\n%s\nwant\n%s", out, want)
	}
	out, _, err = run(t, "query", "--store", dir, "SELECT count(*) AS n FROM samples")
	if err != nil || !strings.Contains(out, "n\n-\n2\n(1 rows)") {
		t.Errorf("table: %q %v", out, err)
	}
	pq := filepath.Join(t.TempDir(), "x.parquet")
	if _, _, err := run(t, "query", "--store", dir, "--format", "parquet", "-o", pq, "SELECT * FROM variants"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(pq); err != nil || fi.Size() == 0 {
		t.Errorf("parquet: %v", err)
	}
	if _, _, err := run(t, "query", "--store", dir, "SELEC nonsense"); err == nil {
		t.Error("bad SQL accepted")
	}
}
