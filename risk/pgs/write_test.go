package pgs

import (
	"bytes"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestWriteRoundTrip: what Write writes, NewReader reads back unchanged.
func TestWriteRoundTrip(t *testing.T) {
	vs := []Variant{
		{Chrom: "chr1", Pos: 10, EffectAllele: "A", OtherAllele: "G", Weight: 0.125, Dominant: true, EffectFreq: 0.25},
		{Chrom: "chrX", Pos: 20, EffectAllele: "T", OtherAllele: "C", Weight: -1e-7, Recessive: true, EffectFreq: math.NaN()},
	}
	var buf bytes.Buffer
	if err := Write(&buf, map[string]string{"pgs_id": "PGS1", "genome_build": "GRCh38"}, vs); err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(&buf, "w")
	if err != nil {
		t.Fatal(err)
	}
	var got []Variant
	for v, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		x := *v
		x.Line = 0
		got = append(got, x)
	}
	if d := cmp.Diff(vs, got, cmpopts.EquateNaNs()); d != "" {
		t.Errorf("round trip (-want +got):\n%s", d)
	}
	if r.Header().ID != "PGS1" || r.Header().Values["format_version"] != "2.0" {
		t.Errorf("header %+v", r.Header())
	}
}
