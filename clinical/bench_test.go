package clinical_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/datasets/synth"
	"github.com/varamu/varamu/store"
)

// BenchmarkIngestSynth ingests the FHIR Bulk NDJSON of a synthetic
// biobank (datasets/synth) of 5,000 people and reports resources/s.
func BenchmarkIngestSynth(b *testing.B) {
	dir := b.TempDir()
	if _, err := synth.Generate(context.Background(), dir, synth.Config{People: 5000, Seed: 1, BackgroundSites: 10}); err != nil {
		b.Fatal(err)
	}
	fhirDir := filepath.Join(dir, "fhir")
	b.ResetTimer()
	var total int64
	for i := 0; i < b.N; i++ {
		s, err := store.Open(b.TempDir(), store.Config{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := clinical.Ingest(context.Background(), s, []string{fhirDir}, clinical.Config{})
		if err != nil {
			b.Fatal(err)
		}
		total += sum.Total()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "resources/s")
}

// BenchmarkIngestDir ingests the FHIR inputs in $VARAMU_FHIR_BENCH_DIR (for
// example the fhir/ folder of `varamu datasets synth --people 200000`),
// for profiling at scale.
func BenchmarkIngestDir(b *testing.B) {
	dir := os.Getenv("VARAMU_FHIR_BENCH_DIR")
	if dir == "" {
		b.Skip("set VARAMU_FHIR_BENCH_DIR")
	}
	var total int64
	for i := 0; i < b.N; i++ {
		s, err := store.Open(b.TempDir(), store.Config{Create: true})
		if err != nil {
			b.Fatal(err)
		}
		sum, err := clinical.Ingest(context.Background(), s, []string{dir}, clinical.Config{})
		if err != nil {
			b.Fatal(err)
		}
		total += sum.Total()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "resources/s")
}
