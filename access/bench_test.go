package access

import (
	"context"
	"testing"
)

// BenchmarkDecideAll measures batch decisions (512 per durable audit
// append), the way alerts and research extracts decide.
func BenchmarkDecideAll(b *testing.B) {
	d, _ := fixture(b)
	reqs := make([]Request, 512)
	for i := range reqs {
		reqs[i] = Request{Actor: job, Person: adult, Purpose: ReturnOfResults, Time: tln(2024, 6, 1)}
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := d.DecideAll(context.Background(), reqs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(reqs))/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkDecide measures single decisions, each fsynced to the log.
func BenchmarkDecide(b *testing.B) {
	d, _ := fixture(b)
	r := Request{Actor: doc1, Person: adult, Purpose: Treatment, Time: tln(2024, 6, 1)}
	for b.Loop() {
		if _, err := d.Decide(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}
