package risk

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome/genotypes"
	"github.com/varamu/varamu/internal/testref"
	"github.com/varamu/varamu/risk/pgs"
)

// reference returns a file of ../shared/reference/pgs (skipped outside CI
// when absent, a failure under CI).
func reference(t testing.TB, name string) string {
	t.Helper()
	return testref.Path(t, "pgs/"+name)
}

// siteKind is how a test record relates to the scoring variant at its
// position.
type siteKind int

const (
	kindDirect siteKind = iota
	kindSwapped
	kindFlipped
	kindMulti
	kindMismatch
	kindAbsent
)

// testSite is one record of a generated cohort VCF.
type testSite struct {
	pos  int64
	ref  string
	alts []string
	kind siteKind
	gts  []string
}

func (s testSite) id() string {
	return fmt.Sprintf("22:%d:%s:%s", s.pos, s.ref, strings.Join(s.alts, ","))
}

// makeSites designs one record per scoring variant (or none), covering
// every matching case, with genotypes for n samples: 2% missing, 1%
// half-calls.
func makeSites(vs []pgs.Variant, n int, seed uint64) []testSite {
	rng := rand.New(rand.NewPCG(seed, 7))
	var out []testSite
	for _, v := range vs {
		e, o := v.EffectAllele, v.OtherAllele
		s := testSite{pos: v.Pos, ref: o, alts: []string{e}, kind: kindDirect}
		switch r := rng.Float64(); {
		case r < 0.04:
			continue
		case r < 0.07:
			s.alts, s.kind = []string{o + "C"}, kindMismatch
		case r < 0.15:
			s.ref, s.alts, s.kind = e, []string{o}, kindSwapped
		case r < 0.25 && !Ambiguous(e, o):
			s.ref, s.alts, s.kind = complement(o), []string{complement(e)}, kindFlipped
		case r < 0.32:
			s.alts, s.kind = []string{o + "G", e}, kindMulti
		}
		p := 0.05 + 0.9*rng.Float64()
		for range n {
			s.gts = append(s.gts, drawGT(rng, p, len(s.alts)))
		}
		out = append(out, s)
	}
	return out
}

func drawGT(rng *rand.Rand, p float64, nAlts int) string {
	switch r := rng.Float64(); {
	case r < 0.02:
		return "./."
	case r < 0.03:
		return fmt.Sprintf("./%d", nAlts)
	}
	draw := func() int {
		if rng.Float64() >= p {
			return 0
		}
		if nAlts > 1 && rng.Float64() < 0.2 {
			return 1
		}
		return nAlts
	}
	sep := "/"
	if rng.Float64() < 0.5 {
		sep = "|"
	}
	return fmt.Sprintf("%d%s%d", draw(), sep, draw())
}

func sampleNames(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("S%03d", i+1)
	}
	return out
}

// writeCohortVCF writes a GRCh37 VCF of the sites (and extra lines, already
// formatted) and returns its path.
func writeCohortVCF(t testing.TB, dir, name string, samples []string, sites []testSite, extra []string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("##fileformat=VCFv4.2\n##reference=GRCh37\n##contig=<ID=22,length=51304566>\n")
	b.WriteString("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n")
	b.WriteString("#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + strings.Join(samples, "\t") + "\n")
	for _, s := range sites {
		fmt.Fprintf(&b, "22\t%d\t%s\t%s\t%s\t.\tPASS\t.\tGT\t%s\n", s.pos, s.id(), s.ref, strings.Join(s.alts, ","), strings.Join(s.gts, "\t"))
	}
	for _, l := range extra {
		b.WriteString(l + "\n")
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// cohortStore ingests a VCF into a new store and opens it.
func cohortStore(t testing.TB, vcf string) (string, *genotypes.Store) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "store")
	if _, err := genotypes.Ingest(context.Background(), dir, []string{vcf}, genotypes.IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	gs, err := genotypes.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, gs
}

// readScore reads a scoring file or fails the test.
func readScore(t testing.TB, path string) *pgs.Score {
	t.Helper()
	s, err := pgs.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fmtInt(i int) string { return fmt.Sprint(i) }

func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// stewardPermit logs a steward access to every sample of gs, as a scoring
// job must before it reads genotypes, and returns its permit.
func stewardPermit(t testing.TB, gs *genotypes.Store) access.Permit {
	t.Helper()
	g, err := access.OpenSteward(context.Background(), gs.Base(), access.StewardAccess{Actor: "risk-test", Scope: "risk score (test)"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}
