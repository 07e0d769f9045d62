package genotypes

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/genome/vcf"
)

// checkSampleNames refuses sample names the store cannot serve: a comma
// (view -s takes a comma-separated list), control characters, and two
// names that differ only by letter case, within the file or against a
// sample already in the store (S000123 and s000123 would be told apart by
// nobody reading a report). A name equal to a stored one is left to the
// duplicate-sample rule (--replace).
func checkSampleNames(file string, h *vcf.Header, existing map[string]int) error {
	bad := func(sample, format string, args ...any) error {
		return &vcf.ParseError{File: file, Line: h.ChromLine, Sample: sample, Err: fmt.Errorf("%w: "+format, append([]any{ErrSampleName}, args...)...)}
	}
	folded := make(map[string]string, len(existing)+len(h.Samples))
	for s := range existing {
		folded[strings.ToLower(s)] = s
	}
	inFile := make(map[string]string, len(h.Samples))
	for _, s := range h.Samples {
		if strings.ContainsRune(s, ',') {
			return bad(s, "holds a comma (sample lists are comma-separated)")
		}
		if strings.IndexFunc(s, func(r rune) bool {
			return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar
		}) >= 0 {
			return bad(s, "holds a control character")
		}
		low := strings.ToLower(s)
		if other, ok := inFile[low]; ok {
			return bad(s, "differs from sample %s of the same file only by letter case", other)
		}
		inFile[low] = s
		if other, ok := folded[low]; ok && other != s {
			return bad(s, "differs from sample %s already in the store only by letter case", other)
		}
	}
	return nil
}

// checkDuplicate refuses a record with the same position, REF and ALT as
// an earlier record of the batch (records are sorted, so it is at the same
// position as the last one).
func (w *batchWriter) checkDuplicate(s *site) error {
	if s.pos != w.lastPos || w.atPos == nil {
		clear(w.atPos)
		if w.atPos == nil {
			w.atPos = map[string]int{}
		}
	}
	key := s.ref + ">" + strings.Join(s.alts, ",")
	if s.block {
		key = "block " + key
	}
	if first, dup := w.atPos[key]; dup {
		return &vcf.ParseError{File: w.name, Line: s.line, Column: "POS",
			Err: fmt.Errorf("%w: %s:%d %s>%s is also on line %d", ErrDuplicateRecord, s.chrom, s.pos, s.ref, strings.Join(s.alts, ","), first)}
	}
	w.atPos[key] = s.line
	return nil
}

// checkContig refuses a contig that is not a sequence of the build: one
// that is neither a primary chromosome nor, declared with a length in the
// header, a scaffold, alternate locus, decoy or HLA sequence of the GRC
// analysis sets (genome.IsAssemblyContig). "chrZZ" is refused, declared or
// not.
func (w *batchWriter) checkContig(s *site) error {
	if genome.IsPrimary(s.chrom) {
		return nil
	}
	var why string
	switch {
	case !genome.IsAssemblyContig(s.chrom):
		why = "not a primary chromosome or a scaffold, alternate, decoy or HLA sequence of GRCh38/GRCh37"
	case w.hdr.ContigLength(s.chrom) == 0:
		why = "no ##contig line declares it with a length"
	default:
		return nil
	}
	return &vcf.ParseError{File: w.name, Line: s.line, Column: "CHROM",
		Err: fmt.Errorf("%s: %w (%s)", s.chrom, ErrUnknownContig, why)}
}
