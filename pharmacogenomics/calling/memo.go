package calling

import (
	"encoding/binary"
	"maps"
	"math"
	"slices"

	"github.com/varamu/varamu/genome"
	"github.com/varamu/varamu/pharmacogenomics"
)

// memoLimit bounds the gene calls one Memo keeps; past it calls are still
// right, only made each time.
const memoLimit = 1 << 16

// Memo remembers the gene calls a Caller made, by gene, sex and the
// observations at the gene's positions: a gene's call depends on nothing
// else, and a biobank repeats the same few observation patterns, so most
// calls of a whole-biobank run are a map lookup. A Memo belongs to one
// goroutine and one Caller.
type Memo struct {
	c     *Caller
	calls map[string]pharmacogenomics.GeneCall
	key   []byte
	// Hits and Misses count the calls reused and made.
	Hits, Misses int
}

// NewMemo returns an empty Memo for c.
func (c *Caller) NewMemo() *Memo {
	return &Memo{c: c, calls: map[string]pharmacogenomics.GeneCall{}}
}

// CallGenotypes is c.CallGenotypes, reusing the gene calls made for
// earlier samples with the same observations.
func (m *Memo) CallGenotypes(subj Subject, gts [][]genome.Genotype) (pharmacogenomics.SampleCalls, error) {
	return m.c.callGenotypes(subj, gts, m)
}

// callGene returns c.callGene(gm, ob, sex), from memory when it can.
func (m *Memo) callGene(gm *geneModel, ob []obs, sex Sex) pharmacogenomics.GeneCall {
	k := append(m.key[:0], gm.gene.Name...)
	k = append(k, 0, byte(sex))
	for i := range ob {
		k = ob[i].appendKey(k)
	}
	m.key = k
	if call, ok := m.calls[string(k)]; ok {
		m.Hits++
		return cloneCall(call)
	}
	m.Misses++
	call := m.c.callGene(gm, ob, sex)
	if len(m.calls) < memoLimit {
		m.calls[string(k)] = cloneCall(call)
	}
	return call
}

// appendKey spells every field of o, unambiguously (strings with their
// length).
func (o *obs) appendKey(b []byte) []byte {
	str := func(b []byte, s string) []byte {
		b = binary.AppendUvarint(b, uint64(len(s)))
		return append(b, s...)
	}
	flags := byte(0)
	for i, f := range []bool{o.ok, o.phased, o.hasProb, o.hasAF} {
		if f {
			flags |= 1 << i
		}
	}
	b = append(b, flags)
	b = str(b, o.missing)
	b = str(b, o.hap[0])
	b = str(b, o.hap[1])
	b = binary.AppendVarint(b, int64(o.ploidy))
	b = binary.AppendVarint(b, o.ps)
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(o.prob))
	b = binary.LittleEndian.AppendUint64(b, math.Float64bits(o.af))
	b = str(b, o.note)
	return str(b, o.novel)
}

// cloneCall copies c deeply, so that a caller may change the copy.
func cloneCall(c pharmacogenomics.GeneCall) pharmacogenomics.GeneCall {
	c.Diplotypes = slices.Clone(c.Diplotypes)
	c.ActivityScore = clonePtr(c.ActivityScore)
	c.Confidence = clonePtr(c.Confidence)
	c.MissingPositions = slices.Clone(c.MissingPositions)
	c.Novel = slices.Clone(c.Novel)
	c.Extra = maps.Clone(c.Extra)
	c.Notes = slices.Clone(c.Notes)
	c.Untested = slices.Clone(c.Untested)
	c.Alternatives = slices.Clone(c.Alternatives)
	for i := range c.Alternatives {
		c.Alternatives[i].Diplotypes = slices.Clone(c.Alternatives[i].Diplotypes)
		c.Alternatives[i].ActivityScore = clonePtr(c.Alternatives[i].ActivityScore)
	}
	c.Carriers = maps.Clone(c.Carriers)
	return c
}

func clonePtr(p *float64) *float64 {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
