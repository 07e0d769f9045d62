package genotypes

import (
	"bufio"
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/varamu/varamu/genome"
)

// WriteVCF writes the records of chrom:start-end for the named samples (all
// live samples when empty) as VCF 4.3 text with GT as the only FORMAT field:
// the same records and genotypes as `bcftools view -r REGION -s SAMPLES` on
// the source file. Chromosome names are written normalised ("chr10"),
// including in ##contig lines. As bcftools does, when samples are chosen
// the INFO/AC and INFO/AN values present in a record are recomputed for
// them, unless opt.NoUpdate is set.
func (s *Store) WriteVCF(ctx context.Context, g Permit, w io.Writer, chrom string, start, end int64, samples []string, opt ViewOptions) error {
	if err := s.loadSamples(); err != nil {
		return err
	}
	update := len(samples) > 0 && !opt.NoUpdate
	if len(samples) == 0 {
		samples = s.order
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := s.writeHeader(bw, samples); err != nil {
		return err
	}
	var line []byte
	var alleles []int
	for rec, err := range s.Region(ctx, g, chrom, start, end, samples) {
		if err != nil {
			return err
		}
		line = line[:0]
		line = append(line, rec.Chrom...)
		line = append(line, '\t')
		line = strconv.AppendInt(line, rec.Pos, 10)
		line = append(line, '\t')
		line = append(line, rec.ID...)
		line = append(line, '\t')
		line = append(line, rec.Ref...)
		line = append(line, '\t')
		if len(rec.Alts) == 0 {
			line = append(line, '.')
		}
		for i, a := range rec.Alts {
			if i > 0 {
				line = append(line, ',')
			}
			line = append(line, a...)
		}
		info := rec.Info
		if update {
			info = updateACAN(info, rec.Codes, len(rec.Alts), alleles)
		}
		for _, f := range []string{rec.Qual, rec.Filter, info} {
			line = append(line, '\t')
			line = append(line, f...)
		}
		line = append(line, "\tGT"...)
		for _, c := range rec.Codes {
			line = append(line, '\t')
			alleles, phased := genome.DecodeGT(c, alleles[:0])
			line = append(line, genome.FormatGT(alleles, phased)...)
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ViewOptions tune WriteVCF. The zero value behaves as bcftools view.
type ViewOptions struct {
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

func (s *Store) writeHeader(bw *bufio.Writer, samples []string) error {
	bw.WriteString("##fileformat=VCFv4.3\n")
	seen := map[string]bool{"fileformat": true}
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
			bw.WriteString("##")
			bw.WriteString(m)
			bw.WriteByte('\n')
		}
	}
	if !hasGT {
		bw.WriteString("##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype\">\n")
	}
	bw.WriteString("##source=varamu view\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT")
	for _, n := range samples {
		bw.WriteByte('\t')
		bw.WriteString(n)
	}
	_, err := bw.WriteString("\n")
	return err
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
