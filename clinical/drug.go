package clinical

import (
	"strings"
	"unicode"
)

// NormalizeText lowercases s and collapses runs of white space.
func NormalizeText(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}

// salts are counter-ions and forms dropped from an ingredient name after
// its first word ("warfarin sodium" -> "warfarin").
var salts = map[string]bool{
	"sodium": true, "potassium": true, "calcium": true, "magnesium": true, "hydrochloride": true,
	"hydrocholoride": true, "hydrobromide": true, "succinate": true, "bitartrate": true, "sulfate": true,
	"propionate": true, "besylate": true, "besilate": true, "maleate": true, "mesylate": true, "tartrate": true,
	"citrate": true, "acetate": true, "fumarate": true, "phosphate": true, "hyclate": true, "monohydrate": true,
	"dihydrate": true, "trihydrate": true, "hcl": true,
}

// Ingredient extracts the lowercase active ingredient name(s) from a drug
// description such as an RxNorm clinical drug name: "Clopidogrel 75 MG Oral
// Tablet" -> "clopidogrel"; "24 HR metoprolol succinate 100 MG Extended
// Release Oral Tablet" -> "metoprolol"; "Acetaminophen 325 MG / oxyCODONE
// Hydrochloride 5 MG Oral Tablet" -> "acetaminophen / oxycodone". Leading
// amounts ("24 HR", "1 ML") and bracketed brand names are dropped; salts
// after the first word are dropped; the name ends at the first strength.
// Combinations are joined with " / ".
func Ingredient(text string) string {
	s := strings.ToLower(text)
	if i := strings.IndexByte(s, '['); i >= 0 {
		s = s[:i]
	}
	var parts []string
	for _, part := range strings.Split(s, "/") {
		words := strings.Fields(part)
		// Drop leading amounts: a number and its unit ("24 hr", "60 actuat").
		for len(words) >= 2 && startsWithDigit(words[0]) {
			words = words[2:]
		}
		var name []string
		for _, w := range words {
			if startsWithDigit(w) {
				break
			}
			if len(name) > 0 && salts[w] && !(name[0] == "ferrous" || name[0] == "ferric") {
				continue
			}
			name = append(name, w)
		}
		if len(name) == 0 {
			continue // "mg/ml" fragments of a strength
		}
		if isUnit(name) {
			continue
		}
		parts = append(parts, strings.Join(name, " "))
	}
	return strings.Join(parts, " / ")
}

func startsWithDigit(w string) bool { return w != "" && (unicode.IsDigit(rune(w[0])) || w[0] == '.') }

// isUnit reports whether words are the unit tail of a strength split on
// "/" ("ml oral solution" in "10 MG/ML Oral Solution").
func isUnit(words []string) bool {
	switch words[0] {
	case "ml", "actuat", "hr", "mg", "g", "l", "dl", "unt", "meq", "mcg", "h":
		return true
	}
	return false
}
