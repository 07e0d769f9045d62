package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestView(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	if _, _, err := run(t, "ingest", "vcf", "--store", dir, writeFile(t, "a.vcf", cliVCF)); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "view", "--store", dir, "-r", "10:94761000-94800000", "-s", "P2,P1")
	if err != nil {
		t.Fatal(err)
	}
	var body []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(l, "##") {
			body = append(body, l)
		}
	}
	want := "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tP2\tP1\n" +
		"chr10\t94761900\trs12248560\tC\tT\t.\tPASS\t.\tGT\t0/0\t0/1\n" +
		"chr10\t94781859\trs4244285\tG\tA\t.\tPASS\t.\tGT\t./.\t1/1"
	if got := strings.Join(body, "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The same samples from a file (blank lines skipped) give the same
	// output.
	fromFile, _, err := run(t, "view", "--store", dir, "-r", "10:94761000-94800000", "-S", writeFile(t, "samples.txt", "P2\n\n P1 \n"))
	if err != nil || fromFile != out {
		t.Errorf("--samples-file: %v\n%s\nwant\n%s", err, fromFile, out)
	}
	if _, _, err := run(t, "view", "--store", dir, "-r", "chr10:5-1", "-s", "P1"); err == nil || !strings.Contains(err.Error(), "end") {
		t.Errorf("bad region: %v", err)
	}
	if _, _, err := run(t, "view", "--store", dir, "-r", "chr10", "-s", "NOPE"); err == nil || !strings.Contains(err.Error(), "not in the genome store") {
		t.Errorf("unknown sample: %v", err)
	}
}
