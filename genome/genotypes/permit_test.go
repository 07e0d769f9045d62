package genotypes

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/genome"
)

// allPermit logs a steward access to every sample of s and returns its
// permit.
func allPermit(t testing.TB, s *Store) access.Permit {
	t.Helper()
	g, err := access.OpenSteward(context.Background(), s.Base(), access.StewardAccess{Actor: "test-steward", Scope: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestReadersNeedAPermit: the person-level readers refuse without a permit
// covering what they are asked for (issue 8, access in the libraries).
func TestReadersNeedAPermit(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "store")
	if _, err := Ingest(ctx, dir, []string{writeVCF(t, tmp, "a.vcf", testVCF)}, IngestConfig{}); err != nil {
		t.Fatal(err)
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	loci := []genome.Locus{{Chrom: "chr10", Pos: 100}}
	if _, err := s.Lookup(ctx, nil, "A", loci); !errors.Is(err, ErrNoPermit) {
		t.Errorf("Lookup without a permit: %v", err)
	}
	if _, err := s.SitesAt(ctx, nil, loci, nil); !errors.Is(err, ErrNoPermit) {
		t.Errorf("SitesAt without a permit: %v", err)
	}
	if _, err := s.Lookup(ctx, access.Permit{}, "A", loci); !errors.Is(err, access.ErrNotPermitted) {
		t.Errorf("Lookup with the zero permit: %v", err)
	}
	onlyA, err := access.OpenSteward(ctx, s.Base(), access.StewardAccess{Actor: "op", Scope: "lookup", Samples: []string{"A"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(ctx, onlyA, "A", loci); err != nil {
		t.Errorf("Lookup of the permitted sample: %v", err)
	}
	if _, err := s.Lookup(ctx, onlyA, "B", loci); !errors.Is(err, access.ErrNotPermitted) {
		t.Errorf("Lookup of another sample: %v", err)
	}
	if _, err := s.SitesAt(ctx, onlyA, loci, nil); !errors.Is(err, access.ErrNotPermitted) {
		t.Errorf("SitesAt of every sample with a one-sample permit: %v", err)
	}
	if _, err := s.SitesAt(ctx, onlyA, loci, []string{"A"}); err != nil {
		t.Errorf("SitesAt of the permitted sample: %v", err)
	}
	for _, err := range s.Region(ctx, onlyA, "chr10", 1, 1000, nil) {
		if !errors.Is(err, access.ErrNotPermitted) {
			t.Errorf("Region of every sample with a one-sample permit: %v", err)
		}
		break
	}
	if err := s.Scan(ctx, onlyA, loci, ScanConfig{}, func(SampleGenotypes) error { return nil }); !errors.Is(err, access.ErrNotPermitted) {
		t.Errorf("Scan of every sample with a one-sample permit: %v", err)
	}
	if _, err := s.RegionRecords(ctx, onlyA, "chr10", 1, 1000, []string{"B"}, 0, nil); !errors.Is(err, access.ErrNotPermitted) {
		t.Errorf("RegionRecords of another sample: %v", err)
	}
}
