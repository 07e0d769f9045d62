package cdshooks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/varamu/varamu/pharmacogenomics"
	"github.com/varamu/varamu/pharmacogenomics/rules"
	"github.com/varamu/varamu/server"
)

// Card is a CDS Hooks 2.0 card.
type Card struct {
	UUID              string         `json:"uuid"`
	Summary           string         `json:"summary"`
	Detail            string         `json:"detail,omitempty"`
	Indicator         string         `json:"indicator"`
	Source            Source         `json:"source"`
	Suggestions       []Suggestion   `json:"suggestions,omitempty"`
	SelectionBehavior string         `json:"selectionBehavior,omitempty"`
	OverrideReasons   []Coding       `json:"overrideReasons,omitempty"`
	Links             []Link         `json:"links,omitempty"`
	Extension         map[string]any `json:"extension,omitempty"`
}

// Source is a card's source.
type Source struct {
	Label string  `json:"label"`
	URL   string  `json:"url,omitempty"`
	Topic *Coding `json:"topic,omitempty"`
}

// Suggestion is a card's suggestion.
type Suggestion struct {
	Label         string   `json:"label"`
	UUID          string   `json:"uuid"`
	IsRecommended bool     `json:"isRecommended,omitempty"`
	Actions       []Action `json:"actions,omitempty"`
}

// Action is a suggestion's action.
type Action struct {
	Type        string      `json:"type"`
	Description string      `json:"description"`
	Resource    *DraftOrder `json:"resource,omitempty"`
	ResourceID  []string    `json:"resourceId,omitempty"`
}

// Link is a card's link.
type Link struct {
	Label string `json:"label"`
	URL   string `json:"url"`
	Type  string `json:"type"`
}

// Response is a hook response.
type Response struct {
	Cards []Card `json:"cards"`
}

// OverrideReasonSystem is the code system of varamu's override reasons.
const OverrideReasonSystem = "https://varamu.ee/fhir/CodeSystem/pgx-override-reason"

// overrideReasons are offered on every card that asks for a change.
var overrideReasons = []Coding{
	{System: OverrideReasonSystem, Code: "benefit-outweighs-risk", Display: "Benefit outweighs the genotype-related risk"},
	{System: OverrideReasonSystem, Code: "tolerated-before", Display: "Patient has tolerated this drug before"},
	{System: OverrideReasonSystem, Code: "no-alternative", Display: "No suitable alternative"},
	{System: OverrideReasonSystem, Code: "result-disputed", Display: "Genotype result disputed; confirmatory test ordered"},
}

// Indicator returns the card indicator for a recommendation's action and
// strength: avoiding the drug (or preferring an alternative) on a strong
// recommendation is critical; any other change, or a result that could not
// be used, is a warning (unknown is never normal); standard use is info.
func Indicator(action, strength string) string {
	switch action {
	case rules.ActionAvoid, rules.ActionAlternativePreferred:
		if strength == "strong" {
			return "critical"
		}
		return "warning"
	case rules.ActionStandard, rules.ActionNoRecommendation:
		return "info"
	}
	return "warning"
}

// actionWords are a card summary's verbs, by action.
var actionWords = map[string]string{
	rules.ActionStandard:             "use as usual",
	rules.ActionReduceDose:           "reduce the dose",
	rules.ActionIncreaseDose:         "increase the dose",
	rules.ActionAvoid:                "avoid",
	rules.ActionAlternativePreferred: "prefer an alternative",
	rules.ActionConsiderAlternative:  "consider an alternative",
	rules.ActionMonitor:              "monitor",
	rules.ActionTest:                 "test further",
	rules.ActionUseAlgorithm:         "dose by algorithm",
	rules.ActionNoRecommendation:     "no genotype-based change",
	rules.ActionNoGenotype:           "genotype unknown, no PGx guidance",
}

// summary is at most 139 characters: "clopidogrel: avoid (CYP2C19 Poor
// Metabolizer)", with the population the rule was written for.
func summary(rec server.StoredRec, population string) string {
	words := actionWords[rec.Action]
	if words == "" {
		words = rec.Action
	}
	s := rec.Drug + ": " + words + " (" + rec.Phenotypes + ")"
	if population != "" {
		s += " – " + population
	}
	if utf8.RuneCountInString(s) > 139 {
		s = string([]rune(s)[:138]) + "…"
	}
	return s
}

// source cites the guideline with its version and link.
func source(eng *rules.Engine, guideline string) Source {
	body, id, _ := strings.Cut(guideline, " ")
	g, ok := eng.Guideline(id)
	if !ok {
		return Source{Label: guideline + " (" + eng.DataVersion() + ")"}
	}
	version := g.Version
	if version == "" {
		for _, s := range eng.File().Sources {
			if s.ID == g.Source {
				version = s.Name + " " + s.Version
			}
		}
	}
	label := fmt.Sprintf("%s, version %s", g.Name, version)
	if !strings.HasPrefix(g.Name, body) {
		label = body + " " + label
	}
	return Source{Label: label, URL: g.URL, Topic: &Coding{System: "https://www.pharmgkb.org/guidelineAnnotation", Code: g.ID, Display: g.Name}}
}

// sourceCache holds each guideline's Source once made: a card's source
// depends only on the rules and the guideline, of which there are a few
// hundred. Its Sources share their Topic, which nobody modifies.
type sourceCache struct{ m sync.Map } // sourceKey -> Source

type sourceKey struct {
	eng       *rules.Engine
	guideline string
}

// get returns source(eng, guideline).
func (c *sourceCache) get(eng *rules.Engine, guideline string) Source {
	k := sourceKey{eng, guideline}
	if s, ok := c.m.Load(k); ok {
		return s.(Source)
	}
	s := source(eng, guideline)
	c.m.Store(k, s)
	return s
}

// detail is the card's markdown: each gene's diplotype and phenotype, the
// recommendation, and every uncertainty.
func detail(rec server.StoredRec, calls []pharmacogenomics.GeneCall, dataVersion string) string {
	var b strings.Builder
	b.Grow(512)
	for _, gene := range rec.Genes {
		i := slices.IndexFunc(calls, func(c pharmacogenomics.GeneCall) bool { return c.Gene == gene })
		if i < 0 {
			b.WriteString("- **" + gene + "**: not called (no result)\n")
			continue
		}
		c := calls[i]
		dip := strings.Join(c.Diplotypes, " or ")
		if dip == "" {
			dip = "not determined"
		}
		b.WriteString("- **" + gene + "**: diplotype " + dip + ", phenotype **" + orUnknown(c.Phenotype) + "**")
		if c.ActivityScore != nil {
			b.WriteString(", activity score " + strconv.FormatFloat(*c.ActivityScore, 'g', -1, 64))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n**Recommendation** (" + rec.Action)
	if rec.Strength != "" {
		b.WriteString(", strength " + rec.Strength)
	}
	b.WriteString("): " + rec.Text + "\n")
	unc := uncertainties(rec, calls)
	if len(unc) > 0 {
		b.WriteString("\n**Uncertainties**\n")
		for _, u := range unc {
			b.WriteString("- " + u + "\n")
		}
	}
	b.WriteString("\n_Rule " + rec.RuleID + "; results of annotation " + dataVersion + "._\n")
	return b.String()
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// uncertainties lists the recommendation's caveats and each gene call's
// doubts (uncertain call, untested positions, novel variants, notes).
func uncertainties(rec server.StoredRec, calls []pharmacogenomics.GeneCall) []string {
	out := slices.Clone(rec.Caveats)
	add := func(s string) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, c := range calls {
		if !slices.Contains(rec.Genes, c.Gene) {
			continue
		}
		if !c.Called {
			add(c.Gene + ": not called from the genotypes")
		}
		if c.Uncertain {
			add(c.Gene + ": the call is uncertain")
		}
		if len(c.Diplotypes) > 1 {
			add(c.Gene + ": more than one diplotype fits (" + strings.Join(c.Diplotypes, ", ") + ")")
		}
		if len(c.MissingPositions) > 0 {
			add(fmt.Sprintf("%s: %d defining position(s) not tested", c.Gene, len(c.MissingPositions)))
		}
		if len(c.Novel) > 0 {
			add(fmt.Sprintf("%s: %d unexpected variant(s) at defining positions", c.Gene, len(c.Novel)))
		}
		for _, n := range c.Notes {
			add(c.Gene + ": " + n)
		}
	}
	return out
}

// replaceable are the actions that ask for another drug.
func replaceable(action string) bool {
	switch action {
	case rules.ActionAvoid, rules.ActionAlternativePreferred, rules.ActionConsiderAlternative:
		return true
	}
	return false
}

// noAlternativeNote is the card's word when the advice asks for another
// drug but names none varamu can order: no replacement is invented.
func noAlternativeNote(drug string) string {
	return "\n**No named alternative**: the recommendation names no specific drug to order instead of " + drug +
		", so no replacement is suggested; choose one clinically.\n"
}

// suggestions offer, for a recommendation that asks for another drug, to
// replace the draft order by each alternative its text names (a delete of
// the draft and a create of a MedicationRequest coded by ATC and, where
// known, RxNorm), or to remove the draft.
func suggestions(rec server.StoredRec, order Order, patient string, alts []Alternative) []Suggestion {
	if !replaceable(rec.Action) {
		return nil
	}
	var ref []string
	if order.ID != "" {
		ref = []string{order.ResourceType + "/" + order.ID}
	}
	var out []Suggestion
	for _, alt := range alts {
		actions := []Action{{Type: "create", Description: "Order " + alt.Name + " instead", Resource: replacementOrder(alt, patient)}}
		if ref != nil {
			actions = slices.Insert(actions, 0, Action{Type: "delete", Description: "Remove the draft order of " + rec.Drug, ResourceID: ref})
		}
		out = append(out, Suggestion{Label: "Replace " + rec.Drug + " by " + alt.Name, UUID: uuid.NewString(), IsRecommended: true, Actions: actions})
	}
	if ref != nil {
		out = append(out, Suggestion{Label: "Remove the " + rec.Drug + " order", UUID: uuid.NewString(), IsRecommended: len(alts) == 0,
			Actions: []Action{{Type: "delete", Description: "Remove the draft order of " + rec.Drug, ResourceID: ref}}})
	}
	return out
}

// DraftOrder is the draft MedicationRequest a suggestion creates. Its
// members are in name order, and all present, as the map it replaces
// encoded them.
type DraftOrder struct {
	Intent       string          `json:"intent"`
	Medication   DraftMedication `json:"medicationCodeableConcept"`
	ResourceType string          `json:"resourceType"`
	Status       string          `json:"status"`
	Subject      struct {
		Reference string `json:"reference"`
	} `json:"subject"`
}

// DraftMedication is a draft order's medicationCodeableConcept.
type DraftMedication struct {
	Coding []DraftCoding `json:"coding"`
	Text   string        `json:"text"`
}

// DraftCoding is a coding of a draft order's medication.
type DraftCoding struct {
	Code    string `json:"code"`
	Display string `json:"display"`
	System  string `json:"system"`
}

// replacementOrder is the draft MedicationRequest of an alternative.
func replacementOrder(alt Alternative, patient string) *DraftOrder {
	codings := []DraftCoding{{System: atcSystem, Code: alt.ATC, Display: alt.Name}}
	if alt.RxNorm != "" {
		codings = append(codings, DraftCoding{System: rxnormSystem, Code: alt.RxNorm, Display: alt.Name})
	}
	o := &DraftOrder{ResourceType: "MedicationRequest", Status: "draft", Intent: "proposal",
		Medication: DraftMedication{Coding: codings, Text: alt.Name}}
	o.Subject.Reference = "Patient/" + patient
	return o
}
