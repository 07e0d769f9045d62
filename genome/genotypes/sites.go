package genotypes

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/varamu/varamu/genome"
)

// SitesAt returns the stored records that start at the given loci (on any
// chromosomes), with the genotype codes of the named samples (all live
// samples when samples is empty), merged across batches by chromosome,
// position, REF and ALT as Region merges them (MissingCode where a sample's
// batch lacks the record). Unlike Region it decodes only the records asked
// for, reads each stored row group of calls once per call, and walks each
// sample's calls once in site order instead of searching them per record:
// the site-major read of many positions × many samples that scoring needs.
// Records come grouped by chromosome in the order the loci name them, by
// position within one; memory is len(records) × len(samples) codes.
func (s *Store) SitesAt(ctx context.Context, g Permit, loci []genome.Locus, samples []string) ([]*Record, error) {
	samples, perBatch, err := s.permittedByBatch(g, samples)
	if err != nil {
		return nil, err
	}
	merged := map[siteKey]*Record{}
	var out []*Record
	for bi, want := range perBatch {
		if len(want) == 0 {
			continue
		}
		recs, err := s.batchSitesAt(ctx, bi, loci, samples, want)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			k := keyOf(&r.SiteInfo)
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
	sortByLoci(out, loci, func(r *Record) *SiteInfo { return &r.SiteInfo })
	return out, nil
}

// batchSitesAt reads one batch's records at loci; codes are filled for the
// samples at indices want of samples, MissingCode elsewhere.
func (s *Store) batchSitesAt(ctx context.Context, bi int, loci []genome.Locus, samples []string, want []int) ([]*Record, error) {
	b := s.batches[bi]
	x, err := b.index(ctx)
	if err != nil {
		return nil, err
	}
	var sites, buf []int32
	for _, l := range loci {
		buf = x.overlapping(genome.NormalizeChrom(l.Chrom), l.Pos, l.Pos, buf[:0])
		for _, site := range buf {
			if x.pos[site] == l.Pos {
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
	calls, err := b.readCalls(ctx, idxs, b.chunksOf(sites))
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
				recs[k].Codes[i] = b.expected(recs[k].Chrom, site, idxs[j], def)
			}
		}
	}
	return recs, ctx.Err()
}

// permittedByBatch checks that g covers samples (all live samples when
// empty) and groups their indexes by the batch holding each, in batch
// order; it returns the samples it resolved.
func (s *Store) permittedByBatch(g Permit, samples []string) ([]string, [][]int, error) {
	if err := checkPermit(g, samples...); err != nil {
		return nil, nil, err
	}
	if err := s.loadSamples(); err != nil {
		return nil, nil, err
	}
	if len(samples) == 0 {
		samples = s.order
	}
	perBatch := make([][]int, len(s.batches))
	for i, n := range samples {
		ref, ok := s.samples[n]
		if !ok {
			return nil, nil, fmt.Errorf("%q: %w", n, ErrUnknownSample)
		}
		perBatch[ref.batch] = append(perBatch[ref.batch], i)
	}
	return samples, perBatch, nil
}

// siteKey says which records of different batches are one site: the same
// chromosome, position, REF and ALT alleles.
type siteKey struct {
	chrom     string
	pos       int64
	ref, alts string
}

func keyOf(info *SiteInfo) siteKey {
	return siteKey{info.Chrom, info.Pos, info.Ref, strings.Join(info.Alts, ",")}
}
