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

// VCFConfig are the optional settings of CallVCF.
type VCFConfig struct {
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
func (c *Caller) CallVCF(ctx context.Context, r *vcf.Reader, opt VCFConfig) (pharmacogenomics.CallSet, error) {
	hdr := r.Header()
	if hdr.Build != genome.UnknownBuild && hdr.Build != genome.GRCh38 {
		return pharmacogenomics.CallSet{}, fmt.Errorf("calling: %s is on %s; the definitions are on GRCh38", r.Name(), hdr.Build)
	}
	sel, err := selectSamples(hdr.Samples, r.Name(), opt.Samples)
	if err != nil {
		return pharmacogenomics.CallSet{}, err
	}
	kept, err := c.keepLines(ctx, r, sel[0])
	if err != nil {
		return pharmacogenomics.CallSet{}, err
	}
	return c.callKept(ctx, hdr, kept, sel, opt)
}

// selectSamples returns the column indices of the samples asked for, in
// the order asked (every sample, in header order, when none is).
func selectSamples(samples []string, file string, want []string) ([]int, error) {
	var sel []int
	if len(want) == 0 {
		for i := range samples {
			sel = append(sel, i)
		}
	}
	for _, s := range want {
		i := slices.Index(samples, s)
		if i < 0 {
			return nil, fmt.Errorf("calling: sample %q is not in %s", s, file)
		}
		sel = append(sel, i)
	}
	if len(sel) == 0 {
		return nil, fmt.Errorf("calling: %s has no samples", file)
	}
	return sel, nil
}

// keptLine is a VCF record that covers some of the caller's loci.
type keptLine struct {
	rec  *vcf.Record
	loci []int
}

// lociIndex maps the chromosome spellings a VCF may use ("chr1", "1",
// "Chr1"; "MT" for chrM) to the caller's, and lists per chromosome the
// indices of its loci, sorted by position.
func (c *Caller) lociIndex() (byChrom map[string][]int, chromKey map[string]string) {
	byChrom, chromKey = map[string][]int{}, map[string]string{}
	for i, l := range c.loci {
		byChrom[l.Chrom] = append(byChrom[l.Chrom], i)
		for _, raw := range []string{l.Chrom, l.Chrom[3:], "Chr" + l.Chrom[3:]} {
			chromKey[raw] = l.Chrom
		}
		if l.Chrom == "chrM" {
			chromKey["MT"], chromKey["chrMT"] = l.Chrom, l.Chrom
		}
	}
	return byChrom, chromKey
}

// keepLines reads the VCF in one pass and keeps (a copy of) each line that
// covers a locus; sample columns are decoded later, per sample, so memory
// stays at the text of the kept lines. probeSample is decoded once per
// kept line so that the sample columns are split before workers share it.
func (c *Caller) keepLines(ctx context.Context, r *vcf.Reader, probeSample int) ([]keptLine, error) {
	hdr := r.Header()
	byChrom, chromKey := c.lociIndex()
	var kept []keptLine
	var batch vcf.LineBatch
	var tmp vcf.Record
	var probe genome.Genotype
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		err := r.ReadBatch(&batch, 1<<20)
		if errors.Is(err, io.EOF) {
			return kept, nil
		}
		if err != nil {
			return nil, err
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
				return nil, err
			}
			hit := c.lociHit(byChrom[chrom], tmp.Pos, max(tmp.End(), tmp.Pos))
			if len(hit) == 0 {
				continue
			}
			rec := new(vcf.Record)
			if err := vcf.ParseLine(hdr, r.Name(), no, bytes.Clone(line), rec); err != nil {
				return nil, err
			}
			if err := rec.Genotype(probeSample, &probe); err != nil {
				return nil, err
			}
			kept = append(kept, keptLine{rec: rec, loci: hit})
		}
	}
}

// lociHit returns the loci among idx (sorted by position) in [pos, end].
func (c *Caller) lociHit(idx []int, pos, end int64) []int {
	k, _ := slices.BinarySearchFunc(idx, pos, func(li int, pos int64) int {
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
	return hit
}

// callKept calls the selected samples from the kept lines with a bounded
// pool of workers.
func (c *Caller) callKept(ctx context.Context, hdr *vcf.Header, kept []keptLine, sel []int, opt VCFConfig) (pharmacogenomics.CallSet, error) {
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
			w := c.newSampleWorker(len(kept))
			for si := range jobs {
				name := hdr.Samples[sel[si]]
				subj := Subject{Sample: name, Sex: opt.Sex[name], Outside: opt.Outside}
				out.Samples[si], errs[si] = w.call(kept, sel[si], subj)
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

// sampleWorker decodes one sample at a time from the kept lines. Its
// buffers are reused from sample to sample: calls keep only strings, never
// the genotypes' slices.
type sampleWorker struct {
	c   *Caller
	gts [][]genome.Genotype
	buf []genome.Genotype
}

func (c *Caller) newSampleWorker(nKept int) *sampleWorker {
	return &sampleWorker{c: c, gts: make([][]genome.Genotype, len(c.loci)), buf: make([]genome.Genotype, nKept)}
}

// call decodes sample column i of the kept lines and calls every gene.
func (w *sampleWorker) call(kept []keptLine, i int, subj Subject) (pharmacogenomics.SampleCalls, error) {
	for l := range w.gts {
		w.gts[l] = w.gts[l][:0]
	}
	for ki, k := range kept {
		g := &w.buf[ki]
		if err := k.rec.Genotype(i, g); err != nil {
			return pharmacogenomics.SampleCalls{}, err
		}
		for _, l := range k.loci {
			w.gts[l] = append(w.gts[l], *g)
		}
	}
	return w.c.CallGenotypes(subj, w.gts)
}
