package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/varamu/varamu/genome"
)

// SitesAt returns the stored records that start at the given positions of
// one chromosome (positions sorted ascending), with the genotype codes of
// the named samples (all live samples when samples is empty), merged
// across batches by position, REF and ALT as Region merges them (MissingCode
// where a sample's batch lacks the record). Unlike Region it decodes only
// the records asked for, and walks each sample's stored calls once in site
// order instead of searching them per record: the site-major read of many
// positions × many samples that scoring needs. Records come in position
// order; memory is len(records) × len(samples) codes.
func (s *Store) SitesAt(ctx context.Context, chrom string, positions []int64, samples []string) ([]*Record, error) {
	if err := s.loadSamples(); err != nil {
		return nil, err
	}
	if len(samples) == 0 {
		samples = s.order
	}
	chrom = genome.NormalizeChrom(chrom)
	perBatch := map[int][]int{}
	for i, n := range samples {
		ref, ok := s.samples[n]
		if !ok {
			return nil, fmt.Errorf("%q: %w", n, ErrUnknownSample)
		}
		perBatch[ref.batch] = append(perBatch[ref.batch], i)
	}
	type key struct {
		pos       int64
		ref, alts string
	}
	merged := map[key]*Record{}
	var out []*Record
	bis := make([]int, 0, len(perBatch))
	for bi := range perBatch {
		bis = append(bis, bi)
	}
	slices.Sort(bis)
	for _, bi := range bis {
		recs, err := s.batchSitesAt(ctx, bi, chrom, positions, samples, perBatch[bi])
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			k := key{r.Pos, r.Ref, strings.Join(r.Alts, ",")}
			prev, ok := merged[k]
			if !ok {
				merged[k] = r
				out = append(out, r)
				continue
			}
			for _, i := range perBatch[bi] {
				prev.Codes[i] = r.Codes[i]
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *Record) int {
		switch {
		case a.Pos < b.Pos:
			return -1
		case a.Pos > b.Pos:
			return 1
		}
		return 0
	})
	return out, nil
}

// batchSitesAt reads one batch's records at positions; codes are filled
// for the samples at indices want of samples, MissingCode elsewhere.
func (s *Store) batchSitesAt(ctx context.Context, bi int, chrom string, positions []int64, samples []string, want []int) ([]*Record, error) {
	b := s.batches[bi]
	x, err := b.index(ctx)
	if err != nil {
		return nil, err
	}
	var sites, buf []int32
	for _, p := range positions {
		buf = x.overlapping(chrom, p, p, buf[:0])
		for _, site := range buf {
			if x.pos[site] == p && (len(sites) == 0 || sites[len(sites)-1] < site) {
				sites = append(sites, site)
			}
		}
	}
	if len(sites) == 0 {
		return nil, nil
	}
	slices.Sort(sites)
	sites = slices.Compact(sites)
	idxs := make([]int32, len(want))
	for j, i := range want {
		idxs[j] = s.samples[samples[i]].idx
	}
	calls, err := b.readCalls(ctx, idxs, sites[0], sites[len(sites)-1])
	if err != nil {
		return nil, err
	}
	recs := make([]*Record, len(sites))
	for k, site := range sites {
		r := &Record{Codes: make([]int32, len(samples))}
		if err := b.siteInfo(ctx, x, site, &r.SiteInfo, false); err != nil {
			return nil, err
		}
		r.Alts = slices.Clone(r.Alts)
		for i := range r.Codes {
			r.Codes[i] = MissingCode
		}
		recs[k] = r
	}
	// One walk per sample over its sorted exception sites.
	for j, i := range want {
		sc := calls[idxs[j]]
		p := 0
		for k, site := range sites {
			for p < len(sc.sites) && sc.sites[p] < site {
				p++
			}
			def := recs[k].DefaultGT
			if p < len(sc.sites) && sc.sites[p] == site {
				recs[k].Codes[i] = PhaseRelative(sc.codes[p], def)
			} else {
				recs[k].Codes[i] = b.expected(chrom, site, idxs[j], def)
			}
		}
	}
	return recs, ctx.Err()
}
