package risk

import (
	"context"
	"fmt"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/genotypes"
)

// siteSource is the scorer's only read of genotypes: for each window of
// scoring loci, the stored records that start there, each with one
// genotype code per cohort sample in cohort order (a dense, site-major
// vector). It is the seam between scoring and the genotype store's
// layout: a faster site-major read path replaces storeSource alone.
type siteSource interface {
	// window calls fn with the records at loci (sorted by chromosome and
	// position) for the samples. The records are valid only during fn.
	window(ctx context.Context, loci []genome.Locus, samples []string, fn func(recs []*genotypes.Record) error) error
}

// storeSource reads a genome store under a permit (genotypes.SitesAt).
type storeSource struct {
	gs     *genotypes.Store
	permit genotypes.Permit
}

func (s storeSource) window(ctx context.Context, loci []genome.Locus, samples []string, fn func([]*genotypes.Record) error) error {
	recs, err := s.gs.SitesAt(ctx, s.permit, loci, samples)
	if err != nil {
		return fmt.Errorf("risk: reading the genotypes: %w", err)
	}
	return fn(recs)
}
