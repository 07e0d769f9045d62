package risk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/risk/pgs"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// runScores returns four scores over the sites of planeVCF: three sorted
// ones with variants at positions without a record and with other alleles
// between the matched ones, and the first of them with its variants in
// reverse order (unsorted: indexed through the map, its matches held to
// the end).
func runScores(rng *rand.Rand, sites []testSite, chroms []string) []*pgs.Score {
	var out []*pgs.Score
	for k := range 3 {
		s := &pgs.Score{Path: fmt.Sprint("r", k), SHA256: strings.Repeat(fmt.Sprint(k), 64), Header: pgs.Header{ID: fmt.Sprint("R", k), Build: genome.GRCh37}}
		for i, site := range sites {
			alleles := append([]string{site.ref}, site.alts...)
			e := rng.IntN(len(alleles))
			v := pgs.Variant{Chrom: "chr" + chroms[i], Pos: site.pos, EffectAllele: alleles[e], OtherAllele: alleles[(e+1)%len(alleles)],
				Weight: rng.NormFloat64(), EffectFreq: math.NaN(), Line: 2 * i, RsID: fmt.Sprint("rs", i+1)}
			if i%13 == k {
				v.EffectAllele, v.OtherAllele = "CC", "C" // other alleles
			}
			s.Variants.Append(v)
			if i%7 == k {
				v.Pos++ // no record
				v.Line++
				s.Variants.Append(v)
			}
		}
		out = append(out, s)
	}
	var vs []pgs.Variant
	for _, v := range out[0].Variants.All() {
		vs = append(vs, v)
	}
	slices.Reverse(vs)
	rev := &pgs.Score{Path: "r3", SHA256: strings.Repeat("3", 64), Header: pgs.Header{ID: "R3", Build: genome.GRCh37}, Variants: pgs.TableOf(vs...)}
	return append(out, rev)
}

// tableText returns every row of table in st as text, file by file, the
// files in manifest order.
func tableText(t *testing.T, st *store.Store, table string, schema *arrow.Schema) []string {
	t.Helper()
	var cols []string
	for _, f := range schema.Fields() {
		cols = append(cols, f.Name)
	}
	var out []string
	for _, f := range st.Manifest().Tables[table] {
		err := rows.ScanFileBatches(context.Background(), st.Path(f), cols, func(rec arrow.RecordBatch) error {
			for i := range int(rec.NumRows()) {
				var row []string
				for c := range cols {
					row = append(row, rec.Column(c).ValueStr(i))
				}
				out = append(out, strings.Join(row, "|"))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestRunEqualsScoreThenWrite: Run, which writes the matches as the
// windows are done (here five windows of loci and chunks of 7 variants),
// stores the rows Score then Write store, for sorted scoring files and an
// unsorted one, and returns the same results; the matches it wrote are no
// longer held.
func TestRunEqualsScoreThenWrite(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(21, 22))
	const n = 150
	dir := t.TempDir()
	vcf, sites, chroms := planeVCF(t, rng, dir, n)
	scores := runScores(rng, sites, chroms)
	cfg := Config{chunk: 7, MemoryBudget: 64 * lanes * (n/2 + 64)}
	windows := 0
	cfg.Progress = func(_, total int) { windows = total }

	dirA, gsA := cohortStore(t, vcf)
	held, err := Score(ctx, gsA, stewardPermit(t, gsA), scores, cfg)
	if err != nil {
		t.Fatal(err)
	}
	stA, err := store.Open(dirA, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(ctx, stA, held); err != nil {
		t.Fatal(err)
	}

	dirB, gsB := cohortStore(t, vcf)
	stB, err := store.Open(dirB, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	streamed, err := Run(ctx, stB, gsB, stewardPermit(t, gsB), scores, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if windows < 4 {
		t.Fatalf("%d windows, want several", windows)
	}
	for k := range scores {
		h, s := held[k], streamed[k]
		if h.Report.NoSite == 0 || h.Report.AlleleMismatch == 0 {
			t.Fatalf("score %d: report %+v, want positions without a record and other alleles", k, h.Report)
		}
		if d := cmp.Diff(h.Report, s.Report); d != "" {
			t.Errorf("score %d report (-Score +Run):\n%s", k, d)
		}
		if d := cmp.Diff(h.Samples, s.Samples, cmpopts.EquateNaNs()); d != "" {
			t.Errorf("score %d samples (-Score +Run):\n%s", k, d)
		}
		held := 0
		for c := range s.matches.chunks {
			if s.matches.chunks[c] != nil {
				held++
			}
		}
		if k < 3 && (held != 0 || len(s.matches.whys) != 0) {
			t.Errorf("score %d: %d chunks of matches and %d reasons still held after Run", k, held, len(s.matches.whys))
		}
	}
	for _, tb := range []struct {
		name   string
		schema *arrow.Schema
	}{{TableMatches, matchesSchema}, {TableScores, scoresSchema}} {
		a, b := tableText(t, stA, tb.name, tb.schema), tableText(t, stB, tb.name, tb.schema)
		if len(a) == 0 {
			t.Fatalf("%s: no rows", tb.name)
		}
		if d := cmp.Diff(a, b); d != "" {
			t.Errorf("%s (-Score then Write +Run):\n%s", tb.name, d)
		}
	}
}

// TestRunWritesNothingOnLateError: when Run fails after some matches were
// written (a score that matched nothing, known only at the end; a run
// cancelled after its first window), the store is as it was: no table,
// no file, no manifest section.
func TestRunWritesNothingOnLateError(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(23, 24))
	const n = 150
	dir := t.TempDir()
	vcf, sites, chroms := planeVCF(t, rng, dir, n)
	scores := runScores(rng, sites, chroms)[:3]
	var far pgs.Score
	far.Header = pgs.Header{ID: "FAR", Build: genome.GRCh37}
	far.Path, far.SHA256 = "far.txt", strings.Repeat("f", 64)
	for i := range 50 {
		far.Variants.Append(pgs.Variant{Chrom: "chr22", Pos: int64(5_000_000 + i), EffectAllele: "G", OtherAllele: "A", Weight: 1, EffectFreq: math.NaN(), Line: i + 2})
	}
	storeDir, gs := cohortStore(t, vcf)
	st, err := store.Open(storeDir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(storeDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, c := range []struct {
		name   string
		ctx    context.Context
		scores []*pgs.Score
		cancel bool
		want   error
	}{
		{"no overlap", ctx, append(slices.Clone(scores), &far), false, ErrNoOverlap},
		{"cancelled", cctx, scores, true, context.Canceled},
	} {
		written := 0
		cfg := Config{chunk: 7, MemoryBudget: 64 * lanes * (n/2 + 64)}
		cfg.Progress = func(done, _ int) {
			written = done
			if c.cancel && done == 1 {
				cancel()
			}
		}
		_, err := Run(c.ctx, st, gs, stewardPermit(t, gs), c.scores, cfg)
		if !errors.Is(err, c.want) {
			t.Fatalf("%s: %v, want %v", c.name, err, c.want)
		}
		if written == 0 {
			t.Fatalf("%s: no window scored before the error", c.name)
		}
		after, err := os.ReadFile(filepath.Join(storeDir, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		if string(after) != string(before) {
			t.Errorf("%s: manifest changed", c.name)
		}
		if fs, _ := filepath.Glob(filepath.Join(storeDir, "data", "*", "risk", "*")); len(fs) > 0 {
			t.Errorf("%s: files left: %v", c.name, fs)
		}
		if fs, _ := filepath.Glob(filepath.Join(storeDir, "data", "risk", "*")); len(fs) > 0 {
			t.Errorf("%s: files left: %v", c.name, fs)
		}
	}
}
