package synthvcf

import (
	"slices"

	"github.com/varamu/varamu/genome"
)

// grch38Lengths holds the lengths of the GRCh38 primary assembly sequences
// (GRC GRCh38.p14, GenBank GCA_000001405.29; identical in every GRCh38 patch
// release since they do not change the primary chromosomes), as listed in
// UCSC hg38.chrom.sizes.
var grch38Lengths = map[string]int64{
	"chr1": 248956422, "chr2": 242193529, "chr3": 198295559, "chr4": 190214555,
	"chr5": 181538259, "chr6": 170805979, "chr7": 159345973, "chr8": 145138636,
	"chr9": 138394717, "chr10": 133797422, "chr11": 135086622, "chr12": 133275309,
	"chr13": 114364328, "chr14": 107043718, "chr15": 101991189, "chr16": 90338345,
	"chr17": 83257441, "chr18": 80373285, "chr19": 58617616, "chr20": 64444167,
	"chr21": 46709983, "chr22": 50818468, "chrX": 156040895, "chrY": 57227415,
	"chrM": 16569,
}

// GRCh38 pseudoautosomal regions on chrX (1-based, inclusive), from the GRC
// assembly report: PAR1 chrX:10,001-2,781,479 and PAR2
// chrX:155,701,383-156,030,895. Males are diploid inside them.
const (
	par1Start, par1End = 10001, 2781479
	par2Start, par2End = 155701383, 156030895
)

// DefaultChromosomes returns the chromosomes random sites are spread over
// when Config.Chromosomes is empty: two large autosomes, chr10 (CYP2C9,
// CYP2C19), chr22 (CYP2D6) and chrX (haploid in males outside the PARs).
func DefaultChromosomes() []string {
	return []string{"chr1", "chr2", "chr10", "chr22", "chrX"}
}

// GRCh38Contig returns the GRCh38 contig for a chromosome name ("10",
// "chr10", "MT"), and false when the name is not a GRCh38 primary chromosome.
func GRCh38Contig(name string) (Contig, bool) {
	n := genome.NormalizeChrom(name)
	l, ok := grch38Lengths[n]
	return Contig{Name: n, Length: l}, ok
}

// inPAR reports whether pos on chrom lies in a pseudoautosomal region of
// chrX, where males carry two copies.
func inPAR(chrom string, pos int64) bool {
	if chrom != "chrX" {
		return false
	}
	return (pos >= par1Start && pos <= par1End) || (pos >= par2Start && pos <= par2End)
}

// haploidInMales reports whether males carry one copy of chrom at pos:
// chrX outside the PARs, chrY and chrM.
func haploidInMales(chrom string, pos int64) bool {
	switch chrom {
	case "chrX":
		return !inPAR(chrom, pos)
	case "chrY", "chrM":
		return true
	}
	return false
}

// sortContigs orders contigs 1..22, X, Y, M.
func sortContigs(cs []Contig) {
	slices.SortFunc(cs, func(a, b Contig) int {
		ra, sa := genome.ChromRank(a.Name)
		rb, sb := genome.ChromRank(b.Name)
		if ra != rb {
			return ra - rb
		}
		switch {
		case sa < sb:
			return -1
		case sa > sb:
			return 1
		}
		return 0
	})
}
