// Package genome holds the genotype types shared by the VCF reader
// (genome/vcf), the columnar genotype store (genome/genotypes) and the packages
// that consume genotypes (pharmacogenomics, risk).
//
// A Genotype is one sample's call at one VCF site, with its original allele
// indices (multi-allelic sites are not split here), and a State that tells the
// three cases pharmacogenomic calling must never confuse: a called genotype
// (including a called homozygous reference), a site that was looked at but
// not called (no-call), and a position that the data does not cover at all.
package genome

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Locus is a 1-based position on a normalised chromosome name ("chr10").
type Locus struct {
	Chrom string
	Pos   int64
}

func (l Locus) String() string { return l.Chrom + ":" + strconv.FormatInt(l.Pos, 10) }

// State says what the data knows about a sample at a position.
type State uint8

const (
	// NotCovered means no record and no reference block covers the position:
	// the data says nothing, and the position MUST NOT be read as reference.
	NotCovered State = iota
	// NoCall means a record or gVCF block covers the position but the
	// genotype is missing ("./." or ".").
	NoCall
	// HomRef means a record or a gVCF reference block calls the sample
	// homozygous (or hemizygous) reference at the position.
	HomRef
	// Called means a record calls at least one non-reference allele, or a
	// partly missing genotype such as "./1".
	Called
)

var stateNames = [...]string{"not-covered", "no-call", "hom-ref", "called"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Missing is the allele index of a missing allele ("." in a GT).
const Missing = -1

// Genotype is one sample's genotype at one VCF site.
type Genotype struct {
	Chrom string // normalised chromosome name
	Pos   int64  // 1-based position of the site (of the block start for gVCF blocks)
	End   int64  // last position covered (Pos+len(Ref)-1, or INFO/END of a gVCF block)
	ID    string // VCF ID column, "." when absent
	Ref   string
	Alts  []string // ALT alleles, in file order; symbolic alleles kept as written

	// Alleles holds the allele indices into [Ref, Alts...]: length 1 for a
	// haploid call, 2 for diploid; Missing for a "." allele. Empty when the
	// State is NotCovered.
	Alleles []int
	Phased  bool
	PS      int64 // phase set (FORMAT/PS); 0 when absent

	GQ int32     // genotype quality; -1 when absent
	DP int32     // read depth; -1 when absent
	AD []int32   // allelic depths, one per allele; nil when absent
	DS []float32 // dosage per ALT (FORMAT/DS); nil when absent
	GP []float32 // genotype probabilities (FORMAT/GP, in VCF order); nil when absent

	State State
}

// Allele returns the allele string of index i ("." for Missing).
func (g *Genotype) Allele(i int) string {
	switch {
	case i == Missing:
		return "."
	case i == 0:
		return g.Ref
	case i-1 < len(g.Alts):
		return g.Alts[i-1]
	}
	return "?"
}

// GT formats the genotype as VCF writes it: "0|1", "1/2", "./.", "1".
func (g *Genotype) GT() string {
	return FormatGT(g.Alleles, g.Phased)
}

// FormatGT formats allele indices as a VCF GT value.
func FormatGT(alleles []int, phased bool) string {
	if len(alleles) == 0 {
		return "."
	}
	var b strings.Builder
	for i, a := range alleles {
		if i > 0 {
			if phased {
				b.WriteByte('|')
			} else {
				b.WriteByte('/')
			}
		}
		if a == Missing {
			b.WriteByte('.')
		} else {
			b.WriteString(strconv.Itoa(a))
		}
	}
	return b.String()
}

// StateOf classifies allele indices: all missing is NoCall, all reference is
// HomRef, anything else Called.
func StateOf(alleles []int) State {
	if len(alleles) == 0 {
		return NoCall
	}
	missing, ref := 0, 0
	for _, a := range alleles {
		switch a {
		case Missing:
			missing++
		case 0:
			ref++
		}
	}
	switch {
	case missing == len(alleles):
		return NoCall
	case ref == len(alleles):
		return HomRef
	}
	return Called
}

// Absent reports whether a float FORMAT value is absent (NaN).
func Absent(f float32) bool { return math.IsNaN(float64(f)) }

// NormalizeChrom maps chromosome names to the store's canonical form:
// "chr" prefix, "chrM" for the mitochondrion ("MT", "M", "chrMT").
// Unplaced contigs and other names keep their spelling after the prefix.
func NormalizeChrom(name string) string {
	n := strings.TrimPrefix(name, "chr")
	n = strings.TrimPrefix(n, "Chr")
	switch n {
	case "M", "MT":
		return "chrM"
	}
	return "chr" + n
}

// IsPrimary reports whether a normalised chromosome name is one of the
// primary assembled chromosomes of the human reference (chr1-chr22, chrX,
// chrY, chrM), in every build.
func IsPrimary(chrom string) bool {
	switch chrom {
	case "chrX", "chrY", "chrM":
		return true
	}
	n, ok := strings.CutPrefix(chrom, "chr")
	if !ok || len(n) == 0 || len(n) > 2 || n[0] == '0' {
		return false
	}
	v := 0
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
		v = v*10 + int(c-'0')
	}
	return v >= 1 && v <= 22
}

// IsAssemblyContig reports whether a normalised contig name has the form of
// a sequence of the GRCh38 or GRCh37 analysis sets other than the primary
// chromosomes: unlocalised and unplaced scaffolds ("chr1_KI270706v1_random",
// "chrUn_GL000195v1", "GL000207.1"), alternate loci and patches ("_alt",
// "_fix"), decoys ("_decoy", "hs37d5"), Epstein-Barr virus ("chrEBV",
// "NC_007605") and HLA alleles ("HLA-A*01:01:01:01"). A name of another
// form (chrZZ) is not a sequence of the build.
func IsAssemblyContig(chrom string) bool {
	n := strings.TrimPrefix(chrom, "chr")
	for _, suffix := range []string{"_random", "_alt", "_fix", "_decoy"} {
		if strings.HasSuffix(n, suffix) {
			return true
		}
	}
	for _, prefix := range []string{"Un_", "HLA-", "GL0", "KI27", "NC_007605", "hs37d5"} {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	return n == "EBV"
}

// Build is a reference genome assembly.
type Build string

const (
	// GRCh37 is the 2009 assembly (hg19).
	GRCh37 Build = "GRCh37"
	// GRCh38 is the 2013 assembly (hg38).
	GRCh38 Build = "GRCh38"
	// UnknownBuild means the header did not say and contig lengths did not tell.
	UnknownBuild Build = ""
)

// chromLengths holds the lengths of the primary chromosomes per build,
// enough to tell the builds apart from VCF ##contig lines.
var chromLengths = map[Build]map[string]int64{
	GRCh37: {"chr1": 249250621, "chr2": 243199373, "chr10": 135534747, "chr22": 51304566, "chrX": 155270560, "chrY": 59373566, "chrM": 16569},
	GRCh38: {"chr1": 248956422, "chr2": 242193529, "chr10": 133797422, "chr22": 50818468, "chrX": 156040895, "chrY": 57227415, "chrM": 16569},
}

// BuildFromContig returns the build whose length of chrom equals length, or
// UnknownBuild when no build (or both) match.
func BuildFromContig(chrom string, length int64) Build {
	chrom = NormalizeChrom(chrom)
	var found Build
	for b, m := range chromLengths {
		if l, ok := m[chrom]; ok && l == length && chrom != "chrM" {
			if found != "" {
				return UnknownBuild
			}
			found = b
		}
	}
	return found
}

// BuildFromName recognises assembly names used in ##reference and
// ##contig assembly= values.
func BuildFromName(s string) Build {
	l := strings.ToLower(s)
	switch {
	case strings.Contains(l, "grch38"), strings.Contains(l, "hg38"), strings.Contains(l, "b38"):
		return GRCh38
	case strings.Contains(l, "grch37"), strings.Contains(l, "hg19"), strings.Contains(l, "b37"), strings.Contains(l, "hs37d5"), strings.Contains(l, "human_g1k_v37"):
		return GRCh37
	}
	return UnknownBuild
}

// ChromRank orders chromosomes 1..22, X, Y, M, then others by name.
func ChromRank(chrom string) (int, string) {
	n := strings.TrimPrefix(chrom, "chr")
	if v, err := strconv.Atoi(n); err == nil && v >= 1 && v <= 22 {
		return v, ""
	}
	switch n {
	case "X":
		return 23, ""
	case "Y":
		return 24, ""
	case "M":
		return 25, ""
	}
	return 26, n
}

// ParseRegion parses "chr10:94761900-94853000", "10:1000" or "chr10".
// End is inclusive; a missing end means the whole chromosome (math.MaxInt64).
func ParseRegion(s string) (chrom string, start, end int64, err error) {
	chrom, rest, hasRange := strings.Cut(s, ":")
	if chrom == "" {
		return "", 0, 0, fmt.Errorf("region %q: want chrom[:start[-end]]", s)
	}
	chrom = NormalizeChrom(chrom)
	if !hasRange {
		return chrom, 1, math.MaxInt64, nil
	}
	rest = strings.ReplaceAll(rest, ",", "")
	a, b, hasEnd := strings.Cut(rest, "-")
	start, err = strconv.ParseInt(a, 10, 64)
	if err != nil || start < 1 {
		return "", 0, 0, fmt.Errorf("region %q: start %q is not a positive integer", s, a)
	}
	end = start
	if hasEnd {
		if b == "" {
			end = math.MaxInt64
		} else if end, err = strconv.ParseInt(b, 10, 64); err != nil || end < start {
			return "", 0, 0, fmt.Errorf("region %q: end %q is not an integer >= start", s, b)
		}
	}
	return chrom, start, end, nil
}

// Genotype codes pack one diploid or haploid genotype into an int32 for the
// columnar store: bits 0-11 hold the first allele index + 1 (0 = missing),
// bits 12-23 the second allele index + 1 (0 = missing, 0xFFF = no second
// allele: haploid), bit 24 the phase. Allele indices up to MaxAlleleIndex
// fit.
const (
	// MaxAlleleIndex is the largest allele index a genotype code holds
	// (12 bits of index + 1, 0xFFF reserved for "no second allele"); a
	// record with more alleles MUST be refused, never truncated.
	MaxAlleleIndex = 0xFFF - 2

	gtHaploid = 0xFFF
	gtPhased  = 1 << 24
	// NoGT is the code of a sample column without GT (FORMAT lacks GT).
	NoGT int32 = 1 << 25
)

// EncodeDiploid returns the code of a diploid genotype a/b (a|b when phased).
func EncodeDiploid(a, b int, phased bool) int32 {
	c := int32(a+1) | int32(b+1)<<12
	if phased {
		c |= gtPhased
	}
	return c
}

// EncodeHaploid returns the code of a haploid genotype.
func EncodeHaploid(a int) int32 { return int32(a+1) | gtHaploid<<12 }

// EncodeGT encodes allele indices (length 1 or 2, Missing allowed). Any
// other ploidy encodes as NoGT.
func EncodeGT(alleles []int, phased bool) int32 {
	switch len(alleles) {
	case 1:
		return EncodeHaploid(alleles[0])
	case 2:
		return EncodeDiploid(alleles[0], alleles[1], phased)
	}
	return NoGT
}

// DecodeGT appends the allele indices of code to dst and reports phase.
// NoGT decodes to no alleles.
func DecodeGT(code int32, dst []int) ([]int, bool) {
	if code&NoGT != 0 {
		return dst, false
	}
	dst = append(dst, int(code&0xFFF)-1)
	if b := (code >> 12) & 0xFFF; b != gtHaploid {
		dst = append(dst, int(b)-1)
	}
	return dst, code&gtPhased != 0
}
