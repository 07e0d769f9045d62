package risk

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

// wordsScore is a scored person: 2 of 60 variants unmatched, 3 genotypes
// missing, percentile 79.4 at z 0.82 among 2,000 people.
func wordsScore() PersonScore {
	return PersonScore{ID: "PGS000018", Record: ScoreRecord{Version: "PGS000018@0123456789ab", Trait: "coronary artery disease",
		Computed: time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), Report: MatchReport{Variants: 60, Matched: 58}, ReferenceN: 2000},
		Score: StoredScore{Sum: 1.23456, Z: 0.82, Percentile: 79.4, Missing: 3}}
}

// TestWordsEnglishUnchanged pins the English words (the CLI's Explain
// and the FHIR Observation's text say them) across the move to the
// catalogue.
func TestWordsEnglishUnchanged(t *testing.T) {
	w := WordsOf(wordsScore())
	want := Words{
		Title:      "PGS000018 (coronary artery disease), version PGS000018@0123456789ab, computed 2026-11-30",
		Result:     "Score: 1.235. Among the 2000 people of the reference cohort, 79% have a lower score (percentile 79; 0.8 standard deviations above the average).",
		Percentile: "79th", Means: unwrap(meansText), DoesNotMean: unwrap(doesNotMeanText),
		Missing: "2 of the score's 60 variants were not found in the genome data (97% matched); at 3 variants your genotype was missing and the cohort average was used instead.",
	}
	if w != want {
		t.Errorf("WordsOf:\n got %+v\nwant %+v", w, want)
	}
}

// TestWordsEstonian: the Estonian words say every sentence in Estonian,
// with a decimal comma, and no sentence or word of the English ones.
func TestWordsEstonian(t *testing.T) {
	w := WordsIn("et", wordsScore())
	want := Words{
		Title:      "PGS000018 (coronary artery disease), versioon PGS000018@0123456789ab, arvutatud 2026-11-30",
		Result:     "Skoor: 1,235. Võrdluskohordi 2000 inimesest on 79% skoor madalam (protsentiil 79; 0,8 standardhälvet keskmisest kõrgemal).",
		Percentile: "79.", Means: wordCatalogue["et"].means, DoesNotMean: wordCatalogue["et"].doesNotMean,
		Missing: "skoori 60 variandist 2 ei leitud genoomiandmetest (leiti 97%); 3 variandi kohal puudus teie genotüüp ja selle asemel kasutati kohordi keskmist.",
	}
	if w != want {
		t.Errorf("WordsIn(et):\n got %+v\nwant %+v", w, want)
	}
	noEnglish(t, "et words", w.Result+" "+w.Means+" "+w.DoesNotMean+" "+w.Missing)
	if got := WordsIn("xx", wordsScore()); got != WordsOf(wordsScore()) {
		t.Errorf("an unknown language: got %+v, want English", got)
	}
}

// englishWords are words of the English sentences that are not Estonian.
var englishWords = []string{"the ", "score", "variant ", "variants", "percentile", "cohort ", "people", "missing", "genotype ",
	"found", "given", "average", "above", "below", "reference", " not ", "needed", "allowed", "vary", "only"}

func noEnglish(t *testing.T, what, s string) {
	t.Helper()
	low := strings.ToLower(s)
	for _, w := range englishWords {
		if strings.Contains(low, w) {
			t.Errorf("%s say %q in English: %q", what, w, s)
		}
	}
}

// TestWordsCatalogueComplete: every language says every sentence, and
// every reason the scorer gives for withholding a percentile (stats.go)
// is said in every language, not passed through in English.
func TestWordsCatalogueComplete(t *testing.T) {
	for _, lang := range WordLanguages {
		f := reflect.ValueOf(*wordCatalogue[lang])
		for i := range f.NumField() {
			if v := f.Field(i); v.Kind() == reflect.String && v.String() == "" {
				t.Errorf("%s: %s is empty", lang, f.Type().Field(i).Name)
			}
		}
	}
	cfg := &Config{}
	cfg.defaults()
	reasons := map[string]string{
		"too few matched": scoreAbstention(&ScoreResult{Report: MatchReport{Variants: 60, Matched: 30}, Reference: ReferenceStats{N: 500, SD: 1}}, cfg),
		"small reference": scoreAbstention(&ScoreResult{Report: MatchReport{Variants: 60, Matched: 60}, Reference: ReferenceStats{N: 42, SD: 1}}, cfg),
		"no variation":    scoreAbstention(&ScoreResult{Report: MatchReport{Variants: 60, Matched: 60}, Reference: ReferenceStats{N: 500}}, cfg),
		"sample missing": sampleAbstention(&ScoreResult{Report: MatchReport{Variants: 60, Matched: 60}, Reference: ReferenceStats{N: 500, SD: 1}},
			&SampleScore{Missing: 9}, cfg),
	}
	for name, reason := range reasons {
		if reason == "" {
			t.Fatalf("%s: the scorer gave no reason", name)
		}
		ps := wordsScore()
		ps.Score.Percentile, ps.Score.Z, ps.Score.Abstain = math.NaN(), math.NaN(), reason
		if en := WordsOf(ps); en.Abstain != reason || en.Percentile != "" || !strings.HasSuffix(en.Result, "No percentile is given: "+reason+".") {
			t.Errorf("%s: English %+v", name, en)
		}
		for _, lang := range WordLanguages[1:] {
			w := WordsIn(lang, ps)
			if w.Abstain == reason || strings.Contains(w.Abstain, strings.TrimSuffix(wordCatalogue[lang].unknownAbstain, "%s")) {
				t.Errorf("%s: %s says the reason in English: %q", name, lang, w.Abstain)
			}
			if !strings.Contains(w.Result, w.Abstain) || w.Percentile != "" {
				t.Errorf("%s: %s result %q lacks the reason %q", name, lang, w.Result, w.Abstain)
			}
			noEnglish(t, name+" in "+lang, w.Result)
		}
	}
	if got := WordsIn("et", PersonScore{Score: StoredScore{Percentile: math.NaN(), Abstain: "a reason of another version"}}).Abstain; got != "põhjus on kirjas ainult inglise keeles: „a reason of another version“" {
		t.Errorf("an unknown stored reason in Estonian: %q", got)
	}
}
