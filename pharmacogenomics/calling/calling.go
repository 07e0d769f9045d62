// Package calling calls pharmacogene diplotypes (star alleles and named
// variants) for a sample from its genotypes, the way PharmCAT's Named Allele
// Matcher does (definitions from package pharmacogenomics/alleles), and
// translates them to phenotypes (package pharmacogenomics/phenotype).
//
// Matching follows PharmCAT 3: a blank in a non-reference definition reads as
// the reference allele; an allele's score is the number of positions its
// definition names among the positions the sample has data for; alleles
// left with no such position are dropped; a diplotype's score is the sum of
// its alleles' scores and only the top-scoring diplotypes are kept, all of
// them when they tie (never one picked silently). Phased genotypes (same PS,
// or "|" without PS) are matched per haplotype; unphased genotypes allow
// every pair of haplotypes consistent with them. A position the data does
// not cover, or does not call, is missing: it is never read as reference.
//
// Beyond PharmCAT: genotype probabilities (FORMAT/GP, else DS, else GQ) give
// each call a confidence, the probability that every genotype used is right
// (a lower bound of the probability of the diplotype); calls below
// Config.MinConfidence are uncertain. Gene rules from CPIC
// (guidelines/phenotype-rules.md): DPYD variant by variant with the lowest
// function per chromosome; G6PD by sex (given, or inferred from chrX ploidy);
// RYR1/CACNA1S never "normal"; CYP2D6, HLA-A and HLA-B only from outside
// calls; MT-RNR1 from the chrM genotypes (haploid), or an outside call.
package calling

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
)

// Source gives a sample's genotypes at loci: for each locus every record
// that covers it (several when a multi-allelic site was split), or one
// genome.Genotype whose State says NotCovered. A NotCovered position MUST
// NOT be reported as HomRef.
type Source interface {
	Genotypes(ctx context.Context, sample string, loci []genome.Locus) ([][]genome.Genotype, error)
}

// SourceFunc adapts a function to Source, e.g. a genome store's Lookup:
// calling.SourceFunc(store.Lookup).
type SourceFunc func(ctx context.Context, sample string, loci []genome.Locus) ([][]genome.Genotype, error)

// Genotypes calls f.
func (f SourceFunc) Genotypes(ctx context.Context, sample string, loci []genome.Locus) ([][]genome.Genotype, error) {
	return f(ctx, sample, loci)
}

// Sex is a sample's sex for X-linked genes.
type Sex uint8

const (
	// SexUnknown means not given: inferred from chrX ploidy when possible.
	SexUnknown Sex = iota
	// Male has one X chromosome.
	Male
	// Female has two X chromosomes.
	Female
)

// String returns "male", "female" or "".
func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return ""
}

// ParseSex reads "male"/"m", "female"/"f" (any case) or "" / "unknown".
func ParseSex(s string) (Sex, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "male", "m":
		return Male, nil
	case "female", "f":
		return Female, nil
	case "", "unknown", "u":
		return SexUnknown, nil
	}
	return SexUnknown, fmt.Errorf("calling: sex %q: want male, female or unknown", s)
}

// DefaultMinConfidence is the confidence below which a call is uncertain
// when Config.MinConfidence is zero.
const DefaultMinConfidence = 0.9

// Config holds the optional settings of a Caller.
type Config struct {
	// MinConfidence: a call whose confidence is below it is Uncertain.
	// Zero means DefaultMinConfidence; it must be in [0, 1].
	MinConfidence float64
	// Genes restricts calling to these genes (case-insensitive); empty means
	// every gene.
	Genes []string
}

func (c *Config) validate(db *alleles.DB) error {
	if c.MinConfidence < 0 || c.MinConfidence > 1 || c.MinConfidence != c.MinConfidence {
		return fmt.Errorf("calling: min confidence %v: want a number in [0, 1]", c.MinConfidence)
	}
	if c.MinConfidence == 0 {
		c.MinConfidence = DefaultMinConfidence
	}
	for _, g := range c.Genes {
		if db.Gene(g) == nil {
			return fmt.Errorf("%w %q", ErrUnknownGene, g)
		}
	}
	return nil
}

// Subject is one sample to call.
type Subject struct {
	Sample string
	// Sex, when known from clinical data; SexUnknown lets the caller infer it
	// from chrX ploidy.
	Sex Sex
	// Outside holds calls made elsewhere (CYP2D6, HLA); an outside call for a
	// gene replaces calling it from genotypes.
	Outside []OutsideCall
}

// Caller calls genes for samples. It is safe for concurrent use.
type Caller struct {
	db      *alleles.DB
	cfg     Config
	genes   []*alleles.Gene // in data order, filtered by Config.Genes
	models  map[string]*geneModel
	loci    []genome.Locus
	locusOf map[string][]int // gene → index into loci per position
	extraOf map[string][]int // gene → index into loci per extra position
}

// New prepares a caller for the genes of db.
func New(db *alleles.DB, cfg Config) (*Caller, error) {
	if db == nil {
		return nil, errors.New("calling: nil data")
	}
	if err := cfg.validate(db); err != nil {
		return nil, err
	}
	c := &Caller{db: db, cfg: cfg, models: map[string]*geneModel{}, locusOf: map[string][]int{}, extraOf: map[string][]int{}}
	for _, g := range db.Genes {
		if len(cfg.Genes) > 0 && !slices.ContainsFunc(cfg.Genes, func(s string) bool { return strings.EqualFold(s, g.Name) }) {
			continue
		}
		c.genes = append(c.genes, g)
		if g.Outside {
			continue
		}
		c.models[g.Name] = newGeneModel(g)
	}
	seen := map[genome.Locus]bool{}
	for _, g := range c.genes {
		for _, p := range slices.Concat(g.Positions, g.Extra) {
			l := genome.Locus{Chrom: g.Chrom, Pos: p.Pos}
			if !seen[l] {
				seen[l] = true
				c.loci = append(c.loci, l)
			}
		}
	}
	slices.SortFunc(c.loci, compareLocus)
	index := make(map[genome.Locus]int, len(c.loci))
	for i, l := range c.loci {
		index[l] = i
	}
	for _, g := range c.genes {
		for _, p := range g.Positions {
			c.locusOf[g.Name] = append(c.locusOf[g.Name], index[genome.Locus{Chrom: g.Chrom, Pos: p.Pos}])
		}
		for _, p := range g.Extra {
			c.extraOf[g.Name] = append(c.extraOf[g.Name], index[genome.Locus{Chrom: g.Chrom, Pos: p.Pos}])
		}
	}
	return c, nil
}

func compareLocus(a, b genome.Locus) int {
	ra, sa := genome.ChromRank(a.Chrom)
	rb, sb := genome.ChromRank(b.Chrom)
	switch {
	case ra != rb:
		return ra - rb
	case sa != sb:
		return strings.Compare(sa, sb)
	case a.Pos < b.Pos:
		return -1
	case a.Pos > b.Pos:
		return 1
	}
	return 0
}

// Loci returns every position the caller reads, sorted by chromosome and
// position. The slice MUST NOT be modified.
func (c *Caller) Loci() []genome.Locus { return c.loci }

// Genes returns the genes the caller reports, outside-call genes included.
func (c *Caller) Genes() []*alleles.Gene { return c.genes }

// DataVersion is the version of the data the caller uses.
func (c *Caller) DataVersion() string { return c.db.Version }

// Call reads a sample's genotypes at Loci from src and calls every gene.
func (c *Caller) Call(ctx context.Context, src Source, subj Subject) (pharmacogenomics.SampleCalls, error) {
	gts, err := src.Genotypes(ctx, subj.Sample, c.loci)
	if err != nil {
		return pharmacogenomics.SampleCalls{}, fmt.Errorf("calling: sample %s: %w", subj.Sample, err)
	}
	return c.CallGenotypes(subj, gts)
}

// CallGenotypes calls every gene from genotypes given per locus of Loci
// (gts[i] holds the records at Loci()[i]; an empty slice means not covered).
func (c *Caller) CallGenotypes(subj Subject, gts [][]genome.Genotype) (pharmacogenomics.SampleCalls, error) {
	return c.callGenotypes(subj, gts, nil)
}

// callGenotypes is CallGenotypes, with the gene calls from memo when it
// is not nil.
func (c *Caller) callGenotypes(subj Subject, gts [][]genome.Genotype, memo *Memo) (pharmacogenomics.SampleCalls, error) {
	if len(gts) != len(c.loci) {
		return pharmacogenomics.SampleCalls{}, fmt.Errorf("calling: sample %s: %d genotype lists for %d loci", subj.Sample, len(gts), len(c.loci))
	}
	out := pharmacogenomics.SampleCalls{Sample: subj.Sample, Genes: make([]pharmacogenomics.GeneCall, 0, len(c.genes))}
	sex, sexNote := c.sex(subj.Sex, gts)
	out.Sex = sex.String()
	if sexNote != "" {
		out.Notes = append(out.Notes, sexNote)
	}
	outside := map[string]OutsideCall{}
	for _, oc := range subj.Outside {
		if oc.Sample == "" || oc.Sample == subj.Sample {
			outside[strings.ToUpper(oc.Gene)] = oc
		}
	}
	for _, g := range c.genes {
		if oc, ok := outside[strings.ToUpper(g.Name)]; ok {
			out.Genes = append(out.Genes, c.outsideCall(g, oc))
			continue
		}
		if g.Outside {
			out.Genes = append(out.Genes, pharmacogenomics.GeneCall{
				Gene: g.Name, Source: "outside", Diplotypes: []string{}, MissingPositions: []string{},
				Notes: []string{fmt.Sprintf("%s cannot be called from VCF SNVs; no outside call was given (use --outside-calls)", g.Name)},
			})
			continue
		}
		m := c.models[g.Name]
		obsv := make([]obs, len(m.positions))
		for i := range m.positions {
			obsv[i] = observe(&m.positions[i], gts[c.locusOf[g.Name][i]])
		}
		var call pharmacogenomics.GeneCall
		if memo != nil {
			call = memo.callGene(m, obsv, sex)
		} else {
			call = c.callGene(m, obsv, sex)
		}
		for i, p := range g.Extra {
			if call.Extra == nil {
				call.Extra = map[string]string{}
			}
			pm := posModel{locus: genome.Locus{Chrom: g.Chrom, Pos: p.Pos}, pos: p}
			key := p.RSID
			if key == "" {
				key = pm.locus.String()
			}
			call.Extra[key] = formatObs(observe(&pm, gts[c.extraOf[g.Name][i]]))
		}
		out.Genes = append(out.Genes, call)
	}
	return out, nil
}

// sex returns the given sex, or infers it from chrX ploidy: haploid calls
// mean one X, a heterozygous call two.
func (c *Caller) sex(given Sex, gts [][]genome.Genotype) (Sex, string) {
	haploid, het := 0, 0
	for i, l := range c.loci {
		if l.Chrom != "chrX" {
			continue
		}
		for _, g := range gts[i] {
			if g.State != genome.Called && g.State != genome.HomRef {
				continue
			}
			switch {
			case len(g.Alleles) == 1:
				haploid++
			case len(g.Alleles) == 2 && g.Alleles[0] != g.Alleles[1] && g.Alleles[0] != genome.Missing && g.Alleles[1] != genome.Missing:
				het++
			}
		}
	}
	switch {
	case given == Male && het > 0:
		return given, fmt.Sprintf("sex given as male but %d heterozygous chrX genotypes at PGx positions", het)
	case given == Female && haploid > 0 && het == 0:
		return given, fmt.Sprintf("sex given as female but %d haploid chrX genotypes at PGx positions", haploid)
	case given != SexUnknown:
		return given, ""
	case het > 0 && haploid == 0:
		return Female, "sex inferred as female from heterozygous chrX genotypes"
	case haploid > 0 && het == 0:
		return Male, "sex inferred as male from haploid chrX genotypes"
	case haploid > 0 && het > 0:
		return SexUnknown, "sex unknown: chrX genotypes are both haploid and heterozygous"
	}
	return SexUnknown, ""
}
