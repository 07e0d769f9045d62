package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/genome"
	gstore "github.com/varamu/varamu/genome/store"
	"github.com/varamu/varamu/query"
)

func newDemoCmd() *cobra.Command {
	var out string
	var samples, variants int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate a small synthetic biobank, ingest it, and query it (no network, under a minute)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				d, err := os.MkdirTemp("", "varamu-demo-")
				if err != nil {
					return err
				}
				out = d
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return err
			}
			return runDemo(cmd.Context(), cmd.OutOrStdout(), out, samples, variants)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the demo data and store (default: a new temporary directory)")
	cmd.Flags().IntVar(&samples, "samples", 500, "synthetic samples per batch")
	cmd.Flags().IntVar(&variants, "variants", 20000, "synthetic variants")
	return cmd
}

func runDemo(ctx context.Context, w io.Writer, out string, samples, variants int) error {
	start := time.Now()
	step := func(format string, args ...any) {
		fmt.Fprintf(w, "[%5.1fs] ", time.Since(start).Seconds())
		fmt.Fprintf(w, format+"\n", args...)
	}
	// Two batches with different samples, as a genome centre delivers them.
	var files []string
	for i, seed := range []uint64{1, 2} {
		path := filepath.Join(out, fmt.Sprintf("batch%d.vcf.gz", i+1))
		cfg := synthvcf.Config{Samples: samples, Variants: variants, Seed: seed,
			Chromosomes: []string{"chr10", "chr22", "chrX"}}
		if err := writeBatch(ctx, path, fmt.Sprintf("EB%d_", i+1), cfg); err != nil {
			return err
		}
		files = append(files, path)
		step("generated %s: %d samples x %d variants", path, samples, variants)
	}
	dir := filepath.Join(out, "store")
	res, err := gstore.Ingest(ctx, dir, files, gstore.IngestOptions{})
	if err != nil {
		return err
	}
	for _, b := range res.Batches {
		step("ingested %s as batch %s: %d records, %d genotypes, %.1f%% differ from their site's majority genotype",
			filepath.Base(b.Source), b.Batch, b.Sites, b.Genotypes, 100*float64(b.Exceptions)/float64(b.Genotypes))
	}
	storeBytes, vcfBytes := dirSize(filepath.Join(dir, "data")), fileSize(files[0])+fileSize(files[1])
	step("store %s: %.1f MB of Parquet for %.1f MB of VCF.gz (%.2fx)", dir, float64(storeBytes)/1e6, float64(vcfBytes)/1e6, float64(storeBytes)/float64(vcfBytes))

	s, err := gstore.Open(dir)
	if err != nil {
		return err
	}
	sample := fmt.Sprintf("EB2_%s", synthvcf.SampleName(7))
	loci := []genome.Locus{{Chrom: "chr10", Pos: 94761900}, {Chrom: "chr22", Pos: 42130692}}
	var found []genome.Locus
	for rec, err := range s.Region(ctx, "chr10", 1, 1<<40, []string{sample}) {
		if err != nil {
			return err
		}
		if genome.StateOf(mustDecode(rec.Codes[0])) == genome.Called {
			found = append(found, genome.Locus{Chrom: rec.Chrom, Pos: rec.Pos})
			if len(found) == 2 {
				break
			}
		}
	}
	loci = append(loci, found...)
	t0 := time.Now()
	gts, err := s.Lookup(ctx, sample, loci)
	if err != nil {
		return err
	}
	step("lookup of %s at %d positions in %.1f ms:", sample, len(loci), float64(time.Since(t0).Microseconds())/1000)
	for i, l := range loci {
		for _, g := range gts[i] {
			fmt.Fprintf(w, "          %-16s %-10s %s\n", l, g.State, g.GT())
		}
	}

	e, err := query.OpenAs(ctx, dir, query.Options{Role: query.Steward, Actor: "varamu-demo"})
	if err != nil {
		return err
	}
	defer e.Close()
	q := `SELECT chrom, count(DISTINCT pos) AS variants,
	round(avg(dosage) / 2, 4) AS mean_alt_freq,
	count(*) FILTER (WHERE gt LIKE '%.%') AS missing_calls,
	count(*) FILTER (WHERE phased) AS phased_calls
FROM genotypes GROUP BY chrom ORDER BY chrom`
	step("varamu query --role steward --store %s \"%s\"", dir, q)
	r, err := e.Run(ctx, q)
	if err != nil {
		return err
	}
	if err := r.WriteTable(w); err != nil {
		return err
	}
	step("done; try: go run ./cmd/varamu view --store %s -r chr22:20000000-20100000 -s %s", dir, sample)
	return nil
}

func mustDecode(code int32) []int {
	a, _ := genome.DecodeGT(code, nil)
	return a
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return nil
	})
	return n
}

// writeBatch writes a synthetic VCF.gz whose sample names carry a batch
// prefix, so that batches do not collide.
func writeBatch(ctx context.Context, path, prefix string, cfg synthvcf.Config) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(synthvcf.Generate(ctx, pw, cfg)) }()
	br := bufio.NewReaderSize(pr, 1<<20)
	for {
		line, err := br.ReadString('\n')
		if strings.HasPrefix(line, "#CHROM") {
			cols := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
			for i := 9; i < len(cols); i++ {
				cols[i] = prefix + cols[i]
			}
			line = strings.Join(cols, "\t") + "\n"
			if _, err := io.WriteString(zw, line); err != nil {
				return err
			}
			break
		}
		if _, werr := io.WriteString(zw, line); werr != nil {
			return werr
		}
		if err != nil {
			return err
		}
	}
	if _, err := io.Copy(zw, br); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}
