package risk

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/varamu/varamu/risk/pgs"
	"github.com/varamu/varamu/store"
)

// writeScoreFiles writes scores as scoring files in dir.
func writeScoreFiles(t *testing.T, dir string, scores []*pgs.Score) []string {
	t.Helper()
	var paths []string
	for _, s := range scores {
		var vs []pgs.Variant
		for _, v := range s.Variants.All() {
			vs = append(vs, v)
		}
		var b strings.Builder
		if err := pgs.Write(&b, map[string]string{"pgs_id": s.Header.ID, "genome_build": "GRCh37"}, vs); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, writeFile(t, dir, s.Header.ID+".txt", b.String()))
	}
	return paths
}

// runBoth runs Run on the files read whole and RunFiles on them, each
// into a store of its own made from vcf, and fails unless the results and
// the stored tables are the same.
func runBoth(t *testing.T, vcf string, paths []string, cfg Config) []*ScoreResult {
	t.Helper()
	ctx := context.Background()
	scores, err := pgs.ReadFiles(paths)
	if err != nil {
		t.Fatal(err)
	}
	var results [2][]*ScoreResult
	var stores [2]*store.Store
	for i := range 2 {
		dir, gs := cohortStore(t, vcf)
		if stores[i], err = store.Open(dir, store.Config{}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			results[i], err = Run(ctx, stores[i], gs, stewardPermit(t, gs), scores, cfg)
		} else {
			results[i], err = RunFiles(ctx, stores[i], gs, stewardPermit(t, gs), paths, cfg)
		}
		if err != nil {
			t.Fatal(err)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "scratch*")); len(left) > 0 {
			t.Errorf("scratch left: %v", left)
		}
	}
	for k := range paths {
		a, b := results[0][k], results[1][k]
		if d := cmp.Diff(a.Report, b.Report); d != "" {
			t.Errorf("score %d report (-Run +RunFiles):\n%s", k, d)
		}
		if d := cmp.Diff(a.Samples, b.Samples, cmpopts.EquateNaNs()); d != "" {
			t.Errorf("score %d samples (-Run +RunFiles):\n%s", k, d)
		}
	}
	for _, tb := range []struct {
		name   string
		schema *arrow.Schema
	}{{TableMatches, matchesSchema}, {TableScores, scoresSchema}} {
		a, b := tableText(t, stores[0], tb.name, tb.schema), tableText(t, stores[1], tb.name, tb.schema)
		if len(a) == 0 {
			t.Fatalf("%s: no rows", tb.name)
		}
		if d := cmp.Diff(a, b); d != "" {
			t.Errorf("%s (-Run +RunFiles):\n%s", tb.name, d)
		}
	}
	return results[1]
}

// TestRunFilesEqualsRun: RunFiles, reading the files a segment at a time
// (segments of a few variants, of about a window, and of the whole files),
// stores the rows and returns the results Run does with the files read
// whole, for chunks of matches that straddle segments; it holds only the
// variants of the last chunk of matches at the end. With files not sorted
// among them (reversed, random order, chromosomes in turn, a position
// going back late) it sorts them on disk, in parts of 5, 34 (the budget's
// share) and 64 variants, with the same results and rows, and holds no
// more of them at the end.
func TestRunFilesEqualsRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	const n = 150
	dir := t.TempDir()
	vcf, sites, chroms := planeVCF(t, rng, dir, n)
	scores := runScores(rng, sites, chroms)
	paths := writeScoreFiles(t, dir, scores)
	for _, segment := range []int{1, 7, 60, 0} {
		t.Run(fmt.Sprint("segment ", segment), func(t *testing.T) {
			cfg := Config{chunk: 8, segment: segment, MemoryBudget: 64 * lanes * (n/2 + 64)}
			res := runBoth(t, vcf, paths[:3], cfg)
			for _, r := range res {
				if held := r.Variants.Len() - r.Variants.Base(); segment > 0 && held > 8 {
					t.Errorf("%s: %d variants held after the run, want at most a chunk's", r.ID, held)
				}
			}
		})
	}
	unsorted := append(paths[:4:4], writeScoreFiles(t, dir, unsortedScores(rng, scores))...)
	for _, part := range []int{5, 64, 0} {
		t.Run(fmt.Sprint("unsorted, sorted in parts of ", part), func(t *testing.T) {
			cfg := Config{chunk: 8, segment: 7, sortPart: part, MemoryBudget: 64 * lanes * (n/2 + 64)}
			res := runBoth(t, vcf, unsorted, cfg)
			for _, r := range res {
				if held := r.Variants.Len() - r.Variants.Base(); held > 8 {
					t.Errorf("%s: %d variants held after the run, want at most a chunk's", r.ID, held)
				}
			}
		})
	}
}

// unsortedScores returns three scores not sorted by position made of the
// sorted ones of runScores: the first's variants in random order, the
// second's with chromosomes taken in turn, the third's with a position
// going back late in the file.
func unsortedScores(rng *rand.Rand, scores []*pgs.Score) []*pgs.Score {
	variants := func(s *pgs.Score) []pgs.Variant {
		var vs []pgs.Variant
		for _, v := range s.Variants.All() {
			vs = append(vs, v)
		}
		return vs
	}
	shuffled := variants(scores[0])
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	byChrom := map[string][]pgs.Variant{}
	var chroms []string
	for _, v := range variants(scores[1]) {
		if byChrom[v.Chrom] == nil {
			chroms = append(chroms, v.Chrom)
		}
		byChrom[v.Chrom] = append(byChrom[v.Chrom], v)
	}
	var interleaved []pgs.Variant
	for len(interleaved) < scores[1].Variants.Len() {
		for _, c := range chroms {
			if vs := byChrom[c]; len(vs) > 0 {
				interleaved, byChrom[c] = append(interleaved, vs[0]), vs[1:]
			}
		}
	}
	back := variants(scores[2])
	i := len(back) - 3
	back[i], back[i-10] = back[i-10], back[i]
	var out []*pgs.Score
	for k, vs := range [][]pgs.Variant{shuffled, interleaved, back} {
		out = append(out, &pgs.Score{Header: pgs.Header{ID: fmt.Sprint("U", k)}, Variants: pgs.TableOf(vs...)})
	}
	return out
}

// TestRunFilesUnsortedErrors: a parse error late in a file not sorted,
// and duplicates in one (the first repeat in file order is named, though
// another comes first by position), fail RunFiles with ReadFile's error
// (the file and its original line) and leave the store as it was, its
// scratch directory removed; so does a run cancelled after the sort.
func TestRunFilesUnsortedErrors(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(37, 38))
	const n = 150
	dir := t.TempDir()
	vcf, sites, chroms := planeVCF(t, rng, dir, n)
	good := writeScoreFiles(t, dir, runScores(rng, sites, chroms)[:2])
	row := func(i int, w float64) string {
		return fmt.Sprintf("22\t%d\t%s\t%s\t%g\n", sites[i].pos, sites[i].alts[0], sites[i].ref, w)
	}
	var b strings.Builder
	b.WriteString("#pgs_id=BACK\n#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n")
	for i := 199; i >= 0; i-- { // in reverse: not sorted
		b.WriteString(row(i, rng.NormFloat64()))
		if i == 150 || i == 20 {
			b.WriteString(row(i, 1)) // repeats the line before
		}
	}
	dup := writeFile(t, dir, "dup.txt", b.String())
	bad := writeFile(t, dir, "bad.txt", strings.Replace(b.String(), row(150, 1), "", 1)+"22\tx\tA\tG\t1\n")
	storeDir, gs, st, before := storeWithManifest(t, vcf)
	for _, path := range []string{dup, bad} {
		_, want := pgs.ReadFile(path)
		var pe *pgs.ParseError
		if !errors.As(want, &pe) || pe.File != path {
			t.Fatalf("%s: ReadFile: %v, want a parse error", path, want)
		}
		cfg := Config{chunk: 8, segment: 7, sortPart: 9, MemoryBudget: 64 * lanes * (n/2 + 64)}
		_, err := RunFiles(ctx, st, gs, stewardPermit(t, gs), append(good, path), cfg)
		if err == nil || err.Error() != want.Error() {
			t.Fatalf("%s: %v, want %v", path, err, want)
		}
		checkUnchanged(t, path, storeDir, before)
	}
	var pe *pgs.ParseError
	if _, err := pgs.ReadFile(dup); !errors.As(err, &pe) || pe.Line != 54 || !strings.Contains(err.Error(), "first on line 53") {
		t.Fatalf("%v, want the duplicate first in file order: line 54, of line 53", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cfg := Config{chunk: 8, segment: 7, sortPart: 9, MemoryBudget: 64 * lanes * (n/2 + 64)}
	cfg.Progress = func(int, int) { cancel() }
	sorted := writeFile(t, dir, "back.txt", strings.Replace(strings.Replace(b.String(), row(150, 1), "", 1), row(20, 1), "", 1))
	if _, err := RunFiles(cctx, st, gs, stewardPermit(t, gs), append(good, sorted), cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v, want context.Canceled", err)
	}
	checkUnchanged(t, "cancelled", storeDir, before)
}

// TestRunFilesWritesNothingOnLateError: a parse error on the last line of
// a long file, or a duplicate variant across the end of a segment, found
// after windows were scored and matches written, fails RunFiles with the
// file and line, and leaves the store as it was.
func TestRunFilesWritesNothingOnLateError(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(33, 34))
	const n = 150
	dir := t.TempDir()
	vcf, sites, chroms := planeVCF(t, rng, dir, n)
	good := writeScoreFiles(t, dir, runScores(rng, sites, chroms)[:2])
	var b strings.Builder
	b.WriteString("#pgs_id=LONG\n#genome_build=GRCh37\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n")
	lines := 3
	for i, s := range sites[:200] {
		fmt.Fprintf(&b, "22\t%d\t%s\t%s\t%g\n", s.pos, s.alts[0], s.ref, rng.NormFloat64())
		lines++
		if i == 130 {
			fmt.Fprintf(&b, "22\t%d\t%s\t%s\t%g\n", s.pos, s.alts[0], s.ref, 1.0) // repeats the line before
			lines++
		}
	}
	dupLine := lines - 200 + 130 + 1
	dup := writeFile(t, dir, "dup.txt", b.String())
	bad := writeFile(t, dir, "bad.txt", strings.Replace(b.String(), fmt.Sprintf("22\t%d\t%s\t%s\t%g\n", sites[130].pos, sites[130].alts[0], sites[130].ref, 1.0), "", 1)+"22\tx\tA\tG\t1\n")
	storeDir, gs, st, before := storeWithManifest(t, vcf)
	for _, c := range []struct {
		name, path string
		line       int
		want       string
	}{
		{"parse error on the last line", bad, lines, "chr_position"},
		{"duplicate", dup, dupLine, "duplicate variant"},
	} {
		written := 0
		cfg := Config{chunk: 8, segment: 7, MemoryBudget: 64 * lanes * (n/2 + 64)}
		cfg.Progress = func(done, _ int) { written = done }
		_, err := RunFiles(ctx, st, gs, stewardPermit(t, gs), append(good, c.path), cfg)
		var pe *pgs.ParseError
		if !errors.As(err, &pe) || pe.File != c.path || pe.Line != c.line || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("%s: %v, want a parse error on %s:%d (%s)", c.name, err, c.path, c.line, c.want)
		}
		if written == 0 {
			t.Fatalf("%s: no window scored before the error", c.name)
		}
		checkUnchanged(t, c.name, storeDir, before)
	}
}

// TestRunFilesMemoryPerVariant: RunFiles' peak heap (sampled every 2
// windows) does not grow with the length of the files: ten sorted scores
// of 25,000 and of 150,000 variants, read from files, windows of 1,024
// loci, chunks of 4,096 matches, segments of 2,048 variants a file (the
// budget's share being less). What grows is the files' row-group metadata
// in the risk_matches footers (about 5 bytes a variant at 4,096 rows a
// group); Run, with the files parsed before, holds 11-19 bytes a variant
// and score more beyond them (TestRunMemoryPerVariant).
func TestRunFilesMemoryPerVariant(t *testing.T) {
	held, slope := runFilesSlope(t, rand.New(rand.NewPCG(35, 36)), 10, false)
	t.Logf("RunFiles: %d and %d bytes held, %.1f bytes more a variant and score", held[0], held[1], slope)
	if slope > 6 {
		t.Errorf("RunFiles holds %.1f bytes more a variant and score, want at most 6", slope)
	}
}

// runFilesSlope returns the peak heap RunFiles holds (peakHeldFiles) for
// k scores of 25,000 and of 150,000 variants (memoryScores, their
// variants shuffled when shuffle is set), and the bytes more a variant
// and score.
func runFilesSlope(t *testing.T, rng *rand.Rand, k int, shuffle bool) (held []int64, slope float64) {
	t.Helper()
	st, sites, n := memoryStore(t, rng)
	dir := t.TempDir()
	sizes := []int{25000, 150000}
	for _, variants := range sizes {
		sub := filepath.Join(dir, fmt.Sprint(variants))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		scores := memoryScores(rng, sites, k, variants)
		for i, s := range scores {
			if !shuffle {
				break
			}
			var vs []pgs.Variant
			for _, v := range s.Variants.All() {
				vs = append(vs, v)
			}
			rng.Shuffle(len(vs), func(i, j int) { vs[i], vs[j] = vs[j], vs[i] })
			scores[i] = &pgs.Score{Header: s.Header, Variants: pgs.TableOf(vs...)}
		}
		paths := writeScoreFiles(t, sub, scores)
		held = append(held, peakHeldFiles(t, context.Background(), st, "RunFiles", scores, paths, n))
	}
	return held, float64(held[1]-held[0]) / float64(k*(sizes[1]-sizes[0]))
}

// TestRunFilesMemoryPerVariantUnsorted: TestRunFilesMemoryPerVariant for
// files not sorted (four scores' variants in random order), which RunFiles
// sorts on disk in parts of the budget's share (556 variants here) and
// whose matches it holds on disk until the end: the peak heap does not
// grow with the files' length either.
func TestRunFilesMemoryPerVariantUnsorted(t *testing.T) {
	held, slope := runFilesSlope(t, rand.New(rand.NewPCG(39, 40)), 4, true)
	t.Logf("RunFiles, unsorted: %d and %d bytes held, %.1f bytes more a variant and score", held[0], held[1], slope)
	if slope > 6 {
		t.Errorf("RunFiles holds %.1f bytes more a variant and score of unsorted files, want at most 6", slope)
	}
}
