package calling

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
	"github.com/varamu/varamu/pharmacogenomics"
)

// VCFOptions are the optional settings of CallVCF.
type VCFOptions struct {
	// Samples limits calling to these samples (header order is kept); empty
	// means every sample of the file.
	Samples []string
	// Sex gives known sexes by sample; samples not listed are inferred from
	// chrX ploidy.
	Sex map[string]Sex
	// Outside calls, for every sample (OutsideCall.Sample "") or one.
	Outside []OutsideCall
	// Workers calls samples in parallel; zero means runtime.GOMAXPROCS.
	Workers int
}

// CallVCF reads a (multi-sample) VCF once, keeping only the records that
// cover the caller's loci, and calls every gene for every sample. Records
// are matched by normalised chromosome and position; gVCF reference blocks
// and deletions count for every locus they span. The VCF MUST be on GRCh38
// and normalised (left-aligned, as bcftools norm writes it) for indels to be
// recognised.
func (c *Caller) CallVCF(ctx context.Context, r *vcf.Reader, opt VCFOptions) (pharmacogenomics.CallSet, error) {
	hdr := r.Header()
	if hdr.Build != genome.UnknownBuild && hdr.Build != genome.GRCh38 {
		return pharmacogenomics.CallSet{}, fmt.Errorf("calling: %s is on %s; the definitions are on GRCh38", r.Name(), hdr.Build)
	}
	var sel []int
	if len(opt.Samples) == 0 {
		for i := range hdr.Samples {
			sel = append(sel, i)
		}
	} else {
		for _, s := range opt.Samples {
			i := slices.Index(hdr.Samples, s)
			if i < 0 {
				return pharmacogenomics.CallSet{}, fmt.Errorf("calling: sample %q is not in %s", s, r.Name())
			}
			sel = append(sel, i)
		}
	}
	if len(sel) == 0 {
		return pharmacogenomics.CallSet{}, fmt.Errorf("calling: %s has no samples", r.Name())
	}
	byChrom := map[string][]int{} // loci indices per chromosome, sorted by position
	for i, l := range c.loci {
		byChrom[l.Chrom] = append(byChrom[l.Chrom], i)
	}
	gts := make([][][]genome.Genotype, len(sel))
	for s := range gts {
		gts[s] = make([][]genome.Genotype, len(c.loci))
	}
	n := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return pharmacogenomics.CallSet{}, err
		}
		if n++; n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return pharmacogenomics.CallSet{}, err
			}
		}
		idx := byChrom[rec.Chrom]
		if len(idx) == 0 {
			continue
		}
		end := max(rec.End(), rec.Pos)
		k, _ := slices.BinarySearchFunc(idx, rec.Pos, func(li int, pos int64) int {
			switch {
			case c.loci[li].Pos < pos:
				return -1
			case c.loci[li].Pos > pos:
				return 1
			}
			return 0
		})
		if k >= len(idx) || c.loci[idx[k]].Pos > end {
			continue
		}
		for si, i := range sel {
			var g genome.Genotype
			if err := rec.Genotype(i, &g); err != nil {
				return pharmacogenomics.CallSet{}, err
			}
			for j := k; j < len(idx) && c.loci[idx[j]].Pos <= end; j++ {
				gts[si][idx[j]] = append(gts[si][idx[j]], g)
			}
		}
	}
	out := pharmacogenomics.CallSet{DataVersion: c.DataVersion(), Samples: make([]pharmacogenomics.SampleCalls, len(sel))}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jobs := make(chan int)
	errs := make([]error, len(sel))
	var wg sync.WaitGroup
	for range min(workers, len(sel)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for si := range jobs {
				name := hdr.Samples[sel[si]]
				subj := Subject{Sample: name, Sex: opt.Sex[name], Outside: opt.Outside}
				out.Samples[si], errs[si] = c.CallGenotypes(subj, gts[si])
				gts[si] = nil
			}
		}()
	}
	for si := range sel {
		if ctx.Err() != nil {
			break
		}
		jobs <- si
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return pharmacogenomics.CallSet{}, err
	}
	return out, errors.Join(errs...)
}
