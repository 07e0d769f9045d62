package server

import "github.com/varamu/varamu/pharmacogenomics"

// CallsWhere returns the gene calls of a sample whose gene keep (nil: all)
// accepts, in the sample's order (nil when the sample was not annotated):
// a card about one drug reads its genes' calls, not a copy of all of them.
// The calls' slices are shared: callers MUST NOT modify them.
func (p *PGx) CallsWhere(sample string, keep func(gene string) bool) []pharmacogenomics.GeneCall {
	sid, found := p.samples.ID(sample)
	idx := list(&p.callLists, p.sampleCalls, sid)
	if !found || idx == nil {
		return nil
	}
	n := 2 // a drug's genes
	if keep == nil {
		n = len(idx)
	}
	out := make([]pharmacogenomics.GeneCall, 0, n)
	for _, j := range idx {
		if g := &p.callTab[j]; keep == nil || keep(g.Gene) {
			out = append(out, p.sampleCall(sid, *g))
		}
	}
	return out
}
