package risk

import (
	"context"
	"fmt"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
)

// siteSource is the scorer's only read of genotypes: for each window of
// scoring loci, the stored records that start there, each giving one
// allele's dosages per cohort sample in cohort order (a dense, site-major
// vector). It is the seam between scoring and the genotype store's layout.
type siteSource interface {
	// window calls fn with the records at loci (sorted by chromosome and
	// position) for the samples. The records are valid only during fn.
	// window may be called from several goroutines at once.
	// buf, when not nil, is the calling lane's buffers, reused from one
	// window to its next.
	window(ctx context.Context, loci []genome.Locus, samples []string, buf *genotypes.DenseBuffers, fn func(recs []record) error) error
}

// record is one stored record as the scorer reads it: its fixed columns
// and its dosages.
type record struct {
	*genotypes.SiteInfo
	d dosager
}

// dosager decodes one allele's dosages of a record for the cohort
// (genotypes.DenseSite, or genotypes.Record in tests).
type dosager interface {
	Dosages(allele int, dst []genotypes.Dosage) []genotypes.Dosage
}

// storeSource reads a genome store under a permit through its dense
// site-major read (genotypes.DenseSitesAt).
type storeSource struct {
	gs     *genotypes.Store
	permit genotypes.Permit
}

func (s storeSource) window(ctx context.Context, loci []genome.Locus, samples []string, buf *genotypes.DenseBuffers, fn func([]record) error) error {
	err := s.gs.DenseSitesAtReusing(ctx, s.permit, loci, samples, buf, func(sites []*genotypes.DenseSite) error {
		recs := make([]record, len(sites))
		for i, ds := range sites {
			recs[i] = record{&ds.SiteInfo, ds}
		}
		return fn(recs)
	})
	if err != nil {
		return fmt.Errorf("risk: reading the genotypes: %w", err)
	}
	return nil
}
