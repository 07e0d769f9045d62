package rules

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/varamu/varamu/pharmacogenomics"
)

// This file is where a call the engine cannot fully read becomes an honest
// "unknown" instead of a usual dose. Three cases:
//
//   - A call with several readings (GeneCall.Alternatives: unphased
//     variants, a CYP2D6 phenotype given without a score; or an HLA result
//     that does not say whether the patient carries an allele a rule asks
//     about) is evaluated once per reading. What every reading agrees on is
//     reported; where a guideline's answer differs between readings, the
//     answer of the assumed reading is kept only when it is an action (not
//     usual dosing), with the other readings named; otherwise the
//     guideline's answer is unknown.
//   - A gene whose call is incomplete (GeneCall.Untested) or indeterminate
//     turns a "usual dose" or "no recommendation" answer into unknown, naming
//     what was not tested; an action is kept with that caveat.

// indeterminate is CPIC's phenotype for a result that cannot be read.
const indeterminate = "Indeterminate"

// maxReadings bounds the combinations of readings evaluated for one drug.
const maxReadings = 64

// carrierRef matches a condition's test for carrying one allele.
var carrierRef = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`"([^"\\]+)" in alleles\["([^"\\]+)"\]`) })

// carrierKeysByDrug lists, per drug and gene, the alleles its rules test by
// carrier status ("*57:01" for HLA-B), in the order they first appear.
func carrierKeysByDrug(rs []Rule) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, r := range rs {
		for _, m := range carrierRef().FindAllStringSubmatch(r.When, -1) {
			for _, d := range r.Drugs {
				d = normDrug(d)
				if out[d] == nil {
					out[d] = map[string][]string{}
				}
				if !slices.Contains(out[d][m[2]], m[1]) {
					out[d][m[2]] = append(out[d][m[2]], m[1])
				}
			}
		}
	}
	return out
}

// reading is one way to read a sample's calls for one drug.
type reading struct {
	calls   pharmacogenomics.SampleCalls
	desc    []string // what this reading assumes, per gene with several readings
	assumed bool     // every gene's reading is the one its call reports
}

// option is one reading of one gene's call.
type option struct {
	call    pharmacogenomics.GeneCall
	desc    string
	assumed bool
}

// geneOptions lists the readings of one gene's call for drug; one option
// with changed=false means the call is used as it is.
func (e *Engine) geneOptions(c pharmacogenomics.GeneCall, drug string) (opts []option, changed bool) {
	base := []option{{call: c, assumed: true}}
	if len(c.Alternatives) > 1 {
		base = base[:0]
		for _, a := range c.Alternatives {
			oc := c
			if len(a.Diplotypes) > 0 {
				oc.Diplotypes = a.Diplotypes
			}
			oc.Phenotype, oc.ActivityScore, oc.Alternatives = a.Phenotype, a.ActivityScore, nil
			base = append(base, option{call: oc, desc: c.Gene + " " + describeAlternative(a), assumed: a.Assumed})
		}
		changed = true
	}
	keys := e.carriers[drug][c.Gene]
	if len(keys) == 0 || !c.Called || (len(c.Diplotypes) == 0 && c.Carriers == nil) {
		return base, changed
	}
	var out []option
	for _, o := range base {
		out = append(out, carrierOptions(o, keys)...)
	}
	return out, true
}

// carrierOptions splits a reading by the status of every allele a rule
// asks about that the call does not state: carrying it or not.
func carrierOptions(o option, keys []string) []option {
	known := map[string]bool{}
	var unknown []string
	dipAlleles := allelesOf(o.call.Diplotypes)
	for _, k := range keys {
		switch v, ok := o.call.Carriers[k]; {
		case ok:
			known[k] = v
		case len(o.call.Diplotypes) > 0:
			known[k] = slices.Contains(dipAlleles, k)
		default:
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 6 {
		unknown = unknown[:6]
	}
	var out []option
	for mask := 0; mask < 1<<len(unknown); mask++ {
		n := o
		n.call.Carriers = map[string]bool{}
		for k, v := range known {
			n.call.Carriers[k] = v
		}
		var desc []string
		for i, k := range unknown {
			v := mask&(1<<i) != 0
			n.call.Carriers[k] = v
			desc = append(desc, pharmacogenomics.CarrierPhenotype(o.call.Gene, map[string]bool{k: v}))
		}
		n.call.Phenotype = carrierText(o.call.Gene, known, unknown)
		if len(desc) > 0 {
			n.desc = strings.TrimSpace(strings.Join(append([]string{o.desc}, desc...), ", "))
			n.desc = strings.TrimPrefix(n.desc, ", ")
			n.assumed = false
		}
		out = append(out, n)
	}
	return out
}

// carrierText is what a report shows for an HLA result and one drug:
// each allele its rules ask about, "positive", "negative" or "not
// reported".
func carrierText(gene string, known map[string]bool, unknown []string) string {
	t := pharmacogenomics.CarrierPhenotype(gene, known)
	for _, k := range unknown {
		if t != "" {
			t += "; "
		}
		t += gene + k + " not reported"
	}
	return t
}

// readings lists every combination of the readings of the genes drug
// reads; nil when every call is used as it is.
func (e *Engine) readings(s *pharmacogenomics.SampleCalls, drug string) []reading {
	genes := e.drugGenes(drug)
	rs := []reading{{calls: s.Clone(), assumed: true}}
	any := false
	for gi := range s.Genes {
		if !slices.Contains(genes, s.Genes[gi].Gene) {
			continue
		}
		opts, changed := e.geneOptions(s.Genes[gi], drug)
		if !changed {
			continue
		}
		any = true
		var next []reading
		for _, r := range rs {
			for _, o := range opts {
				if len(next) == maxReadings {
					break
				}
				n := reading{calls: r.calls.Clone(), desc: slices.Clone(r.desc), assumed: r.assumed && o.assumed}
				n.calls.Genes[gi] = o.call
				if o.desc != "" {
					n.desc = append(n.desc, o.desc)
				}
				next = append(next, n)
			}
		}
		rs = next
	}
	if !any {
		return nil
	}
	return rs
}

// drugGenes lists the genes the rules of drug read.
func (e *Engine) drugGenes(drug string) []string {
	var out []string
	for _, i := range e.byDrug[drug] {
		for _, g := range e.file.Rules[i].Genes {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	return out
}

// recommendHonest evaluates drug for every reading of the calls and merges
// the answers, then makes answers from incomplete or indeterminate calls
// unknown. v and act are the view of the calls as they are.
func (e *Engine) recommendHonest(s *pharmacogenomics.SampleCalls, p Patient, v *view, act map[string]any, drug string) ([]Recommendation, error) {
	rs := e.readings(s, drug)
	if rs == nil {
		recs, err := e.recommendDrug(s.Sample, v, act, drug)
		if err != nil {
			return nil, err
		}
		return e.unknownIfUndecided(s, recs), nil
	}
	excl := ""
	if len(e.inhibitors[drug]) > 0 && slices.Contains(p.medications(""), drug) {
		excl = drug
	}
	outs := make([][]Recommendation, len(rs))
	for i := range rs {
		rv := e.buildView(&rs[i].calls, p, excl)
		recs, err := e.recommendDrug(s.Sample, rv, e.activation(rv), drug)
		if err != nil {
			return nil, err
		}
		outs[i] = recs
	}
	return e.unknownIfUndecided(s, mergeReadings(s, rs, outs)), nil
}

// asCalled shows a gene with several readings as it was called, not as
// one reading: its own diplotypes, phenotype and score.
func asCalled(genes []GeneResult, s *pharmacogenomics.SampleCalls) []GeneResult {
	out := slices.Clone(genes)
	for i := range out {
		for _, c := range s.Genes {
			if c.Gene == out[i].Gene && len(c.Alternatives) > 1 {
				out[i].Diplotypes = slices.Clone(c.Diplotypes)
				out[i].Phenotype, out[i].ActivityScore = c.Phenotype, c.ActivityScore
			}
		}
	}
	return out
}

// guidelineKey groups recommendations by the guideline they cite.
func guidelineKey(r *Recommendation) string {
	if r.Guideline == nil {
		return ""
	}
	return r.Guideline.ID
}

// mergeReadings keeps, per guideline, what every reading agrees on; see
// the comment at the top of this file for the rest.
func mergeReadings(s *pharmacogenomics.SampleCalls, rs []reading, outs [][]Recommendation) []Recommendation {
	pick := 0
	for i, r := range rs {
		if r.assumed {
			pick = i
			break
		}
	}
	assumedExists := rs[pick].assumed
	var keys []string
	for _, recs := range outs {
		for i := range recs {
			if k := guidelineKey(&recs[i]); !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	if len(keys) > 1 {
		// The "no rule applies" answer is only worth its own line when
		// no guideline answers at all.
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == "" })
	}
	var out []Recommendation
	for _, k := range keys {
		answers := make([]answer, len(rs))
		for i, recs := range outs {
			answers[i] = answerOf(recs, k)
		}
		mine := ofGuideline(outs[pick], k)
		common := commonRules(outs, k)
		agreeAll := !anyUnknown(answers)
		for _, a := range answers {
			agreeAll = agreeAll && a.ids == answers[pick].ids
		}
		switch {
		case agreeAll:
			for _, r := range mine {
				if len(rs) > 1 {
					r.Caveats = append(r.Caveats, "this holds for every possible reading of the result: "+strings.Join(readingNames(rs), "; "))
				}
				if !assumedExists {
					r.Genes = asCalled(r.Genes, s)
				}
				out = append(out, r)
			}
		case len(common) > 0 && allActions(common) && !anyUnknown(answers):
			for _, r := range common {
				r.Caveats = append(r.Caveats, "this holds for every possible reading of the result; depending on the reading the guideline adds: "+otherAnswers(rs, answers, -1))
				if !assumedExists {
					r.Genes = asCalled(r.Genes, s)
				}
				out = append(out, r)
			}
		case assumedExists && len(mine) > 0 && allActions(mine):
			for _, r := range mine {
				r.Caveats = append(r.Caveats, fmt.Sprintf("this assumes %s; the other readings give: %s",
					strings.Join(rs[pick].desc, ", "), otherAnswers(rs, answers, pick)))
				out = append(out, r)
			}
		default:
			u := undecidedRec(rs, outs, answers, pick, k)
			u.Genes = asCalled(u.Genes, s)
			out = append(out, u)
		}
	}
	return out
}

// answer is one reading's answer from one guideline.
type answer struct {
	ids     string // the rules that apply, for comparing readings
	text    string // their actions and texts, for people
	actions string // their actions
	unknown bool   // a gene the rules used is indeterminate
}

// answerOf summarises a guideline's answer for one reading.
func answerOf(recs []Recommendation, key string) answer {
	var a answer
	var ids, texts, acts []string
	for _, r := range ofGuideline(recs, key) {
		for _, g := range r.Genes {
			if g.Called && g.Phenotype == indeterminate {
				a.unknown = true
			}
		}
		ids = append(ids, r.RuleID)
		texts = append(texts, r.Action+": "+r.Text)
		if !slices.Contains(acts, r.Action) {
			acts = append(acts, r.Action)
		}
	}
	slices.Sort(ids)
	a.ids = strings.Join(ids, ",")
	switch {
	case a.unknown:
		a.text, a.actions = "unknown (indeterminate)", "unknown (indeterminate)"
	case len(texts) == 0:
		a.text, a.actions = "no rule applies", "no rule applies"
	default:
		a.text, a.actions = strings.Join(texts, " "), strings.Join(acts, ", ")
	}
	return a
}

func anyUnknown(as []answer) bool {
	return slices.ContainsFunc(as, func(a answer) bool { return a.unknown })
}

// commonRules are the recommendations of guideline key that every reading
// gives.
func commonRules(outs [][]Recommendation, key string) []Recommendation {
	var out []Recommendation
	for _, r := range ofGuideline(outs[0], key) {
		inAll := true
		for _, recs := range outs[1:] {
			inAll = inAll && slices.ContainsFunc(ofGuideline(recs, key), func(o Recommendation) bool { return o.RuleID == r.RuleID })
		}
		if inAll && r.RuleID != "" {
			out = append(out, r)
		}
	}
	return out
}

func ofGuideline(recs []Recommendation, key string) []Recommendation {
	var out []Recommendation
	for i := range recs {
		if guidelineKey(&recs[i]) == key {
			out = append(out, recs[i])
		}
	}
	return out
}

// allActions reports whether every recommendation asks for something other
// than usual dosing.
func allActions(recs []Recommendation) bool {
	for _, r := range recs {
		if !isAction(r.Action) {
			return false
		}
	}
	return true
}

func isAction(a string) bool {
	switch a {
	case ActionStandard, ActionNoRecommendation, ActionNoGenotype:
		return false
	}
	return true
}

func readingNames(rs []reading) []string {
	var out []string
	for _, r := range rs {
		out = append(out, strings.Join(r.desc, ", "))
	}
	return out
}

// otherAnswers spells the answers of every reading but skip (-1: all).
func otherAnswers(rs []reading, answers []answer, skip int) string {
	var parts []string
	for i := range rs {
		if i != skip {
			parts = append(parts, strings.Join(rs[i].desc, ", ")+" → "+answers[i].text)
		}
	}
	return strings.Join(parts, "; ")
}

// undecidedRec is the unknown answer of one guideline whose answer depends
// on which reading is right.
func undecidedRec(rs []reading, outs [][]Recommendation, answers []answer, pick int, key string) Recommendation {
	var ref *Recommendation
	if mine := ofGuideline(outs[pick], key); len(mine) > 0 {
		ref = &mine[0]
	} else {
		for _, recs := range outs {
			if m := ofGuideline(recs, key); len(m) > 0 {
				ref = &m[0]
				break
			}
		}
	}
	rec := Recommendation{Sample: ref.Sample, Drug: ref.Drug, Genes: ref.Genes, Action: ActionNoGenotype,
		Guideline: ref.Guideline, SourceVersion: ref.SourceVersion, DataVersion: ref.DataVersion, Caveats: []string{}}
	var genes []string
	for _, r := range rs {
		for _, d := range r.desc {
			g, _, _ := strings.Cut(d, " ")
			g, _, _ = strings.Cut(g, "*")
			if !slices.Contains(genes, g) {
				genes = append(genes, g)
			}
		}
	}
	var parts []string
	for i := range rs {
		parts = append(parts, strings.Join(rs[i].desc, ", ")+" → "+answers[i].actions)
	}
	who := "the guideline"
	if ref.Guideline != nil {
		who = "the " + ref.Guideline.Body + " guideline"
	}
	rec.Text = fmt.Sprintf("no genotype-based recommendation: the %s result can be read more than one way and %s answers differently for them (%s); confirm %s before treatment",
		strings.Join(genes, "/"), who, strings.Join(parts, "; "), strings.Join(genes, " and "))
	for _, r := range ofGuideline(outs[pick], key) {
		for _, c := range r.Caveats {
			if !slices.Contains(rec.Caveats, c) {
				rec.Caveats = append(rec.Caveats, c)
			}
		}
	}
	return rec
}

// unknownIfUndecided turns "usual dose" and "no recommendation" answers
// that used an incomplete or indeterminate gene call into unknown, saying
// what was not tested; an action keeps its text with that caveat.
func (e *Engine) unknownIfUndecided(s *pharmacogenomics.SampleCalls, recs []Recommendation) []Recommendation {
	var out []Recommendation
	for _, r := range recs {
		var why []string
		for _, g := range r.Genes {
			if w := undecidedWhy(s, g); w != "" {
				why = append(why, w)
			}
		}
		if len(why) == 0 {
			out = append(out, r)
			continue
		}
		if isAction(r.Action) {
			r.Caveats = append(r.Caveats, strings.Join(why, "; ")+"; the result may change this recommendation")
			out = append(out, r)
			continue
		}
		if r.Action == ActionNoGenotype && r.RuleID == "" && strings.Contains(r.Text, strings.Join(why, "; ")) {
			out = append(out, r)
			continue
		}
		u := Recommendation{Sample: r.Sample, Drug: r.Drug, Genes: r.Genes, Action: ActionNoGenotype,
			Guideline: r.Guideline, SourceVersion: r.SourceVersion, DataVersion: r.DataVersion, CallDataVersion: r.CallDataVersion,
			Text: "no genotype-based recommendation: " + strings.Join(why, "; "), Caveats: r.Caveats}
		if !slices.ContainsFunc(out, func(o Recommendation) bool { return o.Text == u.Text && guidelineKey(&o) == guidelineKey(&u) }) {
			out = append(out, u)
		}
	}
	return out
}

// undecidedWhy says why a gene result cannot support usual dosing: not
// every key position was tested, or the phenotype is indeterminate.
func undecidedWhy(s *pharmacogenomics.SampleCalls, g GeneResult) string {
	var call *pharmacogenomics.GeneCall
	for i := range s.Genes {
		if s.Genes[i].Gene == g.Gene {
			call = &s.Genes[i]
		}
	}
	switch {
	case call == nil || !g.Called:
		return ""
	case len(call.Untested) > 0:
		return fmt.Sprintf("%s is incomplete: not tested: %s; test %s before treatment (a missing no-function or decreased-function allele would change the dose)",
			g.Gene, listUpTo(call.Untested, 12), plural(len(call.Untested), "it", "them"))
	case call.Phenotype == indeterminate && len(call.Alternatives) < 2:
		var why []string
		for _, n := range call.Notes {
			if w, ok := strings.CutPrefix(n, "indeterminate: "); ok {
				why = append(why, w)
			}
		}
		if len(why) > 0 {
			return fmt.Sprintf("the %s result is indeterminate: %s", g.Gene, strings.Join(why, "; "))
		}
		return fmt.Sprintf("the %s result is indeterminate (%s); confirm it before treatment", g.Gene, strings.Join(call.Notes, "; "))
	}
	return ""
}

// listUpTo joins at most n items, saying how many more there are.
func listUpTo(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; and %d more", len(items)-n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// describeAlternative spells one reading: "*1/*3A → Intermediate Metabolizer".
func describeAlternative(a pharmacogenomics.Alternative) string {
	s := strings.Join(a.Diplotypes, " or ")
	if s != "" {
		s += " → "
	}
	s += a.Phenotype
	if a.ActivityScore != nil {
		s += " (activity score " + fmtNum(*a.ActivityScore) + ")"
	}
	return s
}
