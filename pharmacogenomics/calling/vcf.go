package calling

import (
	"bytes"
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
	chromKey := map[string]string{}
	for i, l := range c.loci {
		byChrom[l.Chrom] = append(byChrom[l.Chrom], i)
		for _, raw := range []string{l.Chrom, l.Chrom[3:], "Chr" + l.Chrom[3:]} {
			chromKey[raw] = l.Chrom
		}
		if l.Chrom == "chrM" {
			chromKey["MT"], chromKey["chrMT"] = l.Chrom, l.Chrom
		}
	}
	// One pass: keep (a copy of) each line that covers a locus; sample
	// columns are decoded later, per sample, so memory stays at the text of
	// the kept lines.
	type keptLine struct {
		rec  *vcf.Record
		loci []int
	}
	var kept []keptLine
	var batch vcf.LineBatch
	var tmp vcf.Record
	var probe genome.Genotype
	for {
		if err := ctx.Err(); err != nil {
			return pharmacogenomics.CallSet{}, err
		}
		err := r.ReadBatch(&batch, 1<<20)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return pharmacogenomics.CallSet{}, err
		}
		for li := 0; li < batch.Len(); li++ {
			line, no := batch.Line(li)
			tab := bytes.IndexByte(line, '\t')
			if tab < 0 {
				tab = len(line)
			}
			chrom, ok := chromKey[string(line[:tab])]
			if !ok {
				continue
			}
			if err := vcf.ParseLine(hdr, r.Name(), no, line, &tmp); err != nil {
				return pharmacogenomics.CallSet{}, err
			}
			idx := byChrom[chrom]
			end := max(tmp.End(), tmp.Pos)
			k, _ := slices.BinarySearchFunc(idx, tmp.Pos, func(li int, pos int64) int {
				switch {
				case c.loci[li].Pos < pos:
					return -1
				case c.loci[li].Pos > pos:
					return 1
				}
				return 0
			})
			var hit []int
			for j := k; j < len(idx) && c.loci[idx[j]].Pos <= end; j++ {
				hit = append(hit, idx[j])
			}
			if len(hit) == 0 {
				continue
			}
			rec := new(vcf.Record)
			if err := vcf.ParseLine(hdr, r.Name(), no, bytes.Clone(line), rec); err != nil {
				return pharmacogenomics.CallSet{}, err
			}
			// Decoding one sample splits the sample columns once, so that
			// the workers below only read the record.
			if err := rec.Genotype(sel[0], &probe); err != nil {
				return pharmacogenomics.CallSet{}, err
			}
			kept = append(kept, keptLine{rec: rec, loci: hit})
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
			gts := make([][]genome.Genotype, len(c.loci))
			// Decoding buffers are reused from sample to sample: calls keep
			// only strings, never the genotypes' slices.
			buf := make([]genome.Genotype, len(kept))
			for si := range jobs {
				for i := range gts {
					gts[i] = gts[i][:0]
				}
				i := sel[si]
				for ki, k := range kept {
					g := &buf[ki]
					if err := k.rec.Genotype(i, g); err != nil {
						errs[si] = err
						break
					}
					for _, l := range k.loci {
						gts[l] = append(gts[l], *g)
					}
				}
				if errs[si] != nil {
					continue
				}
				name := hdr.Samples[i]
				subj := Subject{Sample: name, Sex: opt.Sex[name], Outside: opt.Outside}
				out.Samples[si], errs[si] = c.CallGenotypes(subj, gts)
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
