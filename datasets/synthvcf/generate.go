// Package synthvcf writes deterministic synthetic VCF 4.3 files
// (https://samtools.github.io/hts-specs/VCFv4.3.pdf), plain or BGZF with a
// tabix index (hts-specs tabix.tex), for tests, benchmarks and the
// synthetic biobank.
//
// Its one job is making VCF text that looks like a cohort call set without
// coming from anyone: a Generator draws sites and genotypes from a seed
// (math/rand/v2 PCG), and a Writer turns caller-given records into VCF
// lines (INFO from the genotypes) and writes them, streaming, through
// genome/vcf's Writer, so another generator can write genotypes it chose
// itself.
//
// The model, per site: ALT allele frequencies follow the neutral site
// frequency spectrum (density ∝ 1/f, log-uniform between 1e-4 and 0.5, and
// 2% of sites with the ALT as the major allele), so most sites are rare and
// some common; every random site is polymorphic in the cohort. By default
// (ModelLD) chromosome copies are mosaics of a founder panel (the
// Li–Stephens copying model, with recombination and mutation), so nearby
// sites are in linkage disequilibrium; ModelIndependent draws alleles
// independently per chromosome copy and site. Either way the two copies of
// a sample are independent, so genotypes follow Hardy–Weinberg proportions. 5% of sites are short indels, a configurable
// share has two ALT alleles, and each record is phased or unphased as a
// whole. Males carry one copy of chrX outside the pseudoautosomal regions
// (and of chrY; chrM is haploid for everyone). REF bases are random, not the
// GRCh38 sequence.
//
// Output is a pure function of the Config: the same Config gives the same
// bytes (on one CPU architecture: the compiler may fuse floating-point
// operations differently on others).
package synthvcf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/varamu/varamu/genome"
)

// Defaults used for zero Config fields.
const (
	DefaultSamples              = 100
	DefaultVariants             = 1000
	DefaultMissingRate          = 0.01
	DefaultPhasedFraction       = 0.5
	DefaultMultiAllelicFraction = 0.03
	DefaultMaleFraction         = 0.5
)

// Fixed parts of the model.
const (
	minAF            = 1e-4 // lower end of the site frequency spectrum
	maxAF            = 0.5  // upper end (minor allele)
	majorAltFraction = 0.02 // sites where ALT is the major allele
	indelFraction    = 0.05 // share of random sites that are indels
	partialMissing   = 0.1  // share of missing diploid calls missing only one allele
)

// Config describes a synthetic VCF. Every zero value has a documented
// meaning, so Config{} is valid.
type Config struct {
	// Samples is the number of samples, named S000001, S000002, ...;
	// 0 means DefaultSamples, or len(SampleNames) when that is set.
	Samples int
	// SampleNames, when set, names the samples instead (one per sample,
	// unique, without tabs).
	SampleNames []string
	// Male, when set, says which samples are male (one per sample), for a
	// caller whose samples already have a sex; nil draws sexes with
	// MaleFraction.
	Male []bool
	// Variants is the number of random sites; 0 means DefaultVariants when
	// Sites is empty and no random sites when Sites is given.
	Variants int
	// Seed selects the output; every value, 0 included, is a valid seed.
	Seed uint64
	// Chromosomes are the GRCh38 chromosomes random sites are spread over,
	// in proportion to their lengths ("chr10" or "10"); empty means
	// DefaultChromosomes().
	Chromosomes []string
	// MissingRate is the fraction of genotype calls that are missing
	// ("./.", or partly missing "./1"); 0 means DefaultMissingRate, a
	// negative value means no missing calls.
	MissingRate float64
	// PhasedFraction is the fraction of records written phased ("0|1");
	// 0 means DefaultPhasedFraction, negative means none, 1 means all.
	PhasedFraction float64
	// MultiAllelicFraction is the fraction of random sites with two ALT
	// alleles; 0 means DefaultMultiAllelicFraction, negative means none.
	MultiAllelicFraction float64
	// MaleFraction is the fraction of samples that are male (haploid on
	// chrX outside the PARs) when Male is nil; 0 means DefaultMaleFraction,
	// negative means no males.
	MaleFraction float64
	// Format lists the FORMAT keys besides GT ("GQ", "DP", "DS"); GT is
	// always written; empty means GT only.
	Format []string
	// Sites are sites to include besides the random ones, in any order;
	// their genotypes are drawn from Site.AF. Their chromosomes need not
	// be in Chromosomes but must be GRCh38 chromosomes.
	Sites []Site
	// Compression applies to BGZF output of GenerateFile.
	Compression Compression
	// Model is the genotype model of random sites and of Sites without AF
	// (Sites with AF are always drawn independently per copy); "" means
	// ModelLD.
	Model Model
}

// Site is a caller-chosen site for Config.Sites.
type Site struct {
	Chrom string // GRCh38 chromosome ("chr10" or "10")
	Pos   int64  // 1-based
	ID    string // "" writes "."
	Ref   string
	Alts  []string
	// AF holds one ALT allele frequency per Alts, summing to at most 1;
	// nil draws them from the site frequency spectrum like a random site.
	AF []float64
}

// rates are a Config's fields resolved against the defaults.
type rates struct {
	samples, variants            int
	missing, phased, multi, male float64
}

func resolve(v, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

// validate checks the Config and resolves its zero values.
func (c *Config) validate() (rates, error) {
	var r rates
	r.samples = c.Samples
	switch {
	case r.samples < 0:
		return r, fmt.Errorf("synthvcf: Samples %d: want >= 0", c.Samples)
	case r.samples == 0 && len(c.SampleNames) > 0:
		r.samples = len(c.SampleNames)
	case r.samples == 0:
		r.samples = DefaultSamples
	}
	if c.SampleNames != nil && len(c.SampleNames) != r.samples {
		return r, fmt.Errorf("synthvcf: %d SampleNames for %d samples", len(c.SampleNames), r.samples)
	}
	if c.Male != nil && len(c.Male) != r.samples {
		return r, fmt.Errorf("synthvcf: %d Male values for %d samples", len(c.Male), r.samples)
	}
	r.variants = c.Variants
	if r.variants == 0 && len(c.Sites) == 0 {
		r.variants = DefaultVariants
	}
	if r.variants < 0 {
		return r, fmt.Errorf("synthvcf: Variants %d: want >= 0", c.Variants)
	}
	for _, f := range []struct {
		name string
		v    float64
	}{{"MissingRate", c.MissingRate}, {"PhasedFraction", c.PhasedFraction}, {"MultiAllelicFraction", c.MultiAllelicFraction}, {"MaleFraction", c.MaleFraction}} {
		if math.IsNaN(f.v) || f.v > 1 {
			return r, fmt.Errorf("synthvcf: %s %v: want a fraction <= 1 (0 for the default, negative for none)", f.name, f.v)
		}
	}
	if c.MissingRate >= 1 {
		return r, fmt.Errorf("synthvcf: MissingRate %v: want < 1", c.MissingRate)
	}
	r.missing = resolve(c.MissingRate, DefaultMissingRate)
	r.phased = resolve(c.PhasedFraction, DefaultPhasedFraction)
	r.multi = resolve(c.MultiAllelicFraction, DefaultMultiAllelicFraction)
	r.male = resolve(c.MaleFraction, DefaultMaleFraction)
	if _, err := ParseModel(string(c.Model)); err != nil {
		return r, err
	}
	return r, nil
}

// SampleName returns the name of sample i (0-based): "S000001" for 0.
func SampleName(i int) string {
	s := strconv.Itoa(i + 1)
	if len(s) < 6 {
		s = strings.Repeat("0", 6-len(s)) + s
	}
	return "S" + s
}

// Generator draws the records of a synthetic VCF one at a time.
type Generator struct {
	cfg    Config
	r      rates
	header Header
	male   []bool
	males  []int // indices of male samples

	rng     *rand.Rand
	sites   []Site // explicit sites, sorted
	nextS   int
	plan    []chromPlan // random sites per chromosome, in header order
	chrom   int         // index into plan
	left    int         // random sites left on plan[chrom]
	prevX   float64     // continuous position of the last random site
	lastPos int64       // last position written on the current chromosome

	pending pendingPos

	ld   *ldState // nil for ModelIndependent
	rec  Record
	alts [2]string
	afs  [2]float64
	seen []bool
}

type chromPlan struct {
	contig Contig
	n      int // random sites
}

// NewGenerator returns a Generator for cfg.
func NewGenerator(cfg Config) (*Generator, error) {
	r, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	format, err := normalizeFormat(cfg.Format)
	if err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg, r: r}
	// Separate streams, so that sexes depend only on Seed and Samples.
	sexRNG := rand.New(rand.NewPCG(cfg.Seed, 0x5e7e5e7e5e7e5e7e))
	g.rng = rand.New(rand.NewPCG(cfg.Seed, 0x517e517e517e517e))

	g.male = make([]bool, r.samples)
	samples := make([]string, r.samples)
	for i := range samples {
		samples[i] = SampleName(i)
		if cfg.SampleNames != nil {
			samples[i] = cfg.SampleNames[i]
		}
		if cfg.Male != nil {
			g.male[i] = cfg.Male[i]
		} else {
			g.male[i] = sexRNG.Float64() < r.male
		}
		if g.male[i] {
			g.males = append(g.males, i)
		}
	}

	chroms := cfg.Chromosomes
	if len(chroms) == 0 {
		chroms = DefaultChromosomes()
	}
	byName := map[string]*Contig{}
	var contigs []Contig
	addContig := func(name string) error {
		c, ok := GRCh38Contig(name)
		if !ok {
			return fmt.Errorf("synthvcf: chromosome %q: want a GRCh38 chromosome (chr1..chr22, chrX, chrY, chrM)", name)
		}
		if _, dup := byName[c.Name]; !dup {
			byName[c.Name] = &c
			contigs = append(contigs, c)
		}
		return nil
	}
	for _, ch := range chroms {
		if err := addContig(ch); err != nil {
			return nil, err
		}
	}
	randomOn := map[string]bool{}
	for _, ch := range chroms {
		randomOn[genome.NormalizeChrom(ch)] = true
	}

	g.sites = make([]Site, len(cfg.Sites))
	for i, s := range cfg.Sites {
		if err := addContig(s.Chrom); err != nil {
			return nil, fmt.Errorf("%w (site %d)", err, i+1)
		}
		s.Chrom = genome.NormalizeChrom(s.Chrom)
		if err := checkSite(s, byName[s.Chrom].Length); err != nil {
			return nil, fmt.Errorf("synthvcf: site %d (%s:%d): %w", i+1, s.Chrom, s.Pos, err)
		}
		g.sites[i] = s
	}
	sortContigs(contigs)
	rank := map[string]int{}
	for i, c := range contigs {
		rank[c.Name] = i
	}
	slices.SortStableFunc(g.sites, func(a, b Site) int {
		if d := rank[a.Chrom] - rank[b.Chrom]; d != 0 {
			return d
		}
		return int(a.Pos - b.Pos)
	})

	// Random sites per chromosome in proportion to length, largest
	// remainder first.
	var total int64
	for _, c := range contigs {
		if randomOn[c.Name] {
			total += c.Length
		}
	}
	type share struct {
		i    int
		frac float64
	}
	var shares []share
	assigned := 0
	g.plan = make([]chromPlan, len(contigs))
	for i, c := range contigs {
		g.plan[i].contig = c
		if !randomOn[c.Name] {
			continue
		}
		exact := float64(r.variants) * float64(c.Length) / float64(total)
		g.plan[i].n = int(exact)
		assigned += g.plan[i].n
		shares = append(shares, share{i, exact - math.Floor(exact)})
	}
	slices.SortStableFunc(shares, func(a, b share) int {
		switch {
		case a.frac > b.frac:
			return -1
		case a.frac < b.frac:
			return 1
		}
		return 0
	})
	for k := 0; assigned < r.variants; k++ {
		g.plan[shares[k%len(shares)].i].n++
		assigned++
	}
	for _, p := range g.plan {
		if int64(p.n) > p.contig.Length/10 {
			return nil, fmt.Errorf("synthvcf: %d random sites on %s (length %d): want at most one per 10 bases", p.n, p.contig.Name, p.contig.Length)
		}
	}
	g.left = g.plan[0].n

	g.header = Header{
		Reference: "GRCh38",
		Contigs:   contigs,
		Samples:   samples,
		Format:    format,
		Meta: []string{
			"source=varamu datasets synth-vcf (synthetic data, not from any person)",
			fmt.Sprintf("varamu_synthvcf=<Seed=%d,Samples=%d,Variants=%d,MissingRate=%g,PhasedFraction=%g,MultiAllelicFraction=%g,MaleFraction=%g,Sites=%d,Model=%s>",
				cfg.Seed, r.samples, r.variants, r.missing, r.phased, r.multi, r.male, len(cfg.Sites), modelName(cfg.Model)),
		},
	}
	if _, err := newWriter(g.header); err != nil {
		return nil, err
	}
	n := r.samples
	if m, _ := ParseModel(string(cfg.Model)); m == ModelLD {
		g.ld = newLDState(2 * n)
	}
	g.rec.Alleles = make([]int, 2*n)
	if slices.Contains(format, "GQ") {
		g.rec.GQ = make([]int32, n)
	}
	if slices.Contains(format, "DP") {
		g.rec.DP = make([]int32, n)
	}
	if slices.Contains(format, "DS") {
		g.rec.DS = make([]float32, 2*n)
	}
	return g, nil
}

func checkSite(s Site, length int64) error {
	if s.Pos < 1 || s.Pos > length {
		return fmt.Errorf("position outside 1-%d", length)
	}
	if !validBases(s.Ref) {
		return fmt.Errorf("REF %q: want bases A, C, G, T, N", s.Ref)
	}
	if len(s.Alts) == 0 {
		return errors.New("no ALT allele")
	}
	for _, a := range s.Alts {
		if !validBases(a) {
			return fmt.Errorf("ALT %q: want bases A, C, G, T, N", a)
		}
	}
	if s.AF != nil {
		if len(s.AF) != len(s.Alts) {
			return fmt.Errorf("%d AF values for %d ALT alleles", len(s.AF), len(s.Alts))
		}
		sum := 0.0
		for _, f := range s.AF {
			if !(f >= 0 && f <= 1) {
				return fmt.Errorf("AF %v: want 0..1", f)
			}
			sum += f
		}
		if sum > 1+1e-9 {
			return fmt.Errorf("AF values sum to %v: want at most 1", sum)
		}
	}
	return nil
}

// Header returns the VCF header of the generated file.
func (g *Generator) Header() Header { return g.header }

// Male reports whether sample i (0-based) is male.
func (g *Generator) Male(i int) bool { return g.male[i] }

// Read returns the next record, or io.EOF after the last one. The record
// and its slices are valid until the next call to Read.
func (g *Generator) Read() (*Record, error) {
	for g.chrom < len(g.plan) {
		p := &g.plan[g.chrom]
		// The next explicit site on this chromosome, if any.
		var site *Site
		if g.nextS < len(g.sites) && g.sites[g.nextS].Chrom == p.contig.Name {
			site = &g.sites[g.nextS]
		}
		if g.left == 0 && site == nil {
			g.chrom++
			g.prevX, g.lastPos = 0, 0
			if g.chrom < len(g.plan) {
				g.left = g.plan[g.chrom].n
			}
			continue
		}
		if g.left > 0 {
			pos := max(g.peekRandomPos(p.contig.Length), g.lastPos+1)
			if site == nil || pos < site.Pos {
				g.left--
				g.commitRandomPos(pos)
				g.randomSite(p.contig, pos)
				return &g.rec, nil
			}
		}
		g.nextS++
		g.lastPos = max(g.lastPos, site.Pos)
		g.explicitSite(site)
		return &g.rec, nil
	}
	return nil, io.EOF
}

// All returns an iterator over the remaining records; each is valid until
// the iteration advances.
func (g *Generator) All() iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		for {
			r, err := g.Read()
			if err == io.EOF {
				return
			}
			if !yield(r, err) || err != nil {
				return
			}
		}
	}
}

// Random positions are the order statistics of g.left uniform points on
// the chromosome, drawn one at a time: the minimum of k uniform points on
// (x, L) is x + (L-x)(1-U^(1/k)). A peeked position is kept until used;
// the caller moves it past the last written position.
type pendingPos struct {
	ok  bool
	x   float64
	pos int64
}

func (g *Generator) peekRandomPos(length int64) int64 {
	if g.pending.ok {
		return g.pending.pos
	}
	u := g.rng.Float64()
	x := g.prevX + (float64(length)-g.prevX)*(1-math.Pow(u, 1/float64(g.left)))
	pos := min(int64(x)+1, length-8) // room for a deletion's REF
	g.pending = pendingPos{true, x, pos}
	return pos
}

func (g *Generator) commitRandomPos(pos int64) {
	g.prevX = g.pending.x
	g.lastPos = pos
	g.pending.ok = false
}

var bases = [4]string{"A", "C", "G", "T"}

// randomSite fills g.rec with a random site at pos.
func (g *Generator) randomSite(c Contig, pos int64) {
	rng := g.rng
	rec := &g.rec
	rec.Chrom, rec.Pos, rec.ID = c.Name, pos, ""
	ref := rng.IntN(4)
	nAlt := 1
	if rng.Float64() < g.r.multi {
		nAlt = 2
	}
	if rng.Float64() < indelFraction && pos+8 <= c.Length {
		// Deletion or insertion, anchored on the REF base.
		anchor := bases[ref]
		if rng.IntN(2) == 0 {
			del := anchor + g.randomBases(1+rng.IntN(5))
			rec.Ref = del
			g.alts[0] = anchor
			if nAlt == 2 {
				g.alts[1] = del[:len(del)-1]
				if len(g.alts[1]) == 1 {
					g.alts[1] = anchor + g.randomBases(1)
				}
			}
		} else {
			rec.Ref = anchor
			g.alts[0] = anchor + g.randomBases(1+rng.IntN(5))
			if nAlt == 2 {
				g.alts[1] = g.alts[0] + g.randomBases(1)
			}
		}
	} else {
		rec.Ref = bases[ref]
		a := (ref + 1 + rng.IntN(3)) % 4
		g.alts[0] = bases[a]
		if nAlt == 2 {
			b := (ref + 1 + rng.IntN(3)) % 4
			for b == a {
				b = (ref + 1 + rng.IntN(3)) % 4
			}
			g.alts[1] = bases[b]
		}
	}
	rec.Alts = g.alts[:nAlt]

	f1 := g.drawAF()
	g.afs[0] = f1
	if nAlt == 2 {
		g.afs[1] = min(g.drawAF(), (1-f1)/2)
	}
	g.genotypes(g.afs[:nAlt], true)
}

func (g *Generator) randomBases(n int) string {
	var b [8]byte
	for i := range n {
		b[i] = "ACGT"[g.rng.IntN(4)]
	}
	return string(b[:n])
}

// drawAF draws an ALT allele frequency from the 1/f spectrum.
func (g *Generator) drawAF() float64 {
	f := minAF * math.Pow(maxAF/minAF, g.rng.Float64())
	if g.rng.Float64() < majorAltFraction {
		f = 1 - f
	}
	return f
}

// explicitSite fills g.rec with a caller-given site.
func (g *Generator) explicitSite(s *Site) {
	rec := &g.rec
	rec.Chrom, rec.Pos, rec.ID, rec.Ref = s.Chrom, s.Pos, s.ID, s.Ref
	rec.Alts = s.Alts
	afs := s.AF
	drawn := afs == nil
	if drawn {
		afs = make([]float64, len(s.Alts))
		rest := 1.0
		for j := range afs {
			afs[j] = min(g.drawAF(), rest/2)
			rest -= afs[j]
		}
	}
	if len(s.Alts) > 2 && g.rec.DS != nil && cap(g.rec.DS) < len(g.male)*len(s.Alts) {
		g.rec.DS = make([]float32, len(g.male)*len(s.Alts))
	}
	g.genotypes(afs, drawn)
}

// ploidy classes of a record.
const (
	allDiploid = iota
	malesHaploid
	chrY // males haploid, females have no copy (missing)
	allHaploid
)

// genotypes draws the calls of g.rec: alleles from afs (Hardy–Weinberg),
// missing calls, phasing and the FORMAT values.
func (g *Generator) genotypes(afs []float64, forcePolymorphic bool) {
	rng := g.rng
	rec := &g.rec
	al := rec.Alleles
	n := len(g.male)
	clear(al)

	class := allDiploid
	switch {
	case rec.Chrom == "chrM":
		class = allHaploid
	case rec.Chrom == "chrY":
		class = chrY
	case haploidInMales(rec.Chrom, rec.Pos):
		class = malesHaploid
	}
	switch class {
	case malesHaploid:
		for _, i := range g.males {
			al[2*i+1] = Haploid
		}
	case chrY, allHaploid:
		for i := range n {
			al[2*i+1] = Haploid
		}
	}

	if g.ld != nil && forcePolymorphic {
		moved := g.ld.advance(rng, rec.Chrom, rec.Pos)
		g.ld.panel(rng, afs, moved)
		g.ld.alleles(rng, al)
	} else {
		g.independentAlleles(afs)
	}
	g.missingAndFormat(class, afs, forcePolymorphic)
}

// independentAlleles draws the ALT alleles of g.rec's non-haploid slots
// from afs, each chromosome copy independently (Hardy–Weinberg).
func (g *Generator) independentAlleles(afs []float64) {
	rng := g.rng
	al := g.rec.Alleles
	n := len(g.male)
	// Rare sites skip between carriers with geometric gaps; common ones
	// draw every copy.
	total := 0.0
	for _, f := range afs {
		total += f
	}
	pick := func() int {
		if len(afs) == 1 {
			return 1
		}
		u := rng.Float64() * total
		for j, f := range afs {
			if u < f {
				return j + 1
			}
			u -= f
		}
		return len(afs)
	}
	slots := 2 * n
	switch {
	case total <= 0:
	case total < 0.1:
		lq := math.Log1p(-total)
		for k := -1; ; {
			gap := math.Log(1-rng.Float64()) / lq
			if gap >= float64(slots-k) {
				break
			}
			k += 1 + int(gap)
			if k >= slots {
				break
			}
			if al[k] != Haploid {
				al[k] = pick()
			}
		}
	default:
		for k := range al {
			if al[k] != Haploid && rng.Float64() < total {
				al[k] = pick()
			}
		}
	}
}

// missingAndFormat adds missing calls, makes drawn sites polymorphic,
// phases g.rec and fills its FORMAT values.
func (g *Generator) missingAndFormat(class int, afs []float64, forcePolymorphic bool) {
	rng := g.rng
	rec := &g.rec
	al := rec.Alleles
	n := len(g.male)
	// Missing calls.
	if class == chrY {
		for i := range n {
			if !g.male[i] {
				al[2*i] = genome.Missing
			}
		}
	}
	if m := g.r.missing; m > 0 {
		lq := math.Log1p(-m)
		for i := -1; ; {
			gap := math.Log(1-rng.Float64()) / lq
			if gap >= float64(n-i) {
				break
			}
			i += 1 + int(gap)
			if i >= n {
				break
			}
			if al[2*i+1] != Haploid && rng.Float64() < partialMissing {
				al[2*i+rng.IntN(2)] = genome.Missing
				continue
			}
			al[2*i] = genome.Missing
			if al[2*i+1] != Haploid {
				al[2*i+1] = genome.Missing
			}
		}
	}

	if forcePolymorphic && n > 0 {
		g.makePolymorphic(len(afs))
	}

	rec.Phased = rng.Float64() < g.r.phased
	if !rec.Phased {
		// Unphased calls list alleles in ascending order ("0/1", "./1").
		for i := range n {
			if x, y := al[2*i], al[2*i+1]; y != Haploid && x > y {
				al[2*i], al[2*i+1] = y, x
			}
		}
	}

	if rec.GQ != nil || rec.DP != nil {
		for i := range n {
			called := al[2*i] >= 0 || (al[2*i+1] >= 0)
			u := rng.Uint64()
			if !called {
				if rec.GQ != nil {
					rec.GQ[i] = -1
				}
				if rec.DP != nil {
					rec.DP[i] = int32(u % 4) // a few reads, too few to call
				}
				continue
			}
			if rec.GQ != nil {
				if u&0xff < 160 {
					rec.GQ[i] = 99
				} else {
					rec.GQ[i] = 10 + int32((u>>8)%89)
				}
			}
			if rec.DP != nil {
				// Roughly normal around 30x: sum of four uniforms 0..15.
				d := int32((u>>16)&15 + (u>>20)&15 + (u>>24)&15 + (u>>28)&15)
				rec.DP[i] = 2 + d
			}
		}
	}
	if rec.DS != nil {
		nAlt := len(rec.Alts)
		rec.DS = rec.DS[:n*nAlt]
		for i := range n {
			x, y := al[2*i], al[2*i+1]
			u := rng.Uint64()
			for j := 1; j <= nAlt; j++ {
				ds := &rec.DS[i*nAlt+j-1]
				if x == genome.Missing || y == genome.Missing {
					*ds = float32(math.NaN())
					continue
				}
				cnt, copies := 0, 1
				if x == j {
					cnt++
				}
				if y != Haploid {
					copies = 2
					if y == j {
						cnt++
					}
				}
				// Imputation-like uncertainty of up to 0.05.
				e := float32((u>>(uint(j)*8))%50) / 1000
				if cnt == copies {
					*ds = float32(cnt) - e
				} else {
					*ds = float32(cnt) + e
				}
			}
		}
	}
}

// makePolymorphic gives every ALT allele without a carrier one
// heterozygous (or hemizygous) carrier among the called samples.
func (g *Generator) makePolymorphic(nAlt int) {
	al := g.rec.Alleles
	if cap(g.seen) < nAlt+1 {
		g.seen = make([]bool, nAlt+1)
	}
	seen := g.seen[:nAlt+1]
	clear(seen)
	for _, a := range al {
		if a > 0 {
			seen[a] = true
		}
	}
	n := len(g.male)
	for j := 1; j <= nAlt; j++ {
		if seen[j] {
			continue
		}
		for try := 0; try < 64; try++ {
			i := g.rng.IntN(n)
			x, y := al[2*i], al[2*i+1]
			if x != 0 || (y != 0 && y != Haploid) {
				continue // only a called reference sample becomes a carrier
			}
			if y == 0 {
				al[2*i+1] = j // "0/1" rather than "1/0"
			} else {
				al[2*i] = j
			}
			break
		}
	}
}

func modelName(m Model) Model {
	if m == "" {
		return ModelLD
	}
	return m
}

// Generate writes the synthetic VCF of cfg as plain text to w.
func Generate(ctx context.Context, w io.Writer, cfg Config) error {
	g, err := NewGenerator(cfg)
	if err != nil {
		return err
	}
	vw, err := NewWriter(w, g.Header())
	if err != nil {
		return err
	}
	return copyRecords(ctx, vw, g)
}

// GenerateFile writes the synthetic VCF of cfg to path: BGZF with a tabix
// index at path+".tbi" when the name ends in ".gz", plain text otherwise.
func GenerateFile(ctx context.Context, path string, cfg Config) error {
	g, err := NewGenerator(cfg)
	if err != nil {
		return err
	}
	vw, err := Create(path, g.Header(), cfg.Compression)
	if err != nil {
		return err
	}
	return copyRecords(ctx, vw, g)
}

// copyRecords writes every record of g to vw and closes vw.
func copyRecords(ctx context.Context, vw *Writer, g *Generator) error {
	for i := 0; ; i++ {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				vw.err = err
				vw.Close()
				return err
			}
		}
		rec, err := g.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			vw.Close()
			return err
		}
		if err := vw.Write(rec); err != nil {
			vw.Close()
			return err
		}
	}
	return vw.Close()
}
