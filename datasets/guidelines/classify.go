package guidelines

import (
	"regexp"
	"strings"

	"github.com/varamu/varamu/pharmacogenomics/rules"
)

// Each sentence of a recommendation's first paragraph is matched against
// these patterns in order; the sentence takes the first category that
// matches. The recommendation takes the highest-priority category over its
// sentences. Sentences about co-medication (inhibitors) are ignored.
var sentencePatterns = []struct {
	action string
	re     *regexp.Regexp
}{
	{rules.ActionNoRecommendation, regexp.MustCompile(`^(no recommendation|the guideline does not provide|it is not possible to (offer|provide)|there is insufficient|there are no data|no action recommended|insufficient evidence|for pain:)`)},
	{rules.ActionTest, regexp.MustCompile(`enzyme activity must be measured|not possible to recommend a dose adjustment|^determine |consider evaluating|phenotype could not be assigned|genotype is not available|clinical findings, family history`)},
	{rules.ActionAvoid, regexp.MustCompile(`^(avoid|do not use|if patient is .*na[iï]ve.*do not use)|contra-?indicated|is not recommended|^based on (ryr1|cacna1s) status, halogenated`)},
	{rules.ActionAlternativePreferred, regexp.MustCompile(`^(select (an )?alternative|choose an alternative|prescribe an alternative|use prasugrel|consider hormonal therapy)|non-malignant conditions, consider alternative|^select an alternative|choose an alternative|^recommend alternative`)},
	{rules.ActionConsiderAlternative, regexp.MustCompile(`^(consider (an )?alternative|consider a clinically appropriate|an alternative|consider hormonal therapy)`)},
	{rules.ActionReduceDose, regexp.MustCompile(`reduc(e|ed|tion)[^.]*dose|dose reduction|\d+% (of|less)|\d+%-\d+% of|lower (starting |maintenance |target )?dose|≤ ?\d|no more than|smaller steps|10-fold|lowest recommended starting dose|25-50%|reduced (starting )?doses?|lower starting dose|decreased dose|half of the normal dose|do not exceed|not give doses exceeding`)},
	{rules.ActionIncreaseDose, regexp.MustCompile(`increase (the |starting )?(daily )?dose|increase starting|higher (target )?dose|\d(\.\d)? times the|double the|maximum dose for the relevant indication as a target|1\.5 to 2 times`)},
	{rules.ActionMonitor, regexp.MustCompile(`^be (extra )?alert|monitor|therapeutic drug monitoring|measure|^initiate with a dose of`)},
	{rules.ActionStandard, regexp.MustCompile(`recommended starting dose|standard (starting )?(daily )?dos|usual|typical|label recommended|per standard dosing|desired starting dose|no action is|no reason to avoid|no adjustments? needed|normal starting dose|no need to avoid|no indication to change|standard of care|at standard dose|standard dose|initiate efavirenz with standard|use .* at standard doses|according to the product label`)},
}

var priority = map[string]int{
	rules.ActionAvoid: 9, rules.ActionAlternativePreferred: 8, rules.ActionConsiderAlternative: 7,
	rules.ActionReduceDose: 6, rules.ActionIncreaseDose: 5, rules.ActionTest: 4, rules.ActionMonitor: 3,
	rules.ActionStandard: 2, rules.ActionNoRecommendation: 1,
}

var cypInhibitor = regexp.MustCompile(`cyp\w* inhibitor`)

var sentenceSplit = regexp.MustCompile(`[.;:]\s+|\n+`)

// classify returns the action category of a recommendation's text, or ""
// when no pattern matches.
func classify(text string) string {
	best := ""
	for _, s := range sentenceSplit.Split(strings.ToLower(firstPara(text)), -1) {
		s = strings.TrimSpace(s)
		if s == "" || cypInhibitor.MatchString(s) {
			continue
		}
		for _, p := range sentencePatterns {
			if p.re.MatchString(s) {
				if priority[p.action] > priority[best] {
					best = p.action
				}
				break
			}
		}
	}
	return best
}

// template is varamu's own wording for an action category, used where no
// row-specific wording exists. It never claims more than the category.
func template(action, drug string) string {
	switch action {
	case rules.ActionStandard:
		return "No change needed: use " + drug + " at the usual dose."
	case rules.ActionReduceDose:
		return "Use a lower dose of " + drug + " than usual and titrate to response; the guideline gives the amount."
	case rules.ActionIncreaseDose:
		return drug + " may need a higher dose than usual; titrate to response, with drug levels where available; the guideline gives the amount."
	case rules.ActionAvoid:
		return "Avoid " + drug + " if possible and choose a drug this result does not affect; if it must be used, follow the guideline's dose and monitoring advice."
	case rules.ActionAlternativePreferred:
		return "Prefer a drug this result does not affect over " + drug + "; if " + drug + " is used, follow the guideline's dose advice."
	case rules.ActionConsiderAlternative:
		return "Consider a drug this result does not affect; if " + drug + " is used, follow the guideline's dose and monitoring advice."
	case rules.ActionMonitor:
		return drug + " can be used; watch closely for poor effect or side effects, with drug levels where available."
	case rules.ActionTest:
		return "The genotype alone does not settle the dose of " + drug + ": measure enzyme activity or the phenotype, or use other clinical information, before dosing."
	case rules.ActionNoRecommendation:
		return "This guideline makes no genotype-based recommendation for " + drug + " for this result."
	case rules.ActionUseAlgorithm:
		return "Dose " + drug + " with a validated pharmacogenetic dosing algorithm."
	}
	return ""
}
