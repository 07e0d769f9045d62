package genotypes

import (
	"context"
	"crypto/sha256"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/store"
)

// siteCallsSum is the SHA-256 of each batch's site-major file.
func siteCallsSum(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][32]byte{}
	for _, f := range st.Manifest().Tables[TableSiteCalls] {
		b, err := os.ReadFile(st.Path(f))
		if err != nil {
			t.Fatal(err)
		}
		out[f.Part] = sha256.Sum256(b)
	}
	return out
}

// dropSiteCalls commits a manifest without the site-major tables, as an
// older varamu wrote it.
func dropSiteCalls(t *testing.T, dir string) {
	t.Helper()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := st.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if err := tx.Commit("test: drop site_calls", func(m *store.Manifest) error {
		delete(m.Tables, TableSiteCalls)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestAddSiteCallsEqualsIngest: the site-major table AddSiteCalls writes
// for a store ingested without one is byte for byte the one an ingest
// writes (two batches, several chunks, multi-allelic and haploid
// records); a store that has it is left alone; and the dense read from it
// equals SitesAt.
func TestAddSiteCallsEqualsIngest(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	tmp := t.TempDir()
	vcfs := []string{writeVCF(t, tmp, "a.vcf", cohortVCF(rng, 300, 700)), writeVCF(t, tmp, "b.vcf", testVCF)}
	cfg := IngestConfig{MemoryBudget: 256 * 300} // 256-site chunks
	a, b := filepath.Join(tmp, "a"), filepath.Join(tmp, "b")
	for _, dir := range []string{a, b} {
		if _, err := Ingest(ctx, dir, vcfs, cfg); err != nil {
			t.Fatal(err)
		}
	}
	want := siteCallsSum(t, a)
	if len(want) != 2 {
		t.Fatalf("%d site-major files, want one a batch", len(want))
	}
	dropSiteCalls(t, b)
	// A store ingested without the table (NoSiteCalls) gets the same.
	c := filepath.Join(tmp, "c")
	noSite := cfg
	noSite.NoSiteCalls = true
	if _, err := Ingest(ctx, c, vcfs, noSite); err != nil {
		t.Fatal(err)
	}
	if n := len(siteCallsSum(t, c)); n != 0 {
		t.Fatalf("NoSiteCalls: %d site-major files", n)
	}
	if _, err := AddSiteCalls(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	if got := siteCallsSum(t, c); !maps.Equal(got, want) {
		t.Errorf("the site-major files added to a store ingested without them differ from the ingested ones")
	}
	added, err := AddSiteCalls(ctx, b, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(added, []string{"b0001", "b0002"}) {
		t.Fatalf("added to %v", added)
	}
	got := siteCallsSum(t, b)
	for part, sum := range want {
		if got[part] != sum {
			t.Errorf("batch %s: the added site-major file differs from the ingested one", part)
		}
	}
	if added, err := AddSiteCalls(ctx, a, nil); err != nil || added != nil {
		t.Fatalf("a store with its tables: added %v, %v", added, err)
	}
	s, err := Open(b)
	if err != nil {
		t.Fatal(err)
	}
	var loci []genome.Locus
	for site := range 700 {
		loci = append(loci, genome.Locus{Chrom: "chr1", Pos: int64(1000 + 10*site)})
	}
	checkDenseEqualsSitesAt(t, s, loci, nil)
}
