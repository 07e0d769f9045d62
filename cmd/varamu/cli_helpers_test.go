package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// run runs the varamu command tree with args and returns stdout, stderr and
// the error Execute returned (main turns it into exit status 1).
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	return runAs(t, "test-operator", args...)
}

// runMerged is run with standard output and standard error in one string,
// as a terminal shows them.
func runMerged(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmdAs(func() (string, error) { return "test-operator", nil })
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// runAs runs the command tree as if the operating-system user were actor
// (the real command takes it from the process's uid).
func runAs(t *testing.T, actor string, args ...string) (string, string, error) {
	t.Helper()
	cmd := newRootCmdAs(func() (string, error) { return actor, nil })
	var out, errb bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errb)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), errb.String(), err
}

const cliVCF = `##fileformat=VCFv4.3
##reference=GRCh38
##contig=<ID=chr10,length=133797422>
##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">
#CHROM	POS	ID	REF	ALT	QUAL	FILTER	INFO	FORMAT	P1	P2
chr10	94761900	rs12248560	C	T	.	PASS	.	GT	0/1	0/0
chr10	94781859	rs4244285	G	A	.	PASS	.	GT	1/1	./.
chr10	94842866	.	A	G,T	.	PASS	.	GT	1|2	0|0
`

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
