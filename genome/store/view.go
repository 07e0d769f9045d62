package store

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
// including in ##contig lines.
func (s *Store) WriteVCF(ctx context.Context, w io.Writer, chrom string, start, end int64, samples []string) error {
	if err := s.loadSamples(); err != nil {
		return err
	}
	if len(samples) == 0 {
		samples = s.order
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if err := s.writeHeader(bw, samples); err != nil {
		return err
	}
	var line []byte
	var alleles []int
	for rec, err := range s.Region(ctx, chrom, start, end, samples) {
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
		for _, f := range []string{rec.Qual, rec.Filter, rec.Info} {
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
