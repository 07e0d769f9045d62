package genotypes

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/genome"
)

// benchVCF returns VARAMU_BENCH_VCF, or a generated 500 x 20000 VCF.gz.
func benchVCF(b *testing.B) string {
	if p := os.Getenv("VARAMU_BENCH_VCF"); p != "" {
		return p
	}
	p := filepath.Join(b.TempDir(), "bench.vcf.gz")
	if err := synthvcf.GenerateFile(context.Background(), p, synthvcf.Config{Samples: 500, Variants: 20000, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkIngest(b *testing.B) {
	src := benchVCF(b)
	fi, _ := os.Stat(src)
	b.SetBytes(fi.Size())
	for i := 0; b.Loop(); i++ {
		dir := filepath.Join(b.TempDir(), "s")
		if _, err := Ingest(context.Background(), dir, []string{src}, IngestConfig{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup2000(b *testing.B) {
	src := benchVCF(b)
	dir := filepath.Join(b.TempDir(), "s")
	if _, err := Ingest(context.Background(), dir, []string{src}, IngestConfig{}); err != nil {
		b.Fatal(err)
	}
	s0, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	names, _ := s0.Samples()
	g := allPermit(b, s0)
	var loci []genome.Locus
	for rec, err := range s0.Region(context.Background(), g, "chr1", 1, 1<<40, names[:1]) {
		if err != nil {
			b.Fatal(err)
		}
		loci = append(loci, genome.Locus{Chrom: rec.Chrom, Pos: rec.Pos})
	}
	step := max(1, len(loci)/2000)
	var panel []genome.Locus
	for i := 0; i < len(loci); i += step {
		panel = append(panel, loci[i])
	}
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			s, err := Open(dir) // a new Store each time, as a CLI call
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Lookup(context.Background(), allPermit(b, s), names[len(names)/2], panel); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(panel)), "positions")
	})
	b.Run("warm", func(b *testing.B) {
		// A long-running service keeps the Store open: site index and sample
		// map are loaded once; each lookup reads the patient's calls.
		for i, b2 := 0, b; b2.Loop(); i++ {
			if _, err := s0.Lookup(context.Background(), g, names[i%len(names)], panel); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(panel)), "positions")
	})
}

// BenchmarkLookupStore times one sample's lookup at a panel of positions in
// process, on an existing store: VARAMU_BENCH_STORE (the directory),
// VARAMU_BENCH_SAMPLE and VARAMU_BENCH_PANEL (chrom<TAB>pos lines), as
// bench/run's lookup figure uses them. "cold" opens the Store each time
// (what one CLI call does after start-up, permit included); "warm" reuses
// one open Store. Without VARAMU_BENCH_STORE it runs on a generated
// 500 x 20000 store and the sample and panel BenchmarkLookup2000 uses.
func BenchmarkLookupStore(b *testing.B) {
	dir, sample, panel := os.Getenv("VARAMU_BENCH_STORE"), os.Getenv("VARAMU_BENCH_SAMPLE"), os.Getenv("VARAMU_BENCH_PANEL")
	if dir == "" {
		dir = filepath.Join(b.TempDir(), "s")
		if _, err := Ingest(context.Background(), dir, []string{benchVCF(b)}, IngestConfig{}); err != nil {
			b.Fatal(err)
		}
	}
	s0, err := Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	if sample == "" {
		names, _ := s0.Samples()
		sample = names[len(names)/2]
	}
	loci := benchPanel(b, panel)
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			s, err := Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Lookup(context.Background(), allPermit(b, s), sample, loci); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(loci)), "positions")
	})
	b.Run("warm", func(b *testing.B) {
		g := allPermit(b, s0)
		for b.Loop() {
			if _, err := s0.Lookup(context.Background(), g, sample, loci); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(loci)), "positions")
	})
}

// benchPanel reads chrom<TAB>pos lines, or without a file gives 2,000
// positions spread over chr1.
func benchPanel(b *testing.B, path string) []genome.Locus {
	var loci []genome.Locus
	if path == "" {
		for i := range int64(2000) {
			loci = append(loci, genome.Locus{Chrom: "chr1", Pos: 1 + i*100_000})
		}
		return loci
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		chrom, pos, _ := strings.Cut(sc.Text(), "\t")
		p, err := strconv.ParseInt(pos, 10, 64)
		if err != nil {
			b.Fatalf("%s: %q: %v", path, sc.Text(), err)
		}
		loci = append(loci, genome.Locus{Chrom: chrom, Pos: p})
	}
	return loci
}
