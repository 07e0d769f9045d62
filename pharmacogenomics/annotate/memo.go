package annotate

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// memoLimit bounds the answers one worker keeps (a biobank has a few
// thousand distinct gene-call combinations per drug at most; past the
// limit answers are still right, only computed each time).
const memoLimit = 1 << 16

// recMemo answers the genotype-only recommendations of a sample from the
// answers already given for another sample with the same calls of the
// genes a drug's rules read. A genotype-only recommendation (rules.Patient
// empty) depends on nothing else: the rule conditions may read only the
// rule's genes (rules.Load refuses others), the caveats come from those
// genes' calls, and the sex is part of the key. A drug with a dose
// calculator (warfarin) may read more genes, so its key holds every gene.
// An outside call's note names its line in the outside-calls file; the
// key and the stored answer hold a placeholder instead, replaced by the
// sample's own line in every answer given (outsideLines).
// Evaluating the rules is most of annotate's work; a biobank repeats the
// same few combinations, so most answers are a map lookup. One recMemo
// belongs to one worker goroutine.
type recMemo struct {
	engine  *rules.Engine
	drugs   []string
	genes   map[string][]string // drug → the genes its key holds; nil: every gene
	answers map[string][]rules.Recommendation
	hits    int
	misses  int
}

func newRecMemo(e *rules.Engine) *recMemo {
	m := &recMemo{engine: e, drugs: e.Drugs(), genes: map[string][]string{}, answers: map[string][]rules.Recommendation{}}
	for _, d := range e.DrugList() {
		if d.Calculator == "" {
			m.genes[d.Drug] = d.Genes
		}
	}
	return m
}

// recommend returns what e.Recommend(ctx, sc, rules.Patient{}) returns.
func (m *recMemo) recommend(ctx context.Context, sc pharmacogenomics.SampleCalls) ([]rules.Recommendation, error) {
	general, lines := outsideLines(sc)
	calls, err := encodeCalls(general)
	if err != nil {
		return nil, err
	}
	var out []rules.Recommendation
	var key strings.Builder
	for _, d := range m.drugs {
		if _, ok := m.genes[d]; !ok {
			recs, err := m.engine.Recommend(ctx, sc, rules.Patient{}, d)
			if err != nil {
				return nil, err
			}
			out = append(out, recs...)
			continue
		}
		key.Reset()
		key.WriteString(d)
		key.WriteString("\x00")
		key.WriteString(sc.Sex)
		for _, g := range m.genes[d] {
			key.WriteString("\x00")
			key.WriteString(calls[g])
		}
		recs, ok := m.answers[key.String()]
		if ok {
			m.hits++
		} else {
			m.misses++
			if recs, err = m.engine.Recommend(ctx, general, rules.Patient{}, d); err != nil {
				return nil, err
			}
			if len(m.answers) < memoLimit {
				m.answers[key.String()] = forSample(recs, "", nil)
			}
		}
		out = append(out, forSample(recs, sc.Sample, lines)...)
	}
	return out, nil
}

// encodeCalls spells every gene call of sc completely (every field, as
// JSON), by gene; a gene without a call is "".
func encodeCalls(sc pharmacogenomics.SampleCalls) (map[string]string, error) {
	out := make(map[string]string, len(sc.Genes))
	for _, g := range sc.Genes {
		b, err := json.Marshal(g)
		if err != nil {
			return nil, err
		}
		out[g.Gene] = string(b)
	}
	return out, nil
}

// forSample copies recs as answers for sample, with the sample's own
// outside-call lines (nil: leave the placeholders); the slices a caller
// might change are copied, the rest is shared read-only.
func forSample(recs []rules.Recommendation, sample string, lines *strings.Replacer) []rules.Recommendation {
	out := make([]rules.Recommendation, len(recs))
	for i, r := range recs {
		r.Sample = sample
		r.Genes = slices.Clone(r.Genes)
		r.Caveats = slices.Clone(r.Caveats)
		if lines != nil {
			r.Text, r.ActionNote = lines.Replace(r.Text), lines.Replace(r.ActionNote)
			for j, c := range r.Caveats {
				r.Caveats[j] = lines.Replace(c)
			}
		}
		out[i] = r
	}
	return out
}

// lineRef is how calling names the line of an outside call in its note.
var lineRef = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\(line [0-9]+\)`) })

// outsideLines returns sc with the line of each outside call's note
// replaced by a placeholder naming the gene, and the replacer that puts
// the lines back.
func outsideLines(sc pharmacogenomics.SampleCalls) (pharmacogenomics.SampleCalls, *strings.Replacer) {
	var pairs []string
	general := sc
	for i, g := range sc.Genes {
		if g.Source != "outside" || !slices.ContainsFunc(g.Notes, lineRef().MatchString) {
			continue
		}
		if len(pairs) == 0 {
			general.Genes = slices.Clone(sc.Genes)
		}
		notes := slices.Clone(g.Notes)
		ph := "(line \x01" + g.Gene + "\x01)"
		for j, n := range notes {
			if ref := lineRef().FindString(n); ref != "" {
				notes[j] = strings.Replace(n, ref, ph, 1)
				pairs = append(pairs, ph, ref)
			}
		}
		general.Genes[i].Notes = notes
	}
	return general, strings.NewReplacer(pairs...)
}
