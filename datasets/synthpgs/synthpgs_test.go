package synthpgs

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/risk/pgs"
)

func TestFromVCF(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.vcf.gz")
	if err := synthvcf.GenerateFile(context.Background(), p, synthvcf.Config{Samples: 10, Variants: 500, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	n, err := FromVCF(p, Config{Variants: 100, Seed: 9}, &a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromVCF(p, Config{Variants: 100, Seed: 9}, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("not deterministic")
	}
	r, err := pgs.NewReader(bytes.NewReader(a.Bytes()), "s")
	if err != nil {
		t.Fatal(err)
	}
	if r.Header().Build != genome.GRCh38 || r.Header().ID != "VARAMU_SYNTH" {
		t.Errorf("header %+v", r.Header())
	}
	got := 0
	for v, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		if len(v.EffectAllele) != 1 || len(v.OtherAllele) != 1 {
			t.Errorf("not an SNV: %+v", v)
		}
		got++
	}
	if got != n || n != 100 {
		t.Errorf("%d variants read, %d written, want 100", got, n)
	}
}
