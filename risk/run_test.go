package risk

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
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
// windows are done (here five windows of loci and chunks of 8 variants),
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
	cfg := Config{chunk: 8, MemoryBudget: 64 * lanes * (n/2 + 64)}
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
	storeDir, gs, st, before := storeWithManifest(t, vcf)
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
		cfg := Config{chunk: 8, MemoryBudget: 64 * lanes * (n/2 + 64)}
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
		checkUnchanged(t, c.name, storeDir, before)
	}
}

// storeWithManifest returns a store made from vcf, opened, and its
// manifest as it is.
func storeWithManifest(t *testing.T, vcf string) (string, *genotypes.Store, *store.Store, []byte) {
	t.Helper()
	storeDir, gs := cohortStore(t, vcf)
	st, err := store.Open(storeDir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(storeDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	return storeDir, gs, st, before
}

// checkUnchanged fails unless the store in storeDir has the manifest
// before and no risk file.
func checkUnchanged(t *testing.T, name, storeDir string, before []byte) {
	t.Helper()
	after, err := os.ReadFile(filepath.Join(storeDir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Errorf("%s: manifest changed", name)
	}
	for _, glob := range []string{"data/*/risk/*", "data/risk/*", "scratch*"} {
		if fs, _ := filepath.Glob(filepath.Join(storeDir, glob)); len(fs) > 0 {
			t.Errorf("%s: files left: %v", name, fs)
		}
	}
}

// TestRunMemoryPerVariant: what a run holds beyond the parsed scoring
// files grows, at its peak (sampled every 2 windows), by at most 20 bytes
// a variant and score with Run, where Score holds every variant's 32-byte
// match to the end: ten sorted scores of 25,000 and of 150,000 variants,
// windows of 1,024 loci, chunks of 4,096 matches. Run's growth is the
// index of loci (8 bytes a variant, 4 a locus) and the files' row-group
// metadata (about 5 bytes a variant at 4,096 rows a group, 1.3 at the
// 16,384 of a real run); measured 11-19 bytes, the rest being which
// windows are in flight when the heap is sampled. The matches of the
// windows in flight, and the writers' buffers, are a constant per score.
func TestRunMemoryPerVariant(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(25, 26))
	const k = 10
	st, sites, n := memoryStore(t, rng)
	held := map[string][]int64{} // by mode, for each size
	sizes := []int{25000, 150000}
	for _, variants := range sizes {
		scores := memoryScores(rng, sites, k, variants)
		for _, mode := range []string{"Score", "Run"} {
			held[mode] = append(held[mode], peakHeld(t, ctx, st, mode, scores, n))
		}
	}
	slope := map[string]float64{}
	for mode, h := range held {
		slope[mode] = float64(h[1]-h[0]) / float64(k*(sizes[1]-sizes[0]))
		t.Logf("%s: %d and %d bytes held beyond the files, %.1f bytes more a variant and score", mode, h[0], h[1], slope[mode])
	}
	if slope["Run"] > 20 {
		t.Errorf("Run holds %.1f bytes more a variant and score, want at most 20", slope["Run"])
	}
	if slope["Score"] < 32 {
		t.Errorf("Score holds %.1f bytes more a variant and score, want its 32-byte matches counted", slope["Score"])
	}
}

// memoryStore returns the store of the memory tests: planeVCF's sites
// for n samples.
func memoryStore(t *testing.T, rng *rand.Rand) (st *store.Store, sites []testSite, n int) {
	t.Helper()
	n = 150
	vcf, sites, _ := planeVCF(t, rng, t.TempDir(), n)
	storeDir, _ := cohortStore(t, vcf)
	st, err := store.Open(storeDir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return st, sites, n
}

// memoryScores returns k sorted scores of the given number of variants
// on chr22, one in ten on a record of sites.
func memoryScores(rng *rand.Rand, sites []testSite, k, variants int) []*pgs.Score {
	var scores []*pgs.Score
	for s := range k {
		sc := &pgs.Score{Path: fmt.Sprint("m", s), SHA256: strings.Repeat(fmt.Sprint(s%10), 64), Header: pgs.Header{ID: fmt.Sprint("M", s), Build: genome.GRCh37}}
		sc.Variants.Grow(variants)
		for p := range variants {
			v := pgs.Variant{RsID: fmt.Sprint("rs", p+1), Chrom: "chr22", Pos: int64(1000 + p), EffectAllele: "G", OtherAllele: "A",
				Weight: rng.NormFloat64(), EffectFreq: math.NaN(), Line: p + 2}
			if p%10 == 0 && p/10 < 200 {
				v.Pos = sites[p/10].pos // on a record
			}
			sc.Variants.Append(v)
		}
		scores = append(scores, sc)
	}
	return scores
}

// peakHeld returns the most heap a run of mode (Score or Run) held beyond
// what was live before it.
func peakHeld(t *testing.T, ctx context.Context, st *store.Store, mode string, scores []*pgs.Score, n int) int64 {
	return peakHeldFiles(t, ctx, st, mode, scores, nil, n)
}

// peakHeldFiles is peakHeld for mode RunFiles too, which reads the files
// of paths (scores' variants).
func peakHeldFiles(t *testing.T, ctx context.Context, st *store.Store, mode string, scores []*pgs.Score, paths []string, n int) int64 {
	t.Helper()
	gs, err := genotypes.FromStore(st)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{chunk: 4096, MemoryBudget: 1024 * lanes * int64(n/2+64)}
	before, peak, windows := heapBytes(), int64(0), 0
	cfg.Progress = func(done, total int) {
		if done%2 == 0 {
			peak = max(peak, heapBytes())
		}
		windows = total
	}
	var res []*ScoreResult
	switch mode {
	case "Score":
		res, err = Score(ctx, gs, stewardPermit(t, gs), scores, cfg)
	case "RunFiles":
		res, err = RunFiles(ctx, st, gs, stewardPermit(t, gs), paths, cfg)
	default:
		res, err = Run(ctx, st, gs, stewardPermit(t, gs), scores, cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	peak = max(peak, heapBytes())
	if r := res[len(res)-1].Report; r.Variants != scores[0].Variants.Len() || r.Matched == 0 || windows < 20 {
		t.Fatalf("%s: report %+v, %d windows", mode, r, windows)
	}
	runtime.KeepAlive(res)
	return peak - before
}
