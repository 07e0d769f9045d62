package calling

import (
	"fmt"
	"math"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

// geneRun is one gene being called for one sample: what each step of
// callGene learns, for the steps after it.
type geneRun struct {
	c       *Caller
	m       *geneModel
	ob      []obs
	call    pharmacogenomics.GeneCall
	haploid bool
	// missing marks positions without a usable genotype; available counts
	// the others.
	missing   bitset
	available int
	// score is each allele's number of specified positions with data;
	// cand the alleles left with at least one.
	score               []int
	cand                bitset
	untestable, partial []string
	sites               []site
	nBlocks             int // phase blocks among the heterozygous sites
	variantsSeen        []string
}

// callGene calls one gene from its observations, step by step; a step
// that decides the call (not callable, indeterminate) ends it.
func (c *Caller) callGene(m *geneModel, ob []obs, sex Sex) pharmacogenomics.GeneCall {
	g := m.gene
	r := &geneRun{c: c, m: m, ob: ob, call: pharmacogenomics.GeneCall{Gene: g.Name, Source: "vcf", Diplotypes: []string{}, MissingPositions: []string{}, Notes: []string{}}}
	if len(g.Untyped) > 0 {
		r.call.Notes = append(r.call.Notes, "not tested, cannot be called from SNVs: "+listNames(g.Untyped))
	}
	r.haploid = r.ploidy(sex)
	if !r.readObservations() || !r.covered() || !r.scoreAlleles() || !r.buildSites() {
		return r.call
	}
	dips, uncertain, done := r.match()
	if !done {
		r.finish(dips, uncertain)
	}
	return r.call
}

// ploidy reports whether the gene is read as one copy: the mitochondrion;
// chrX in a male, given or (sex unknown) when every chrX genotype is
// haploid.
func (r *geneRun) ploidy(sex Sex) bool {
	switch r.m.gene.Chrom {
	case "chrM":
		return true
	case "chrX":
	default:
		return false
	}
	switch sex {
	case Male:
		return true
	case Female:
		return false
	}
	all1, any := true, false
	for _, o := range r.ob {
		if o.ok {
			any = true
			all1 = all1 && o.ploidy == 1
		}
	}
	if any && all1 {
		return true
	}
	r.call.Notes = append(r.call.Notes, "sex unknown: chrX genotypes read as two copies")
	return false
}

// readObservations fits each observation to the gene's ploidy and records
// what is missing and why. A genotype that cannot be read at a position
// defining a reduced-function allele (heteroplasmy on chrM, a
// heterozygous chrX call in a male) makes the phenotype unknown, never
// normal: the call is decided as indeterminate and false returned.
func (r *geneRun) readObservations() bool {
	m := r.m
	reasons := map[string]int{}
	r.missing = newBitset(len(m.positions))
	var indeterminate []string
	for i := range r.ob {
		o := &r.ob[i]
		p := &m.positions[i]
		if o.ok {
			indeterminate = r.fitPloidy(i, indeterminate)
		}
		if o.note != "" {
			r.call.Notes = append(r.call.Notes, o.note)
		}
		if o.novel != "" {
			r.call.Novel = append(r.call.Novel, o.novel)
		}
		if !o.ok {
			r.missing.set(i)
			reasons[o.missing]++
			r.call.MissingPositions = append(r.call.MissingPositions, p.locus.String())
		}
	}
	if len(indeterminate) > 0 {
		r.call.Called, r.call.Uncertain, r.call.Phenotype = true, true, phenotype.Indeterminate
		r.call.Notes = append(indeterminate, r.call.Notes...)
		return false
	}
	r.available = len(m.positions) - r.missing.count()
	if len(reasons) > 0 {
		var parts []string
		for _, k := range sortedKeys(reasons) {
			parts = append(parts, fmt.Sprintf("%d %s", reasons[k], k))
		}
		r.call.Notes = append(r.call.Notes, fmt.Sprintf("%d of %d positions missing (%s); missing positions are not assumed reference", len(m.positions)-r.available, len(m.positions), strings.Join(parts, ", ")))
	}
	return true
}

// fitPloidy reads observation i at the gene's ploidy, appending to
// indeterminate the reason when it cannot be read.
func (r *geneRun) fitPloidy(i int, indeterminate []string) []string {
	g, m := r.m.gene, r.m
	o := &r.ob[i]
	p := &m.positions[i]
	switch {
	case g.Chrom == "chrM" && heteroplasmic(o):
		indeterminate = appendIf(indeterminate, definesReduced(m, i), heteroplasmyNote(p, o))
		*o = obs{missing: "heteroplasmic", note: fmt.Sprintf("%s: heteroplasmic call%s, read as neither allele", p.locus, afText(o))}
	case r.haploid && o.ploidy == 2 && o.hap[0] != o.hap[1]:
		indeterminate = appendIf(indeterminate, definesReduced(m, i), hetMaleNote(g.Name, p))
		*o = obs{missing: "heterozygous in a male", note: fmt.Sprintf("%s: heterozygous genotype on chrX in a male", p.locus)}
	case r.haploid && o.ploidy == 2:
		o.ploidy = 1
	case !r.haploid && o.ploidy == 1:
		o.hap[1] = o.hap[0]
		o.ploidy = 2
		if g.Chrom != "chrX" {
			r.call.Notes = appendOnce(r.call.Notes, "haploid genotypes on an autosome read as homozygous")
		}
	}
	return indeterminate
}

// covered reports whether there is data to call from: some position, and
// every position the definitions require.
func (r *geneRun) covered() bool {
	if r.available == 0 {
		r.call.Notes = append(r.call.Notes, "not called: no data at any of the gene's positions")
		return false
	}
	for i, p := range r.m.positions {
		if r.missing.has(i) && r.m.required[p.pos.Pos] {
			r.call.Notes = append(r.call.Notes, fmt.Sprintf("not called: required position %s (%s) is missing", p.locus, p.pos.RSID))
			return false
		}
	}
	return true
}

// scoreAlleles scores each allele over the available positions (PharmCAT:
// the positions its definition names), drops alleles left with none, and
// names the alleles that missing positions hide wholly or in part.
func (r *geneRun) scoreAlleles() bool {
	m := r.m
	g := m.gene
	nA := len(g.Alleles)
	r.score = make([]int, nA)
	varAvail := make([]int, nA)
	varMissing := make([]int, nA)
	for pi := range m.positions {
		p := &m.positions[pi]
		if r.missing.has(pi) {
			p.variant.each(func(ai int) { varMissing[ai]++ })
			continue
		}
		p.specified.each(func(ai int) { r.score[ai]++ })
		p.variant.each(func(ai int) { varAvail[ai]++ })
	}
	r.cand = newBitset(nA)
	for ai, a := range g.Alleles {
		if r.score[ai] > 0 {
			r.cand.set(ai)
		}
		if ai == m.ref || varMissing[ai] == 0 {
			continue
		}
		if varAvail[ai] == 0 {
			r.untestable = append(r.untestable, a.Name)
		} else {
			r.partial = append(r.partial, a.Name)
		}
	}
	if len(r.untestable) > 0 {
		r.call.Notes = append(r.call.Notes, fmt.Sprintf("cannot be detected, all their defining positions are missing: %s", listNames(r.untestable)))
	}
	if r.call.Untested = untested(m, r.ob, r.missing); len(r.call.Untested) > 0 {
		r.call.Notes = append(r.call.Notes, untestedNote(r.call.Untested))
	}
	if len(r.partial) > 0 {
		r.call.Notes = append(r.call.Notes, fmt.Sprintf("called without some of their defining positions: %s", listNames(r.partial)))
	}
	if len(r.untestable) == nA-1 {
		r.call.Notes = append(r.call.Notes, "not called: too little data, no allele other than the reference can be detected")
		return false
	}
	return true
}

// buildSites prepares each available position for matching: the alleles
// compatible with each observed allele, the phase block of a heterozygous
// site, the call's confidence and whether it is phased. An observed allele
// no definition has makes the call "not called" (a call would hide it).
func (r *geneRun) buildSites() bool {
	m := r.m
	nA := len(m.gene.Alleles)
	r.sites = make([]site, 0, r.available)
	blocks := map[int64]int{}
	conf, hasConf := 1.0, false
	novelSite := false
	for pi := range m.positions {
		if r.missing.has(pi) {
			continue
		}
		o := &r.ob[pi]
		st, novel := r.site(pi, nA)
		novelSite = novelSite || novel
		r.cand.and(st.u)
		if st.het {
			st.block = r.phaseBlock(o, blocks)
		}
		if o.hasProb {
			hasConf = true
			conf *= o.prob
		}
		r.sites = append(r.sites, st)
	}
	if hasConf {
		conf = math.Round(conf*1e6) / 1e6 // GP are float32: keep the digits they carry
		r.call.Confidence = &conf
	}
	hets := 0
	for _, s := range r.sites {
		if s.het {
			hets++
		}
	}
	r.call.Phased = r.haploid || hets <= 1 || r.nBlocks == 1
	if novelSite {
		r.call.Notes = append(r.call.Notes, "not called: an observed allele is in no definition (see novel); a call would hide it")
		r.call.Uncertain = true
		return false
	}
	return true
}

// site prepares position pi; novel reports an observed allele that no
// definition has there.
func (r *geneRun) site(pi, nA int) (site, bool) {
	o := &r.ob[pi]
	p := &r.m.positions[pi]
	st := site{pi: pi, wob: p.wobbleRaw}
	novel := false
	for h := 0; h < o.ploidy; h++ {
		st.isRef[h] = o.hap[h] == p.pos.Ref
		st.s[h] = p.compatible(o.hap[h], nA)
		if st.s[h].count() == 0 || !p.isKnown(o.hap[h]) {
			novel = true
			r.call.Novel = appendOnce(r.call.Novel, fmt.Sprintf("%s %s>%s", p.locus, p.pos.Ref, o.hap[h]))
		}
		if o.hap[h] != p.pos.Ref {
			r.variantsSeen = appendOnce(r.variantsSeen, fmt.Sprintf("%s %s>%s%s", p.locus, p.pos.Ref, o.hap[h], rsid(p)))
		}
	}
	if o.ploidy == 1 || o.hap[0] == o.hap[1] {
		st.u = st.s[0]
	} else {
		st.u = orBits(st.s[0], st.s[1], o.ploidy)
		st.het = true
	}
	return st, novel
}

// phaseBlock numbers the phase block of a heterozygous observation: one
// per phase set (FORMAT/PS; "|" without PS is one set), one per unphased
// site.
func (r *geneRun) phaseBlock(o *obs, blocks map[int64]int) int {
	if !o.phased {
		r.nBlocks++
		return r.nBlocks - 1
	}
	key := o.ps
	if key == 0 {
		key = -1 // "|" without PS: one phase set
	}
	b, ok := blocks[key]
	if !ok {
		b = r.nBlocks
		r.nBlocks++
		blocks[key] = b
	}
	return b
}

// match finds the diplotypes that explain the sites: chromosome by
// chromosome for the genes called variant by variant, else as pairs
// (with the definitions' priorities for unphased ties). done reports that
// the call was decided here (no diplotype fits).
func (r *geneRun) match() (dips []phenotype.Diplotype, uncertain, done bool) {
	m, g := r.m, r.m.gene
	dips, handled, uncertain := r.c.byStrand(m, r.ob, r.sites, r.haploid, &r.call)
	if !handled {
		priorityMode := len(g.Priorities) > 0 && !r.call.Phased
		all := matchDiplotypes(m, r.sites, r.cand, r.score, r.haploid, r.nBlocks, priorityMode)
		if priorityMode {
			if d, ok := applyPriorities(g, all, &r.call); ok {
				all = []scored{d}
				uncertain = true
			}
		}
		dips = top(all)
		if len(dips) == 0 && m.singleVariant {
			r.fromVariants()
			return nil, true, true
		}
	}
	if len(dips) == 0 {
		r.call.Notes = append(r.call.Notes, "not called: no pair of defined alleles explains the genotypes; variants seen: "+listNames(r.variantsSeen))
		r.call.Uncertain = true
		if g.Name == "SLCO1B1" {
			slco1b1Fallback(m, r.ob, &r.call, r.c.cfg.MinConfidence)
		}
		return nil, true, true
	}
	return dips, uncertain, false
}

// fromVariants gives the phenotype of a gene whose alleles are single
// variants from the variants found, when no pair of alleles explains them.
func (r *geneRun) fromVariants() {
	g := r.m.gene
	found := variantAlleles(r.m, r.ob, r.sites)
	r.call.Called = true
	r.call.Uncertain = true
	r.call.Notes = append(r.call.Notes, fmt.Sprintf("no pair of %s alleles explains all variants found (%s); phenotype from the variants", g.Name, listNames(found)))
	res := phenotype.Translate(g, []phenotype.Diplotype{{found}})
	setPhenotype(&r.call, res, r.c.cfg.MinConfidence)
}

// finish names the diplotypes, translates them to a phenotype (DPYD from
// its lowest-function alleles) and states the alternatives unphased data
// leave open.
func (r *geneRun) finish(dips []phenotype.Diplotype, uncertain bool) {
	g := r.m.gene
	call := &r.call
	call.Called = true
	for _, d := range dips {
		call.Diplotypes = append(call.Diplotypes, d.Name(g))
	}
	if len(dips) > 1 {
		uncertain = true
		call.Notes = append(call.Notes, fmt.Sprintf("ambiguous: %d diplotypes fit the data equally well", len(dips)))
	}
	if len(r.untestable)+len(r.partial) > 0 {
		uncertain = true
	}
	var res phenotype.Result
	if g.Name == "DPYD" {
		res = dpydLookup(g, dips, call)
	} else {
		res = phenotype.Translate(g, dips)
		tieAlternatives(g, dips, call)
	}
	call.Uncertain = uncertain
	setPhenotype(call, res, r.c.cfg.MinConfidence)
	if !call.Phased && g.Name != "DPYD" && len(r.untestable)+len(r.partial) == 0 && len(call.Alternatives) == 0 {
		phaseAlternatives(r.m, r.sites, r.cand, r.score, r.nBlocks, dips, call)
	}
}
