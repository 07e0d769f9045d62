package synthvcf

import (
	"context"
	"io"
	"math"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
)

// TestReadBack reads the generated BGZF file with genome/vcf and compares
// every call with the Generator's records, as Record.Genotype decodes them.
func TestReadBack(t *testing.T) {
	cfg := Config{Samples: 40, Variants: 800, Seed: 17, MultiAllelicFraction: 0.1, Format: []string{"GQ", "DP", "DS"},
		Sites: []Site{{Chrom: "chrY", Pos: 2800000, Ref: "A", Alts: []string{"G"}}}}
	path := filepath.Join(t.TempDir(), "r.vcf.gz")
	if err := GenerateFile(context.Background(), path, cfg); err != nil {
		t.Fatal(err)
	}
	g, err := NewGenerator(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r, err := vcf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	h := r.Header()
	if h.Build != genome.GRCh38 || h.FileFormat != "VCFv4.3" {
		t.Errorf("header build %q format %q", h.Build, h.FileFormat)
	}
	if diff := cmp.Diff(g.Header().Samples, h.Samples); diff != "" {
		t.Errorf("samples (-want +got):\n%s", diff)
	}
	var want, got genome.Genotype
	n := 0
	for {
		vr, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		gr, err := g.Read()
		if err != nil {
			t.Fatalf("generator ended before the file: %v", err)
		}
		n++
		for i := range h.Samples {
			if err := vr.Genotype(i, &got); err != nil {
				t.Fatal(err)
			}
			gr.Genotype(i, &want)
			opts := []cmp.Option{
				// DS: all-"." lists count as absent; values within the
				// three decimals written.
				cmp.Comparer(func(a, b []float32) bool {
					a, b = absentNil(a), absentNil(b)
					if len(a) != len(b) {
						return false
					}
					for k := range a {
						if math.Abs(float64(a[k]-b[k])) > 0.0006 {
							return false
						}
					}
					return true
				}),
				cmp.Transformer("nilEmpty", func(s []int32) []int32 {
					if len(s) == 0 {
						return nil
					}
					return s
				}),
			}
			if diff := cmp.Diff(want, got, opts...); diff != "" {
				t.Fatalf("%s:%d sample %s (-generated +read):\n%s", gr.Chrom, gr.Pos, h.Samples[i], diff)
			}
		}
	}
	if _, err := g.Read(); err != io.EOF {
		t.Errorf("file ended before the generator: %v", err)
	}
	if n != 801 {
		t.Errorf("%d records, want 801", n)
	}
}

func absentNil(s []float32) []float32 {
	for _, v := range s {
		if !genome.Absent(v) {
			return s
		}
	}
	return nil
}
