package genotypes

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
)

// WriteVCF writes the records of chrom:start-end for the named samples (all
// live samples when empty) as VCF 4.3 text with GT as the only FORMAT field:
// the same records and genotypes as `bcftools view -r REGION -s SAMPLES` on
// the source file. Chromosome names are written normalised ("chr10"),
// including in ##contig lines. As bcftools does, when samples are chosen
// the INFO/AC and INFO/AN values present in a record are recomputed for
// them, unless opt.NoUpdate is set.
func (s *Store) WriteVCF(ctx context.Context, g Permit, w io.Writer, chrom string, start, end int64, samples []string, opt ViewConfig) error {
	if err := s.loadSamples(); err != nil {
		return err
	}
	update := len(samples) > 0 && !opt.NoUpdate
	if len(samples) == 0 {
		samples = s.order
	}
	vw, err := vcf.NewWriter(w, s.viewMeta(samples), samples)
	if err != nil {
		return err
	}
	line := vcf.Line{Format: "GT"}
	var alleles []int
	for rec, err := range s.Region(ctx, g, chrom, start, end, samples) {
		if err != nil {
			return err
		}
		line.Chrom, line.Pos, line.ID, line.Ref, line.Alts = rec.Chrom, rec.Pos, rec.ID, rec.Ref, rec.Alts
		line.Qual, line.Filter, line.Info = rec.Qual, rec.Filter, rec.Info
		if update {
			line.Info = updateACAN(rec.Info, rec.Codes, len(rec.Alts), alleles)
		}
		line.GT = rec.Codes
		if err := vw.Write(&line); err != nil {
			return err
		}
	}
	return vw.Close()
}

// ViewConfig tune WriteVCF. The zero value behaves as bcftools view.
type ViewConfig struct {
	// NoUpdate keeps INFO/AC and INFO/AN as stored (bcftools view -I).
	NoUpdate bool
}

// updateACAN rewrites the AC and AN keys of info, when present, for the
// genotypes in codes.
func updateACAN(info string, codes []int32, nAlts int, scratch []int) string {
	if info == "." || (!strings.Contains(info, "AC=") && !strings.Contains(info, "AN=")) {
		return info
	}
	ac := make([]int, nAlts)
	an := 0
	for _, c := range codes {
		scratch, _ = genome.DecodeGT(c, scratch[:0])
		for _, a := range scratch {
			if a == genome.Missing {
				continue
			}
			an++
			if a > 0 && a <= nAlts {
				ac[a-1]++
			}
		}
	}
	parts := strings.Split(info, ";")
	for i, p := range parts {
		switch {
		case strings.HasPrefix(p, "AC="):
			vals := make([]string, nAlts)
			for k, n := range ac {
				vals[k] = strconv.Itoa(n)
			}
			parts[i] = "AC=" + strings.Join(vals, ",")
		case strings.HasPrefix(p, "AN="):
			parts[i] = "AN=" + strconv.Itoa(an)
		}
	}
	return strings.Join(parts, ";")
}

// viewMeta returns the meta lines of the samples' batches, each once, with
// contig names normalised, a GT definition when none has one, and
// ##source=varamu view.
func (s *Store) viewMeta(samples []string) []string {
	var meta []string
	seen := map[string]bool{}
	hasGT := false
	for _, n := range samples {
		b := s.batches[s.samples[n].batch]
		for _, m := range b.b.Header {
			key, val, _ := strings.Cut(m, "=")
			if key == "fileformat" {
				continue
			}
			if key == "contig" {
				m = "contig=" + normaliseContigLine(val)
			}
			if seen[m] {
				continue
			}
			seen[m] = true
			if strings.HasPrefix(m, "FORMAT=<ID=GT,") {
				hasGT = true
			}
			meta = append(meta, m)
		}
	}
	if !hasGT {
		meta = append(meta, `FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">`)
	}
	return append(meta, "source=varamu view")
}

// normaliseContigLine rewrites the ID of a <ID=...,...> contig value.
func normaliseContigLine(v string) string {
	inner := strings.TrimSuffix(strings.TrimPrefix(v, "<"), ">")
	id, rest, _ := strings.Cut(inner, ",")
	if name, ok := strings.CutPrefix(id, "ID="); ok {
		id = "ID=" + genome.NormalizeChrom(name)
	}
	if rest != "" {
		return "<" + id + "," + rest + ">"
	}
	return "<" + id + ">"
}
