package calling

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/alleles"
	"github.com/varamu/varamu/pharmacogenomics/phenotype"
)

// maxListed caps allele lists in notes.
const maxListed = 12

// site is an available position prepared for matching.
type site struct {
	pi    int       // position index in the gene
	s     [2]bitset // alleles compatible with each observed allele
	het   bool
	block int     // phase block of a heterozygous site
	isRef [2]bool // observed allele is the reference
	u     bitset  // s[0] | s[1]
	wob   bitset  // alleles whose definition here is an IUPAC code
}

// callGene calls one gene from its observations.
func (c *Caller) callGene(m *geneModel, ob []obs, sex Sex) pharmacogenomics.GeneCall {
	g := m.gene
	call := pharmacogenomics.GeneCall{Gene: g.Name, Source: "vcf", Diplotypes: []string{}, MissingPositions: []string{}, Notes: []string{}}
	nA := len(g.Alleles)

	// Ploidy: the mitochondrion is haploid; G6PD on chrX is haploid in males.
	haploid := g.Chrom == "chrM"
	if len(g.Untyped) > 0 {
		call.Notes = append(call.Notes, "not tested, cannot be called from SNVs: "+listNames(g.Untyped))
	}
	if g.Chrom == "chrX" {
		switch sex {
		case Male:
			haploid = true
		case Female:
		default:
			all1 := true
			any := false
			for _, o := range ob {
				if o.ok {
					any = true
					all1 = all1 && o.ploidy == 1
				}
			}
			haploid = any && all1
			if !haploid {
				call.Notes = append(call.Notes, "sex unknown: chrX genotypes read as two copies")
			}
		}
	}

	// Missing positions and novel alleles.
	reasons := map[string]int{}
	missing := newBitset(len(m.positions))
	var indeterminate []string
	for i := range ob {
		o := &ob[i]
		p := &m.positions[i]
		if o.ok {
			switch {
			case g.Chrom == "chrM" && heteroplasmic(o):
				indeterminate = appendIf(indeterminate, definesReduced(m, i), heteroplasmyNote(p, o))
				*o = obs{missing: "heteroplasmic", note: fmt.Sprintf("%s: heteroplasmic call%s, read as neither allele", p.locus, afText(o))}
			case haploid && o.ploidy == 2 && o.hap[0] != o.hap[1]:
				indeterminate = appendIf(indeterminate, definesReduced(m, i), hetMaleNote(g.Name, p))
				*o = obs{missing: "heterozygous in a male", note: fmt.Sprintf("%s: heterozygous genotype on chrX in a male", p.locus)}
			case haploid && o.ploidy == 2:
				o.ploidy = 1
			case !haploid && o.ploidy == 1:
				o.hap[1] = o.hap[0]
				o.ploidy = 2
				if g.Chrom != "chrX" {
					call.Notes = appendOnce(call.Notes, "haploid genotypes on an autosome read as homozygous")
				}
			}
		}
		if o.note != "" {
			call.Notes = append(call.Notes, o.note)
		}
		if o.novel != "" {
			call.Novel = append(call.Novel, o.novel)
		}
		if !o.ok {
			missing.set(i)
			reasons[o.missing]++
			call.MissingPositions = append(call.MissingPositions, p.locus.String())
		}
	}
	if len(indeterminate) > 0 {
		// A genotype that cannot be read at a position defining a
		// reduced-function allele: the phenotype is unknown, never normal.
		call.Called, call.Uncertain, call.Phenotype = true, true, phenotype.Indeterminate
		call.Notes = append(indeterminate, call.Notes...)
		return call
	}
	available := len(m.positions) - missing.count()
	if len(reasons) > 0 {
		var parts []string
		for _, r := range sortedKeys(reasons) {
			parts = append(parts, fmt.Sprintf("%d %s", reasons[r], r))
		}
		call.Notes = append(call.Notes, fmt.Sprintf("%d of %d positions missing (%s); missing positions are not assumed reference", len(m.positions)-available, len(m.positions), strings.Join(parts, ", ")))
	}
	if available == 0 {
		call.Notes = append(call.Notes, "not called: no data at any of the gene's positions")
		return call
	}
	for i, p := range m.positions {
		if missing.has(i) && m.required[p.pos.Pos] {
			call.Notes = append(call.Notes, fmt.Sprintf("not called: required position %s (%s) is missing", p.locus, p.pos.RSID))
			return call
		}
	}

	// Scores over available positions; alleles left with none are dropped.
	score := make([]int, nA)
	varAvail := make([]int, nA)
	varMissing := make([]int, nA)
	for pi := range m.positions {
		p := &m.positions[pi]
		if missing.has(pi) {
			p.variant.each(func(ai int) { varMissing[ai]++ })
			continue
		}
		p.specified.each(func(ai int) { score[ai]++ })
		p.variant.each(func(ai int) { varAvail[ai]++ })
	}
	cand := newBitset(nA)
	var untestable, partial []string
	for ai, a := range g.Alleles {
		if score[ai] > 0 {
			cand.set(ai)
		}
		if ai == m.ref || varMissing[ai] == 0 {
			continue
		}
		if varAvail[ai] == 0 {
			untestable = append(untestable, a.Name)
		} else {
			partial = append(partial, a.Name)
		}
	}
	if len(untestable) > 0 {
		call.Notes = append(call.Notes, fmt.Sprintf("cannot be detected, all their defining positions are missing: %s", listNames(untestable)))
	}
	if call.Untested = untested(m, ob, missing); len(call.Untested) > 0 {
		call.Notes = append(call.Notes, untestedNote(call.Untested))
	}
	if len(partial) > 0 {
		call.Notes = append(call.Notes, fmt.Sprintf("called without some of their defining positions: %s", listNames(partial)))
	}
	if len(untestable) == nA-1 {
		call.Notes = append(call.Notes, "not called: too little data, no allele other than the reference can be detected")
		return call
	}

	// Sites: compatible alleles per observed allele; phase blocks.
	sites := make([]site, 0, available)
	blocks := map[int64]int{}
	nextBlock := 0
	conf, hasConf := 1.0, false
	var variantsSeen []string
	novelSite := false
	for pi := range m.positions {
		if missing.has(pi) {
			continue
		}
		o := &ob[pi]
		p := &m.positions[pi]
		st := site{pi: pi, wob: p.wobbleRaw}
		for h := 0; h < o.ploidy; h++ {
			st.isRef[h] = o.hap[h] == p.pos.Ref
			st.s[h] = p.compatible(o.hap[h], nA)
			if st.s[h].count() == 0 || !p.isKnown(o.hap[h]) {
				novelSite = true
				call.Novel = appendOnce(call.Novel, fmt.Sprintf("%s %s>%s", p.locus, p.pos.Ref, o.hap[h]))
			}
			if o.hap[h] != p.pos.Ref {
				variantsSeen = appendOnce(variantsSeen, fmt.Sprintf("%s %s>%s%s", p.locus, p.pos.Ref, o.hap[h], rsid(p)))
			}
		}
		if o.ploidy == 1 || o.hap[0] == o.hap[1] {
			st.u = st.s[0]
		} else {
			st.u = orBits(st.s[0], st.s[1], o.ploidy)
		}
		cand.and(st.u)
		if o.ploidy == 2 && o.hap[0] != o.hap[1] {
			st.het = true
			if o.phased {
				key := o.ps
				if key == 0 {
					key = -1 // "|" without PS: one phase set
				}
				b, ok := blocks[key]
				if !ok {
					b = nextBlock
					nextBlock++
					blocks[key] = b
				}
				st.block = b
			} else {
				st.block = nextBlock
				nextBlock++
			}
		}
		if o.hasProb {
			hasConf = true
			conf *= o.prob
		}
		sites = append(sites, st)
	}
	if hasConf {
		conf = math.Round(conf*1e6) / 1e6 // GP are float32: keep the digits they carry
		call.Confidence = &conf
	}
	hets := 0
	for _, s := range sites {
		if s.het {
			hets++
		}
	}
	call.Phased = haploid || hets <= 1 || nextBlock == 1

	if novelSite {
		call.Notes = append(call.Notes, "not called: an observed allele is in no definition (see novel); a call would hide it")
		call.Uncertain = true
		return call
	}

	dips, handled, uncertain := c.byStrand(m, ob, sites, haploid, &call)
	if !handled {
		priorityMode := len(g.Priorities) > 0 && !call.Phased
		all := matchDiplotypes(m, sites, cand, score, haploid, nextBlock, priorityMode)
		if priorityMode {
			if d, ok := applyPriorities(g, all, &call); ok {
				all = []scored{d}
				uncertain = true
			}
		}
		dips = top(all)
		if len(dips) == 0 && m.singleVariant {
			found := variantAlleles(m, ob, sites)
			call.Called = true
			call.Uncertain = true
			call.Notes = append(call.Notes, fmt.Sprintf("no pair of %s alleles explains all variants found (%s); phenotype from the variants", g.Name, listNames(found)))
			res := phenotype.Translate(g, []phenotype.Diplotype{{found}})
			setPhenotype(&call, res, c.cfg.MinConfidence)
			return call
		}
	}
	if len(dips) == 0 {
		call.Notes = append(call.Notes, "not called: no pair of defined alleles explains the genotypes; variants seen: "+listNames(variantsSeen))
		call.Uncertain = true
		if g.Name == "SLCO1B1" {
			slco1b1Fallback(m, ob, &call, c.cfg.MinConfidence)
		}
		return call
	}
	call.Called = true
	for _, d := range dips {
		call.Diplotypes = append(call.Diplotypes, d.Name(g))
	}
	if len(dips) > 1 {
		uncertain = true
		call.Notes = append(call.Notes, fmt.Sprintf("ambiguous: %d diplotypes fit the data equally well", len(dips)))
	}
	if len(untestable)+len(partial) > 0 {
		uncertain = true
	}
	var res phenotype.Result
	if g.Name == "DPYD" {
		res = dpydLookup(g, dips, &call)
	} else {
		res = phenotype.Translate(g, dips)
		tieAlternatives(g, dips, &call)
	}
	call.Uncertain = uncertain
	setPhenotype(&call, res, c.cfg.MinConfidence)
	if !call.Phased && g.Name != "DPYD" && len(untestable)+len(partial) == 0 && len(call.Alternatives) == 0 {
		phaseAlternatives(m, sites, cand, score, nextBlock, dips, &call)
	}
	return call
}

func setPhenotype(call *pharmacogenomics.GeneCall, res phenotype.Result, minConf float64) {
	call.Phenotype = res.Phenotype
	call.ActivityScore = res.Activity
	if res.Activity == nil && res.ActivityText != "" {
		call.Notes = append(call.Notes, "activity score "+res.ActivityText)
	}
	call.Notes = append(call.Notes, res.Notes...)
	if call.Confidence != nil && *call.Confidence < minConf {
		call.Uncertain = true
		call.Notes = append(call.Notes, fmt.Sprintf("confidence %s is below %s: the genotypes used may be wrong (genotype probabilities)",
			strconv.FormatFloat(*call.Confidence, 'f', 3, 64), strconv.FormatFloat(minConf, 'f', -1, 64)))
	}
}

func orBits(a, b bitset, ploidy int) bitset {
	out := slices.Clone(a)
	if ploidy == 2 {
		out.or(b)
	}
	return out
}

// scored is a candidate diplotype with its score.
type scored struct {
	d     phenotype.Diplotype
	name  string
	score int
}

// top keeps the top-scoring diplotypes, ordered by name.
func top(all []scored) []phenotype.Diplotype {
	best := -1 << 31
	for _, s := range all {
		best = max(best, s.score)
	}
	var out []phenotype.Diplotype
	for _, s := range all {
		if s.score == best {
			out = append(out, s.d)
		}
	}
	return out
}

// matchDiplotypes returns the diplotypes that fit the sites: only the
// top-scoring ones, or every one when all is set (PharmCAT's unphased
// priority mode). Each is ordered as the tables order it; the list by name.
func matchDiplotypes(m *geneModel, sites []site, cand bitset, score []int, haploid bool, nBlocks int, all bool) []scored {
	g := m.gene
	var idx []int
	cand.each(func(i int) { idx = append(idx, i) })
	best := -1
	type pair struct{ a, b, score int }
	var pairs []pair
	keep := func(p pair) {
		switch {
		case all:
			pairs = append(pairs, p)
		case p.score > best:
			best, pairs = p.score, append(pairs[:0], p)
		case p.score == best:
			pairs = append(pairs, p)
		}
	}
	pen := func(s *site, a, h int) int {
		if s.isRef[h] && s.wob.has(a) {
			return 1
		}
		return 0
	}
	if haploid {
		for _, a := range idx {
			ok := true
			sc := score[a]
			for i := range sites {
				if !sites[i].s[0].has(a) {
					ok = false
					break
				}
				sc -= pen(&sites[i], a, 0)
			}
			if ok {
				keep(pair{a, -1, sc})
			}
		}
	} else {
		fwd := make([]bool, nBlocks)
		rev := make([]bool, nBlocks)
		fpen := make([]int, nBlocks)
		rpen := make([]int, nBlocks)
		partners := newBitset(len(score))
		for _, a := range idx {
			// Alleles b that can pair with a, site by site (a necessary
			// condition; phase blocks are checked below).
			copy(partners, cand)
			for si := range sites {
				s := &sites[si]
				if !s.het {
					partners.and(s.s[0])
					continue
				}
				in0, in1 := s.s[0].has(a), s.s[1].has(a)
				switch {
				case in0 && in1:
					partners.and(s.u)
				case in0:
					partners.and(s.s[1])
				case in1:
					partners.and(s.s[0])
				default:
					clear(partners)
				}
			}
			var bs []int
			partners.each(func(b int) {
				if b >= a {
					bs = append(bs, b)
				}
			})
			for _, b := range bs {
				sc := score[a] + score[b]
				if !all && sc < best {
					continue
				}
				for k := range fwd {
					fwd[k], rev[k], fpen[k], rpen[k] = true, true, 0, 0
				}
				ok := true
				for si := range sites {
					s := &sites[si]
					if !s.het {
						if !s.s[0].has(a) || !s.s[0].has(b) {
							ok = false
							break
						}
						sc -= pen(s, a, 0) + pen(s, b, 0)
						continue
					}
					f := s.s[0].has(a) && s.s[1].has(b)
					r := s.s[1].has(a) && s.s[0].has(b)
					fwd[s.block] = fwd[s.block] && f
					rev[s.block] = rev[s.block] && r
					if !fwd[s.block] && !rev[s.block] {
						ok = false
						break
					}
					fpen[s.block] += pen(s, a, 0) + pen(s, b, 1)
					rpen[s.block] += pen(s, a, 1) + pen(s, b, 0)
				}
				if !ok {
					continue
				}
				for k := range fwd {
					switch {
					case fwd[k] && rev[k]:
						sc -= min(fpen[k], rpen[k])
					case fwd[k]:
						sc -= fpen[k]
					default:
						sc -= rpen[k]
					}
				}
				keep(pair{a, b, sc})
			}
		}
	}
	seen := map[string]int{}
	var out []scored
	for _, p := range pairs {
		var d phenotype.Diplotype
		for _, a := range []int{p.a, p.b} {
			if a >= 0 {
				d = append(d, []string{reportName(g, g.Alleles[a].Name)})
			}
		}
		name := d.Name(g)
		if i, dup := seen[name]; dup {
			out[i].score = max(out[i].score, p.score)
			continue
		}
		seen[name] = len(out)
		out = append(out, scored{d: d, name: name, score: p.score})
	}
	slices.SortFunc(out, func(a, b scored) int { return alleles.NaturalCompare(a.name, b.name) })
	return out
}

// reportName maps a sub-allele to the allele reported (SLCO1B1 *45.001 → *45).
func reportName(g *alleles.Gene, name string) string {
	if r, ok := g.SubAlleles[name]; ok {
		return r
	}
	return name
}

// applyPriorities resolves unphased ties the definitions resolve (NAT2):
// when every diplotype of a priority list fits the data, its pick is taken.
func applyPriorities(g *alleles.Gene, all []scored, call *pharmacogenomics.GeneCall) (scored, bool) {
	names := make([]string, len(all))
	for i, d := range all {
		names[i] = d.name
	}
	for _, p := range g.Priorities {
		match := true
		for _, n := range p.Among {
			match = match && slices.Contains(names, n)
		}
		if !match {
			continue
		}
		for i, n := range names {
			if n == p.Pick {
				call.Notes = append(call.Notes, fmt.Sprintf("unphased data fit %s; %s reported, as the definitions prioritise it by frequency", strings.Join(p.Among, ", "), p.Pick))
				return all[i], true
			}
		}
	}
	return scored{}, false
}

// variantAlleles lists the non-reference alleles found, variant by variant,
// once per copy; for genes whose alleles are single variants.
func variantAlleles(m *geneModel, ob []obs, sites []site) []string {
	g := m.gene
	copies := map[int]int{}
	for _, s := range sites {
		p := &m.positions[s.pi]
		p.variant.each(func(ai int) {
			if ai == m.ref {
				return
			}
			k := 0
			for h := 0; h < ob[s.pi].ploidy; h++ {
				if alleles.Matches(p.eff[ai], ob[s.pi].hap[h]) {
					k++
				}
			}
			if c, ok := copies[ai]; !ok || k < c {
				copies[ai] = k
			}
		})
	}
	var found []string
	for ai, a := range g.Alleles {
		for range copies[ai] {
			found = append(found, reportName(g, a.Name))
		}
	}
	return found
}

func rsid(p *posModel) string {
	if p.pos.RSID == "" {
		return ""
	}
	return " (" + p.pos.RSID + ")"
}

func listNames(names []string) string {
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:maxListed], ", ") + fmt.Sprintf(" and %d more", len(names)-maxListed)
}

func appendOnce(s []string, v string) []string {
	if slices.Contains(s, v) {
		return s
	}
	return append(s, v)
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// slco1b1Fallback gives the SLCO1B1 phenotype from c.521T>C (rs4149056)
// alone when no star-allele diplotype fits, as CPIC's statin guideline
// allows (PMID 35152405) and PharmCAT does: TT normal, TC decreased, CC
// poor function.
func slco1b1Fallback(m *geneModel, ob []obs, call *pharmacogenomics.GeneCall, minConf float64) {
	for pi, p := range m.positions {
		if p.pos.RSID != "rs4149056" || !ob[pi].ok || ob[pi].ploidy != 2 {
			continue
		}
		c := 0
		for h := 0; h < 2; h++ {
			switch ob[pi].hap[h] {
			case "C":
				c++
			case p.pos.Ref:
			default:
				return
			}
		}
		call.Called = true
		call.Phenotype = [...]string{"Normal Function", "Decreased Function", "Poor Function"}[c]
		call.Notes = append(call.Notes, fmt.Sprintf("phenotype from rs4149056 (c.521T>C) alone: %d C allele(s) (CPIC statin guideline)", c))
		if call.Confidence != nil && *call.Confidence < minConf {
			call.Notes = append(call.Notes, "confidence below the threshold")
		}
		return
	}
}
