package query

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/datasets/synthvcf"
	"github.com/varamu/varamu/genome/genotypes"
)

// TestSitesOfQuery: the site range is taken only from a query whose one
// reader of the calls is its FROM genotypes and whose WHERE is a
// conjunction naming chrom; anything else runs over every site.
func TestSitesOfQuery(t *testing.T) {
	db, err := sql.Open("duckdb", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all := func(chrom string) posFilter { return posFilter{chrom, math.MinInt64, math.MaxInt64} }
	for _, tc := range []struct {
		q    string
		want posFilter
		ok   bool
	}{
		{`SELECT count(*) FROM genotypes WHERE chrom = 'chr1' AND pos = 100`, posFilter{"chr1", 100, 100}, true},
		{`SELECT * FROM genotypes g WHERE g.chrom = 'chr1' AND g.pos BETWEEN 10 AND 20 AND gt <> '0/0'`, posFilter{"chr1", 10, 20}, true},
		{`SELECT * FROM GenoTypes WHERE 'chr2' = chrom AND 5 < pos AND pos <= 9`, posFilter{"chr2", 6, 9}, true},
		{`SELECT * FROM genotypes WHERE chrom = 'chr2' AND (pos = 1 OR pos = 9)`, all("chr2"), true},
		{`SELECT * FROM genotypes WHERE chrom = 'chr2' AND pos = 5.5`, all("chr2"), true},
		{`SELECT sample FROM genotypes WHERE chrom = 'chr1' GROUP BY sample`, all("chr1"), true},
		// not narrowed
		{`SELECT * FROM genotypes WHERE pos = 100`, posFilter{}, false},
		{`SELECT * FROM genotypes WHERE chrom = 'chr1' OR pos = 100`, posFilter{}, false},
		{`SELECT * FROM genotypes WHERE chrom = 'chr1' AND chrom = 'chr2'`, posFilter{}, false},
		{`SELECT * FROM genotypes WHERE chrom = 'chr1' AND pos = 1 AND sample IN (SELECT sample FROM genotypes WHERE gt = '1/1')`, posFilter{}, false},
		{`SELECT * FROM genotypes g JOIN _format f USING (site) WHERE chrom = 'chr1'`, posFilter{}, false},
		{`SELECT * FROM genotypes, variants v WHERE genotypes.chrom = 'chr1'`, posFilter{}, false},
		{`SELECT * FROM genotypes WHERE v.chrom = 'chr1'`, posFilter{}, false},
		{`WITH x AS (SELECT 1) SELECT * FROM genotypes WHERE chrom = 'chr1'`, posFilter{}, false},
		{`SELECT * FROM genotypes WHERE chrom = 'chr1' UNION ALL SELECT * FROM genotypes`, posFilter{}, false},
		{`SELECT * FROM other.genotypes WHERE chrom = 'chr1'`, posFilter{}, false},
		{`SELECT * FROM genotypes WHERE chrom = NULL AND pos = 1`, posFilter{}, false},
		{`not sql at all`, posFilter{}, false},
	} {
		t.Run(tc.q, func(t *testing.T) {
			got, ok, err := sitesOfQuery(context.Background(), db, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.ok || (ok && got != tc.want) {
				t.Errorf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestNarrowedQueriesEqualFullScans: on a store of two batches, queries
// about one position or a range (which read only the calls and format rows
// of their sites) answer exactly as the same query over every site, and a
// later unfiltered query sees every site again.
func TestNarrowedQueriesEqualFullScans(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	var srcs []string
	for i, seed := range []uint64{5, 6} {
		src := filepath.Join(tmp, string(rune('a'+i))+".vcf.gz")
		names := make([]string, 300+20*i)
		for k := range names {
			names[k] = fmt.Sprintf("%c%04d", 'A'+i, k)
		}
		if err := synthvcf.GenerateFile(ctx, src, synthvcf.Config{SampleNames: names, Variants: 3000, Seed: seed, Chromosomes: []string{"chr21", "chr22"}}); err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, src)
	}
	dir := filepath.Join(tmp, "store")
	if _, err := genotypes.Ingest(ctx, dir, srcs, genotypes.IngestConfig{MemoryBudget: 1}); err != nil {
		t.Fatal(err)
	}
	e, err := OpenAs(ctx, dir, Config{Role: Steward, Actor: "test-steward"})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.run(ctx, `SELECT pos FROM variants WHERE chrom = 'chr22' ORDER BY pos LIMIT 1 OFFSET 1000`)
	if err != nil || len(res.Rows) != 1 {
		t.Fatal(res, err)
	}
	pos := res.Rows[0][0].(int64)
	full, err := e.run(ctx, `SELECT count(*) FROM genotypes`)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT sample, batch, alt, gt, dosage, gq FROM genotypes WHERE chrom = 'chr22' AND pos = ` + Text(pos) + ` ORDER BY ALL`,
		`SELECT gt, count(*) FROM genotypes g WHERE g.chrom = 'chr22' AND g.pos BETWEEN ` + Text(pos) + ` AND ` + Text(pos+2_000_000) + ` GROUP BY gt ORDER BY ALL`,
		`SELECT count(*) FROM genotypes WHERE chrom = 'chr21' AND pos = 1`,
		`SELECT count(*) FROM genotypes WHERE chrom = 'chr21' AND gt NOT IN ('0/0', '0|0')`,
	} {
		t.Run(q, func(t *testing.T) {
			if _, ok, _ := sitesOfQuery(ctx, e.db, q); !ok {
				t.Fatal("query not narrowed: the test would not test narrowing")
			}
			want, err := e.run(ctx, q) // every site
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Run(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.Rows, got.Rows); diff != "" {
				t.Errorf("narrowed query differs from the full scan (-full +narrowed):\n%s", diff)
			}
			after, err := e.Run(ctx, `SELECT count(*) FROM genotypes`)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(full.Rows, after.Rows); diff != "" {
				t.Errorf("a later query still narrowed:\n%s", diff)
			}
		})
	}
	// The narrowing reads only the site's chunk of the calls files: the
	// calls scan of a one-position query returns that chunk's rows at
	// most, not the store's.
	if err := e.exec(ctx, "SET VARIABLE "+siteVarLo(0)+" = 1000", "SET VARIABLE "+siteVarHi(0)+" = 1000"); err != nil {
		t.Fatal(err)
	}
	part, err := e.run(ctx, `SELECT count(DISTINCT site) FROM _calls_rows WHERE batch = 'b0001'`)
	if err != nil {
		t.Fatal(err)
	}
	if n := part.Rows[0][0].(int64); n > 1 {
		t.Errorf("calls rows of %d sites read with the range set to one site", n)
	}
}
