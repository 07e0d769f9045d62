package rules

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"cel.dev/cel-go/common/types"

	"github.com/varamu/varamu/pharmacogenomics"
)

// GeneResult is what a recommendation used from one gene.
type GeneResult struct {
	Gene       string   `json:"gene"`
	Called     bool     `json:"called"`
	Source     string   `json:"source,omitempty"`
	Diplotypes []string `json:"diplotypes"`
	// Phenotype is the effective phenotype the rules saw ("No Result" when
	// the gene was not called).
	Phenotype     string   `json:"phenotype"`
	ActivityScore *float64 `json:"activityScore"`
	// GenotypicPhenotype and GenotypicActivityScore are set when
	// phenoconversion changed the phenotype; Conversion says why.
	GenotypicPhenotype     string   `json:"genotypicPhenotype,omitempty"`
	GenotypicActivityScore *float64 `json:"genotypicActivityScore,omitempty"`
	Conversion             string   `json:"conversion,omitempty"`
	Uncertain              bool     `json:"uncertain,omitempty"`
}

// Recommendation is the guidance for one patient and one drug.
type Recommendation struct {
	Sample string       `json:"sample"`
	Drug   string       `json:"drug"`
	Genes  []GeneResult `json:"genes"`
	// Action is one of the Action* categories.
	Action string `json:"action"`
	// ActionNote, when set, says that Action is varamu's reading of a
	// guideline that does not state it so; Text gives the guideline's words.
	ActionNote string `json:"actionNote,omitempty"`
	Text       string `json:"text"`
	Strength   string `json:"strength,omitempty"`
	Population string `json:"population,omitempty"`
	RuleID     string `json:"ruleId,omitempty"`
	// Guideline is the cited guideline (nil when no rule applied).
	Guideline *Guideline `json:"guideline,omitempty"`
	// SourceVersion is the version of the source the guideline was taken from.
	SourceVersion string `json:"sourceVersion,omitempty"`
	// DataVersion is the rule data's version; CallDataVersion the version
	// of the allele data the calls were made with (when known).
	DataVersion     string        `json:"dataVersion"`
	CallDataVersion string        `json:"callDataVersion,omitempty"`
	Dose            *WarfarinDose `json:"dose,omitempty"`
	// Caveats carry, in plain words, everything that was missing,
	// ambiguous, uncertain, converted or assumed.
	Caveats []string `json:"caveats"`
}

// geneState is one gene as the rules see it for one patient and drug.
type geneState struct {
	gene      string
	call      *pharmacogenomics.GeneCall
	called    bool
	genoPheno string
	pheno     string
	genoScore *float64
	score     *float64
	// conversion explains a phenoconversion ("" when none); moderateNote
	// is a caveat when a moderate inhibitor could not be applied.
	conversion string
	inhibNote  string
	// inferred says that the score was inferred from the phenotype.
	inferred string
}

type view struct {
	genes   map[string]*geneState
	patient Patient
	sex     string
}

const noResult = "No Result"

func emptyView(genes []string) *view {
	v := &view{genes: map[string]*geneState{}}
	for _, g := range genes {
		v.genes[g] = &geneState{gene: g, genoPheno: noResult, pheno: noResult}
	}
	return v
}

// buildView assembles the per-gene state for a sample, applying
// phenoconversion from the patient's medications (except drug itself).
func (e *Engine) buildView(s *pharmacogenomics.SampleCalls, p Patient, drug string) *view {
	v := emptyView(e.genes)
	v.patient = p
	v.sex = p.Sex
	if v.sex == "" {
		v.sex = s.Sex
	}
	for i := range s.Genes {
		c := &s.Genes[i]
		st := &geneState{gene: c.Gene, call: c, called: c.Called, genoPheno: noResult, pheno: noResult}
		if c.Called {
			st.genoPheno = c.Phenotype
			if st.genoPheno == "" {
				st.genoPheno = "Indeterminate"
			}
			st.pheno = st.genoPheno
			if c.ActivityScore != nil {
				a := *c.ActivityScore
				st.genoScore, st.score = &a, &a
			} else if _, banded := phenotypeForScore(c.Gene, 0); banded && st.genoPheno == "Poor Metabolizer" {
				// Poor metaboliser is activity score 0 and nothing else.
				a := 0.0
				st.genoScore, st.score = &a, &a
				st.inferred = c.Gene + ": activity score 0 inferred from the phenotype Poor Metabolizer (no diplotype or score was given)"
			}
		}
		v.genes[c.Gene] = st
	}
	meds := p.medications(drug)
	for _, st := range v.genes {
		e.phenoconvert(st, meds)
	}
	return v
}

// phenoconvert applies the strongest listed inhibitor of st's gene.
func (e *Engine) phenoconvert(st *geneState, meds []string) {
	if !st.called {
		return
	}
	var strong, moderate []string
	for _, m := range meds {
		for _, in := range e.inhibitors[m] {
			if in.Gene != st.gene {
				continue
			}
			if in.Strength == "strong" {
				strong = append(strong, m)
			} else {
				moderate = append(moderate, m)
			}
		}
	}
	if len(strong) == 0 && len(moderate) == 0 {
		return
	}
	factor, by, kind := 0.5, moderate, "moderate"
	if len(strong) > 0 {
		factor, by, kind = 0, strong, "strong"
	}
	who := fmt.Sprintf("%s (%s %s inhibitor)", strings.Join(by, ", "), kind, st.gene)
	if st.score != nil {
		ns := *st.score * factor
		ph, ok := phenotypeForScore(st.gene, ns)
		if !ok {
			st.inhibNote = fmt.Sprintf("%s takes %s, which lowers %s activity; the effect on the phenotype could not be computed", "the patient", who, st.gene)
			return
		}
		st.score = &ns
		if ph != st.pheno || ns != *st.genoScore {
			st.conversion = fmt.Sprintf("%s phenotype converted from %s (activity score %s) to %s (activity score %s) because the patient takes %s",
				st.gene, st.genoPheno, fmtNum(*st.genoScore), ph, fmtNum(ns), who)
		}
		st.pheno = ph
		return
	}
	if factor == 0 && convertibleToPoor(st.pheno) {
		st.conversion = fmt.Sprintf("%s phenotype converted from %s to Poor Metabolizer because the patient takes %s",
			st.gene, st.genoPheno, who)
		st.pheno = "Poor Metabolizer"
		return
	}
	if factor != 0 {
		st.inhibNote = fmt.Sprintf("the patient takes %s; without an activity score the phenotype was not converted, but %s activity may be lower than the genotype predicts", who, st.gene)
	}
}

func convertibleToPoor(ph string) bool {
	switch ph {
	case "Ultrarapid Metabolizer", "Rapid Metabolizer", "Normal Metabolizer", "Likely Intermediate Metabolizer",
		"Intermediate Metabolizer", "Likely Poor Metabolizer":
		return true
	}
	return false
}

// phenotypeForScore bands an activity score for genes whose bands are
// published (CYP2D6: Caudle et al. 2020).
func phenotypeForScore(gene string, as float64) (string, bool) {
	if gene != "CYP2D6" {
		return "", false
	}
	switch {
	case as == 0:
		return "Poor Metabolizer", true
	case as <= 1:
		return "Intermediate Metabolizer", true
	case as <= 2.25:
		return "Normal Metabolizer", true
	default:
		return "Ultrarapid Metabolizer", true
	}
}

// activation turns a view into CEL variables.
func (e *Engine) activation(v *view) map[string]any {
	pheno := map[string]string{}
	geno := map[string]string{}
	called := map[string]bool{}
	score := map[string]float64{}
	dips := map[string][]string{}
	alleles := map[string][]string{}
	outside := map[string]bool{}
	for g, st := range v.genes {
		pheno[g], geno[g], called[g] = st.pheno, st.genoPheno, st.called
		if st.score != nil {
			score[g] = *st.score
		}
		dips[g], alleles[g] = []string{}, []string{}
		if st.called && st.call != nil {
			dips[g] = slices.Clone(st.call.Diplotypes)
			alleles[g] = append(allelesOf(st.call.Diplotypes), carried(st.call)...)
			outside[g] = st.call.Source == "outside"
		} else {
			outside[g] = false
		}
	}
	num := func(p *float64) any {
		if p == nil {
			return types.NullValue
		}
		return *p
	}
	sex := v.sex
	if sex == "" {
		sex = "unknown"
	}
	anc := v.patient.Ancestry
	if anc == "" {
		anc = "unknown"
	}
	return map[string]any{
		"phenotype": pheno, "genotypicPhenotype": geno, "called": called, "score": score,
		"diplotypes": dips, "alleles": alleles, "outside": outside,
		"age": num(v.patient.AgeYears), "weight": num(v.patient.WeightKg), "height": num(v.patient.HeightCm),
		"sex": sex, "ancestry": anc, "medications": v.patient.medications(""),
	}
}

// allelesOf lists the distinct alleles of the diplotypes, in order. An
// HLA-style name with more than two fields ("*57:01:01") also yields its
// two-field protein-level name ("*57:01"), which is what guidelines key on.
func allelesOf(dips []string) []string {
	out := []string{}
	add := func(a string) {
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	for _, d := range dips {
		for _, a := range strings.Split(d, "/") {
			a = strings.TrimSpace(a)
			add(a)
			if f := strings.Split(a, ":"); len(f) > 2 && strings.HasPrefix(a, "*") {
				add(f[0] + ":" + f[1])
			}
		}
	}
	return out
}

// carried lists the alleles a call states the patient carries (HLA
// "positive" statements) that its diplotypes do not already name.
func carried(c *pharmacogenomics.GeneCall) []string {
	var out []string
	for a, pos := range c.Carriers {
		if pos && !slices.Contains(allelesOf(c.Diplotypes), a) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// Recommend evaluates the rules for one sample and the given drugs (all
// drugs with rules when none are given), in the order given. Clinical facts
// come from p. Every uncertainty of every gene call a recommendation used is
// carried into its Caveats.
func (e *Engine) Recommend(ctx context.Context, s pharmacogenomics.SampleCalls, p Patient, drugs ...string) ([]Recommendation, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if len(drugs) == 0 {
		drugs = e.Drugs()
	}
	// The view is the same for every drug except a drug that is itself a
	// listed inhibitor the patient takes: it must not convert its own
	// phenotype. Build it once and rebuild only then.
	base := e.buildView(&s, p, "")
	baseAct := e.activation(base)
	meds := p.medications("")
	var out []Recommendation
	for _, d := range drugs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d = e.canonicalDrug(d)
		v, act := base, baseAct
		if len(e.inhibitors[d]) > 0 && slices.Contains(meds, d) {
			v = e.buildView(&s, p, d)
			act = e.activation(v)
		}
		recs, err := e.recommendHonest(&s, p, v, act, d)
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

// RecommendSet runs Recommend for every sample of a call set. patients
// gives each sample's clinical facts (a missing entry means all unknown).
// The result is keyed by sample.
func (e *Engine) RecommendSet(ctx context.Context, cs pharmacogenomics.CallSet, patients map[string]Patient, drugs ...string) (map[string][]Recommendation, error) {
	out := make(map[string][]Recommendation, len(cs.Samples))
	for _, s := range cs.Samples {
		recs, err := e.Recommend(ctx, s, patients[s.Sample], drugs...)
		if err != nil {
			return nil, fmt.Errorf("sample %s: %w", s.Sample, err)
		}
		for i := range recs {
			recs[i].CallDataVersion = cs.DataVersion
		}
		out[s.Sample] = recs
	}
	return out, nil
}

func (e *Engine) recommendDrug(sample string, v *view, act map[string]any, drug string) ([]Recommendation, error) {
	idx, ok := e.byDrug[drug]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownDrug, drug)
	}
	var needed []string
	var out []Recommendation
	for _, i := range idx {
		r := &e.file.Rules[i]
		for _, g := range r.Genes {
			if !slices.Contains(needed, g) {
				needed = append(needed, g)
			}
		}
		ok, err := e.eval(i, act)
		if err != nil {
			return nil, fmt.Errorf("rules: rule %s for %s: %w", r.ID, drug, err)
		}
		if !ok {
			continue
		}
		rec, err := e.fromRule(sample, drug, r, v)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	// A gene given without an activity score (e.g. an outside phenotype)
	// cannot match rules keyed by score: say so.
	var noScore []string
	for _, g := range e.scoreKeyed[drug] {
		if st := v.genes[g]; st.called && st.score == nil {
			noScore = append(noScore, fmt.Sprintf("%s was given without an activity score, but the guidelines for %s are keyed by activity score: give the %s diplotype for a specific recommendation", g, drug, g))
		}
	}
	for i := range out {
		out[i].Caveats = append(out[i].Caveats, noScore...)
	}
	if len(out) > 0 {
		return out, nil
	}
	// Nothing applied: say why.
	var missing []string
	for _, g := range needed {
		if st := v.genes[g]; !st.called {
			missing = append(missing, g)
		}
	}
	rec := Recommendation{Sample: sample, Drug: drug, DataVersion: e.file.DataVersion, Caveats: []string{}}
	for _, g := range needed {
		rec.Genes = append(rec.Genes, geneResult(v.genes[g]))
		rec.Caveats = append(rec.Caveats, geneCaveats(v.genes[g])...)
	}
	rec.Caveats = append(rec.Caveats, noScore...)
	if len(missing) > 0 {
		rec.Action = ActionNoGenotype
		var parts []string
		for _, g := range missing {
			parts = append(parts, fmt.Sprintf("%s not called (%s)", g, notCalledReason(v.genes[g])))
		}
		rec.Text = "no genotype-based recommendation: " + strings.Join(parts, "; ")
		return []Recommendation{rec}, nil
	}
	rec.Action = ActionNoRecommendation
	var phs []string
	for _, g := range needed {
		phs = append(phs, g+" "+v.genes[g].pheno)
	}
	rec.Text = fmt.Sprintf("No guideline recommendation for %s matches these results (%s).", drug, strings.Join(phs, ", "))
	return []Recommendation{rec}, nil
}

func (e *Engine) fromRule(sample, drug string, r *Rule, v *view) (Recommendation, error) {
	g := e.guidelines[r.Guideline]
	rec := Recommendation{
		Sample: sample, Drug: drug, Action: r.Action, ActionNote: r.Reading, Text: r.Text, Strength: r.Strength,
		Population: r.Population, RuleID: r.ID, Guideline: &g, SourceVersion: e.sourceVersion(g),
		DataVersion: e.file.DataVersion, Caveats: []string{},
	}
	genes := r.Genes
	for _, gn := range genes {
		st := v.genes[gn]
		rec.Genes = append(rec.Genes, geneResult(st))
		rec.Caveats = append(rec.Caveats, geneCaveats(st)...)
	}
	if v.patient.AgeYears == nil && readsFact(r.When, "age") {
		rec.Caveats = append(rec.Caveats, "age unknown: the age condition of this recommendation could not be checked")
	}
	if v.patient.WeightKg == nil && readsFact(r.When, "weight") {
		rec.Caveats = append(rec.Caveats, "weight unknown: the weight condition of this recommendation could not be checked")
	}
	if r.Calculator == CalculatorIWPCWarfarin {
		if err := e.warfarin(&rec, v); err != nil {
			return rec, err
		}
	}
	return rec, nil
}

func (e *Engine) sourceVersion(g Guideline) string {
	for _, s := range e.file.Sources {
		if s.ID == g.Source {
			v := s.Name + " " + s.Version
			if g.Version != "" {
				v += "; guideline version " + g.Version
			}
			return v
		}
	}
	return g.Version
}

func geneResult(st *geneState) GeneResult {
	gr := GeneResult{Gene: st.gene, Called: st.called, Phenotype: st.pheno, ActivityScore: st.score, Diplotypes: []string{}}
	if st.call != nil {
		gr.Source = st.call.Source
		gr.Uncertain = st.call.Uncertain
		if st.called {
			gr.Diplotypes = slices.Clone(st.call.Diplotypes)
		}
	}
	if st.conversion != "" {
		gr.GenotypicPhenotype = st.genoPheno
		gr.GenotypicActivityScore = st.genoScore
		gr.Conversion = st.conversion
	}
	return gr
}

// outsideOnly are genes varamu cannot call from SNVs.
var outsideOnly = map[string]string{
	"CYP2D6": "CYP2D6 copy number and hybrids cannot be called from SNVs",
	"HLA-A":  "HLA typing is not done from SNVs",
	"HLA-B":  "HLA typing is not done from SNVs",
}

func notCalledReason(st *geneState) string {
	if st.call == nil {
		if why, ok := outsideOnly[st.gene]; ok {
			return "no outside call was given; " + why
		}
		return "not in the call set"
	}
	if len(st.call.Notes) > 0 {
		return strings.Join(st.call.Notes, "; ")
	}
	return "no reason recorded"
}

// geneCaveats states, in plain words, everything about a gene's call that a
// clinician must know before acting on a recommendation made from it.
func geneCaveats(st *geneState) []string {
	var out []string
	if !st.called {
		out = append(out, fmt.Sprintf("%s not called (%s); the recommendation does not use %s", st.gene, notCalledReason(st), st.gene))
		return out
	}
	c := st.call
	if c.Source == "outside" && !slices.ContainsFunc(c.Notes, func(n string) bool { return strings.Contains(n, "outside call") }) {
		out = append(out, fmt.Sprintf("%s is an outside call (given to varamu, not genotyped by it)", st.gene))
	}
	if len(c.Diplotypes) > 1 {
		out = append(out, fmt.Sprintf("%s call is ambiguous: %s fit the data equally well", st.gene, strings.Join(c.Diplotypes, " or ")))
	}
	if c.Uncertain {
		msg := fmt.Sprintf("%s call is uncertain", st.gene)
		if c.Confidence != nil {
			msg += fmt.Sprintf(" (probability of the reported diplotype %.2f)", *c.Confidence)
		}
		out = append(out, msg+": confirm before relying on it")
	} else if c.Confidence != nil && *c.Confidence < 1 {
		out = append(out, fmt.Sprintf("%s call made from genotype probabilities (probability of the reported diplotype %.2f)", st.gene, *c.Confidence))
	}
	if len(c.MissingPositions) > 0 {
		out = append(out, fmt.Sprintf("%s: %d position(s) not genotyped, alleles needing them could not be tested: %s",
			st.gene, len(c.MissingPositions), strings.Join(c.MissingPositions, ", ")))
	}
	if len(c.Novel) > 0 {
		out = append(out, fmt.Sprintf("%s: variant(s) no allele definition explains at %s", st.gene, strings.Join(c.Novel, ", ")))
	}
	for _, n := range c.Notes {
		out = append(out, st.gene+": "+n)
	}
	if st.inferred != "" {
		out = append(out, st.inferred)
	}
	if st.conversion != "" {
		out = append(out, st.conversion)
	}
	if st.inhibNote != "" {
		out = append(out, st.gene+": "+st.inhibNote)
	}
	return out
}

// DescribeCall states in plain words everything about a gene call that a
// clinician must know (not called and why, outside call, ambiguity,
// uncertainty, missing positions, novel variants, notes); nil when the call
// is clean. Reports use it so that they say exactly what recommendations say.
func DescribeCall(c pharmacogenomics.GeneCall) []string {
	st := &geneState{gene: c.Gene, call: &c, called: c.Called}
	return geneCaveats(st)
}

// OutsideOnlyGenes lists the genes varamu cannot call from SNVs and accepts
// only as outside calls, with the reason.
func OutsideOnlyGenes() map[string]string {
	out := make(map[string]string, len(outsideOnly))
	for k, v := range outsideOnly {
		out[k] = v
	}
	return out
}

// readsFact reports whether a condition reads the clinical fact variable
// name (as an identifier, not inside a string).
func readsFact(expr, name string) bool {
	inStr := false
	for i := 0; i < len(expr); i++ {
		switch c := expr[i]; {
		case c == '\\' && inStr:
			i++
		case c == '"':
			inStr = !inStr
		case !inStr && strings.HasPrefix(expr[i:], name) &&
			(i == 0 || !isIdent(expr[i-1])) && (i+len(name) == len(expr) || !isIdent(expr[i+len(name)])):
			return true
		}
	}
	return false
}

func isIdent(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// canonicalDrug maps a drug name or prescription text ("Clopidogrel 75 MG
// Oral Tablet") to the generic name the rules use, when one matches.
func (e *Engine) canonicalDrug(d string) string {
	d = normDrug(d)
	if _, ok := e.byDrug[d]; ok {
		return d
	}
	if first, _, ok := strings.Cut(d, " "); ok {
		if _, ok := e.byDrug[first]; ok {
			return first
		}
	}
	return d
}
