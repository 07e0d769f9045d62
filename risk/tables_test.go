package risk

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/risk/pgs"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// TestWriteVersions: a second run of a score with a changed file replaces
// its rows in risk_scores and moves the old ones to risk_scores_previous;
// another score's rows stay.
func TestWriteVersions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := 120
	samples := sampleNames(n)
	var sites []testSite
	for k := range 5 {
		gts := make([]string, n)
		for i := range gts {
			gts[i] = []string{"0/0", "0/1", "1/1"}[(i*(k+1))%3]
		}
		sites = append(sites, testSite{pos: int64(100 + k), ref: "A", alts: []string{"G"}, gts: gts})
	}
	storeDir, gs := cohortStore(t, writeCohortVCF(t, dir, "c.vcf", samples, sites, nil))
	head := "#pgs_id=%s\n#genome_build=GRCh37\n#trait_reported=test trait\nchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\n"
	body := "22\t100\tG\tA\t1\n22\t101\tG\tA\t0.5\n22\t102\tA\tG\t-0.25\n22\t103\tG\tA\t2\n"
	a1 := smallScore(t, dir, "a1.txt", strings.Replace(head, "%s", "A", 1)+body)
	b1 := smallScore(t, dir, "b1.txt", strings.Replace(head, "%s", "B", 1)+body)
	a2 := smallScore(t, dir, "a2.txt", strings.Replace(head, "%s", "A", 1)+body+"22\t104\tG\tA\t1\n")
	st, err := store.Open(storeDir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	run := func(scores ...*pgs.Score) []*ScoreResult {
		res, err := Score(ctx, gs, stewardPermit(t, gs), scores, Config{})
		if err != nil {
			t.Fatal(err)
		}
		if err := Write(ctx, st, res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	run(a1, b1)
	res := run(a2)
	rec, scores, err := ReadScores(ctx, st, "A")
	if err != nil {
		t.Fatal(err)
	}
	if rec.Version != VersionOf(a2) || rec.Version == VersionOf(a1) || len(scores) != n || rec.Trait != "test trait" || rec.Report.Matched != 5 {
		t.Fatalf("record %+v, %d scores", rec, len(scores))
	}
	for i, s := range scores {
		if s.Sample == res[0].Samples[0].Sample && (s.Sum != res[0].Samples[0].Sum || math.IsNaN(s.Percentile)) {
			t.Errorf("stored %+v, computed %+v", scores[i], res[0].Samples[0])
		}
	}
	if _, bs, err := ReadScores(ctx, st, "B"); err != nil || len(bs) != n {
		t.Fatalf("score B after A's rerun: %d rows, %v", len(bs), err)
	}
	m := st.Manifest()
	if len(m.Tables[TableScores]) != 2 || len(m.Tables[TableScoresPrevious]) != 1 || len(m.Tables[TableMatchesPrevious]) != 1 {
		t.Errorf("tables: scores %d, previous %d", len(m.Tables[TableScores]), len(m.Tables[TableScoresPrevious]))
	}
	if _, _, err := ReadScores(ctx, st, "C"); err == nil || !strings.Contains(err.Error(), "stored: ") {
		t.Errorf("unknown score: %v", err)
	}
}

// benchResult is a score of n variants as a 100,000-variant file matches
// a store: rsIDs rising by random steps, weights of 6 digits, cohort
// frequencies of 40,000 alleles less the missing ones (a third of the
// variants miss some), most variants used (direct or swapped), one in 11
// without a site.
func benchResult(n int) *ScoreResult {
	rng := rand.New(rand.NewPCG(3, 4))
	var s pgs.Score
	s.Header.ID, s.SHA256 = "PGS000001", strings.Repeat("ab", 32)
	rs := 1000
	for j := range n {
		rs += 1 + rng.IntN(5000)
		w, _ := strconv.ParseFloat(strconv.FormatFloat((rng.Float64()-0.5)/10, 'g', 6, 64), 64)
		s.Variants.Append(pgs.Variant{RsID: "rs" + fmtInt(rs), Chrom: "chr" + fmtInt(1+j*22/n), Pos: int64(10000 + 97*j + rng.IntN(50)),
			EffectAllele: "ACGT"[j%4 : j%4+1], OtherAllele: "ACGT"[(j+1)%4 : (j+1)%4+1], Weight: w, Line: j + 10, EffectFreq: math.NaN()})
	}
	r := newResult(&s, "GRCh38", &cohort{})
	r.alleles = newAlleleTable()
	r.matches.ensure(0, n)
	for j := range n {
		if j%11 == 0 {
			continue
		}
		v := s.Variants.Locus(j)
		alt := r.alleles.id([]byte(v.EffectAllele))
		miss := 0
		if rng.IntN(3) == 0 {
			miss = rng.IntN(30)
		}
		*r.matches.at(j) = match{freq: float64(rng.IntN(40000)) / float64(40000-miss), missing: int32(miss),
			ref: r.alleles.id([]byte(v.OtherAllele)), alts: alt, alt: alt, index: 1, orient: uint8(rng.IntN(2))}
	}
	return r
}

// BenchmarkWriteMatches writes the risk_matches rows of a 100,000-variant
// score.
func BenchmarkWriteMatches(b *testing.B) {
	r := benchResult(100000)
	dir := b.TempDir()
	st, err := store.Open(dir, store.Config{Create: true})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		tx, err := st.Begin(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		alloc := &genotypes.DenseBuffers{}
		w, err := tx.CreateTable(TableMatches, "m.parquet", matchesSchema, matchesProps(alloc))
		if err != nil {
			b.Fatal(err)
		}
		if err := writeMatches(w, r, alloc); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(""); err != nil {
			b.Fatal(err)
		}
		if fs, _ := filepath.Glob(filepath.Join(dir, "*", "*", "m.parquet")); len(fs) == 1 {
			if fi, err := os.Stat(fs[0]); err == nil {
				b.ReportMetric(float64(fi.Size()), "file-bytes")
			}
		}
		tx.Rollback()
	}
}

// TestMatchesTableRows: the risk_matches rows read back from the store are
// the matches as computed, column by column, for every kind of match
// (direct, swapped, flipped, multi-allelic, ambiguous resolved and
// dropped, no site, other alleles at two records), rsIDs of both forms
// and none, dominant and recessive weights.
func TestMatchesTableRows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	n := 120
	samples := sampleNames(n)
	gts := func(alts int) []string {
		g := make([]string, n)
		for i := range g {
			g[i] = []string{"0/0", "0/1", "1/1", "./.", "0/0"}[i%5]
			if alts > 1 && i%7 == 0 {
				g[i] = "1/2"
			}
		}
		return g
	}
	sites := []testSite{
		{pos: 100, ref: "A", alts: []string{"G"}, gts: gts(1)},
		{pos: 200, ref: "A", alts: []string{"G"}, gts: gts(1)},
		{pos: 300, ref: "A", alts: []string{"G"}, gts: gts(1)},
		{pos: 400, ref: "C", alts: []string{"T", "G"}, gts: gts(2)},
		{pos: 500, ref: "A", alts: []string{"T"}, gts: gts(1)},
		{pos: 600, ref: "C", alts: []string{"G"}, gts: gts(1)},
		{pos: 700, ref: "A", alts: []string{"C"}, gts: gts(1)},
		{pos: 700, ref: "AT", alts: []string{"A"}, gts: gts(1)},
	}
	storeDir, gs := cohortStore(t, writeCohortVCF(t, dir, "c.vcf", samples, sites, nil))
	score := smallScore(t, dir, "s.txt", "#pgs_id=ROWS\n#genome_build=GRCh37\n"+
		"rsID\tchr_name\tchr_position\teffect_allele\tother_allele\teffect_weight\tis_dominant\tis_recessive\tallelefrequency_effect\n"+
		"rs11\t22\t100\tG\tA\t0.5\tFALSE\tFALSE\t\n"+ // direct
		"esv2\t22\t200\tA\tG\t-0.25\tTRUE\tFALSE\t\n"+ // swapped, dominant
		"\t22\t300\tC\tT\t1.5\tFALSE\tTRUE\t\n"+ // flipped, recessive
		"rs44\t22\t400\tG\t\t2\tFALSE\tFALSE\t\n"+ // multi-allelic: the second ALT
		"rs55\t22\t500\tT\tA\t1\tFALSE\tFALSE\t0.9\n"+ // ambiguous, resolved
		"rs66\t22\t600\tG\tC\t1\tFALSE\tFALSE\t0.5\n"+ // ambiguous, dropped
		"rs77\t22\t700\tTT\tT\t1\tFALSE\tFALSE\t\n"+ // other alleles at two records
		"rs88\t22\t800\tG\tA\t1\tFALSE\tFALSE\t\n") // no site
	res, err := Score(ctx, gs, stewardPermit(t, gs), []*pgs.Score{score}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(storeDir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(ctx, st, res); err != nil {
		t.Fatal(err)
	}
	r := res[0]
	want := []struct {
		orient         Orientation
		rsid, alt, why string
	}{
		{Direct, "rs11", "G", ""}, {Swapped, "esv2", "A", ""}, {Flipped, "", "G", ""}, {Direct, "rs44", "G", ""},
		{AmbiguousResolved, "rs55", "A", ""}, {AmbiguousDropped, "rs66", "", ambiguousWhys[2]},
		{AlleleMismatch, "rs77", "", "store has A>C and AT>A, the file TT/T"}, {NoSite, "rs88", "", whyNoSiteText},
	}
	cols := []string{"score_id", "line", "rsid", "chrom", "pos", "effect_allele", "other_allele", "weight", "is_dominant", "is_recessive",
		"match", "reason", "store_ref", "store_alts", "store_allele", "allele_index", "cohort_freq", "missing_genotypes"}
	j := 0
	for _, f := range st.Manifest().Tables[TableMatches] {
		err := rows.ScanFile(ctx, st.Path(f), cols, func(row *rows.Row) error {
			m := r.Match(j)
			v := m.Variant
			got := []any{row.Str(0), row.I64(1), row.Str(2), row.Str(3), row.I64(4), row.Str(5), row.Str(6), row.F64(7), row.Bool(8), row.Bool(9),
				Orientation(row.Str(10)), row.Str(11), row.Str(12), row.Str(13), row.Str(14), row.I64(15), row.F64p(16) == nil, row.I64(17)}
			exp := []any{"ROWS", int64(v.Line), v.RsID, v.Chrom, v.Pos, v.EffectAllele, v.OtherAllele, v.Weight, v.Dominant, v.Recessive,
				m.Orient, m.Why, m.Ref, m.Alts, m.Alt, int64(m.Index), math.IsNaN(m.CohortFreq), int64(m.Missing)}
			if d := cmp.Diff(exp, got); d != "" {
				t.Errorf("row %d (-computed +stored):\n%s", j, d)
			}
			if w := want[j]; m.Orient != w.orient || v.RsID != w.rsid || m.Alt != w.alt || m.Why != w.why {
				t.Errorf("row %d: %s %q %q %q, want %+v", j, m.Orient, v.RsID, m.Alt, m.Why, w)
			}
			j++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if j != len(want) {
		t.Fatalf("%d rows, want %d", j, len(want))
	}
}
