package fhir

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/varamu/varamu/internal/testref"
)

// BenchmarkDecodeSynthea decodes every resource of one Synthea bundle.
func BenchmarkDecodeSynthea(b *testing.B) {
	files, _ := filepath.Glob(filepath.Join(testref.Path(b, "synthea-r4"), "Arla_*.json"))
	if len(files) == 0 {
		b.Skip("no Synthea bundles")
	}
	var raws [][]byte
	var size int64
	fh, _ := os.Open(files[0])
	br := NewBundleReader(fh, files[0])
	for {
		raw, err := br.Read()
		if err != nil {
			break
		}
		if t, _ := PeekType(raw.Data); t == "Claim" || t == "ExplanationOfBenefit" {
			continue
		}
		raws = append(raws, raw.Data)
		size += int64(len(raw.Data))
	}
	fh.Close()
	d := testDecoder()
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range raws {
			if _, err := d.Decode(r); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(raws)*b.N)/b.Elapsed().Seconds(), "resources/s")
}
