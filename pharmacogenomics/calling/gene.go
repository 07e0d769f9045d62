package calling

import (
	"fmt"
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
