package synth

// Haplotype frequencies of named star alleles per gene, chosen so that the
// share of people with a non-normal (actionable) phenotype reproduces the
// Estonian Biobank figures.
//
// Source of the targets: Reisberg et al., Genet Med 2019;21:1345-54
// (PMID 30327539), Table 2, as summarised in ../shared/reference/facts.md:
// CYP2C19 63.7% (rapid and ultrarapid counted), UGT1A1 59.0%, VKORC1 57.4%,
// SLCO1B1 40.1%, CYP2C9 28.4%, CYP2D6 7.65%, TPMT 6.4%, DPYD 0.92%.
// European allele frequencies from the same facts (gnomAD/PharmVar, approx.)
// fix the ratios between alleles of a gene; the totals are then scaled so
// that, under Hardy-Weinberg equilibrium, 1 - p(normal allele)^2 equals the
// target (the remainder allele of each gene has normal function):
//
//	CYP2C19  *2 : *17 = 0.15 : 0.21, p(*1) = sqrt(1-0.637)  = 0.6025
//	CYP2C9   *2 : *3  = 0.13 : 0.07, p(*1) = sqrt(1-0.284)  = 0.8462
//	VKORC1   T = 1 - sqrt(1-0.574) = 0.3473
//	SLCO1B1  decreased (*15, *5) = 1 - sqrt(1-0.401) = 0.2261; *37 (normal) 0.20
//	UGT1A1   decreased (*80+*28, *28) = 1 - sqrt(1-0.590) = 0.3597
//	TPMT     no function (*3A, *3C) = 1 - sqrt(1-0.064) = 0.0325
//	DPYD     decreased (*2A, c.2846A>T) = 1 - sqrt(1-0.0092) = 0.00461
//	CYP2D6   poor (*4, *5) 0.21 and ultrarapid (*1x2) 0.02: PM 4.4% + UM ~3.3%
//
// Genes without a target carry common European variants at approximately
// their published frequencies so that the demo shows them: CYP3A5*3 0.93
// (facts.md), ABCG2 rs2231142 T 0.10, CYP4F2*3 0.29, CYP2B6*6 0.25,
// CYP3A4*22 0.05, NUDT15*3 0.002, IFNL3 rs12979860 T 0.32. Other genes are
// reference (their rare alleles are not drawn).
//
// CalibrationVersion names this table; it is recorded in the output.
const CalibrationVersion = "reisberg2019-t2/v1"

type alleleFreq struct {
	name string
	freq float64
}

type geneFreqs struct {
	gene string
	// rest is the allele carried by haplotypes not drawn from alleles;
	// "" means the gene's reference allele.
	rest    string
	alleles []alleleFreq
	// target is the share of non-normal phenotypes the frequencies are
	// tuned to (0: no target); normal lists the phenotypes counted normal.
	target float64
	normal []string
}

// Table of the genes called from the VCF.
var vcfGenes = []geneFreqs{
	{gene: "CYP2C19", rest: "*1", alleles: []alleleFreq{{"*2", 0.1656}, {"*17", 0.2319}},
		target: 0.637, normal: []string{"Normal Metabolizer"}},
	{gene: "CYP2C9", alleles: []alleleFreq{{"*2", 0.1000}, {"*3", 0.0538}},
		target: 0.284, normal: []string{"Normal Metabolizer"}},
	{gene: "VKORC1", alleles: []alleleFreq{{"rs9923231 variant (T)", 0.3473}},
		target: 0.574, normal: []string{"-1639 GG"}},
	{gene: "SLCO1B1", alleles: []alleleFreq{{"*15", 0.2000}, {"*5", 0.0261}, {"*37", 0.2000}},
		target: 0.401, normal: []string{"Normal Function"}},
	{gene: "UGT1A1", alleles: []alleleFreq{{"*80+*28", 0.3300}, {"*28", 0.0297}},
		target: 0.590, normal: []string{"Normal Metabolizer"}},
	{gene: "TPMT", alleles: []alleleFreq{{"*3A", 0.0280}, {"*3C", 0.0045}},
		target: 0.064, normal: []string{"Normal Metabolizer"}},
	{gene: "DPYD", alleles: []alleleFreq{{"c.1905+1G>A (*2A)", 0.0020}, {"c.2846A>T", 0.0026}},
		target: 0.0092, normal: []string{"Normal Metabolizer"}},
	{gene: "CYP3A5", alleles: []alleleFreq{{"*3", 0.93}}},
	{gene: "ABCG2", alleles: []alleleFreq{{"rs2231142 variant (T)", 0.10}}},
	{gene: "CYP4F2", alleles: []alleleFreq{{"*3", 0.29}}},
	{gene: "CYP2B6", alleles: []alleleFreq{{"*6", 0.25}}},
	{gene: "CYP3A4", alleles: []alleleFreq{{"*22", 0.05}}},
	{gene: "NUDT15", alleles: []alleleFreq{{"*3", 0.002}}},
	{gene: "IFNL3", alleles: []alleleFreq{{"rs12979860 variant (T)", 0.32}}},
}

// cyp2d6 is drawn for the outside-calls file (CYP2D6 cannot be called from
// SNVs): *4 and *5 no function, *41 decreased, *1x2 duplication.
var cyp2d6 = geneFreqs{gene: "CYP2D6", rest: "*1",
	alleles: []alleleFreq{{"*2", 0.30}, {"*4", 0.18}, {"*5", 0.03}, {"*41", 0.09}, {"*1x2", 0.025}},
	target:  0.0765, normal: []string{"Normal Metabolizer", "Intermediate Metabolizer"}}
