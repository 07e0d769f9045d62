package risk

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"time"

	rplot "github.com/varamu/varamu/risk/plot"
)

// This file is the catalogue of a score's plain words, in English and
// Estonian (the patient portal's languages): WordsOf and WordsIn write
// them; Explain prints the English. A test checks that both languages say
// every sentence and that every reason for withholding a percentile the
// scorer writes (stats.go) is said in each.

// Words is one of a person's scores in plain words, sentence by sentence.
type Words struct {
	// Title names the score, its version and when it was computed.
	Title string
	// Result is the score and where it falls in the reference cohort, or
	// why no percentile is given.
	Result string
	// Percentile is the percentile as an ordinal ("79th", Estonian
	// "79."), "" when withheld; Abstain is then why.
	Percentile, Abstain string
	// Means and DoesNotMean say what the score means and does not mean;
	// Missing what was missing.
	Means, DoesNotMean, Missing string
}

// The explanations, wrapped as Explain prints them.
const (
	meansText = "the score adds up many common variants, each with a small effect. A higher score means a somewhat\n" +
		"  higher chance of the trait than others in this cohort, on average; it is a comparison within this cohort, not a diagnosis."
	doesNotMeanText = "it does not say that you have or will get the condition. Lifestyle, family history, other\n" +
		"  genes and chance matter too, and the score was developed in a population that may differ from this cohort."
)

func unwrap(s string) string { return strings.ReplaceAll(s, "\n  ", " ") }

// wordForms are one language's sentences. Numbers reach them as text
// already written the language's way (decimal comma in Estonian).
type wordForms struct {
	title        string // name, version, date
	score        string // sum
	noPercentile string // why
	percentile   string // cohort size, percent lower, |z|, above or below
	above, below string
	ordinal      func(x float64) string
	means        string
	doesNotMean  string
	missing      string // variants not found, variants, percent matched
	genotypeGap  string // variants without the person's genotype
	// unknownAbstain says a reason for withholding a percentile that
	// abstentions do not know (one stored by another varamu version).
	unknownAbstain string
	decimalComma   bool
}

// WordLanguages are the languages WordsIn writes, the first the default.
var WordLanguages = []string{"en", "et"}

var wordCatalogue = map[string]*wordForms{
	"en": {
		title:        "%s, version %s, computed %s",
		score:        "Score: %s.",
		noPercentile: " No percentile is given: %s.",
		percentile:   " Among the %[1]s people of the reference cohort, %[2]s%% have a lower score (percentile %[2]s; %[3]s standard deviations %[4]s the average).",
		above:        "above", below: "below",
		ordinal:        rplot.Ordinal,
		means:          unwrap(meansText),
		doesNotMean:    unwrap(doesNotMeanText),
		missing:        "%[1]s of the score's %[2]s variants were not found in the genome data (%[3]s%% matched)",
		genotypeGap:    "; at %s variants your genotype was missing and the cohort average was used instead",
		unknownAbstain: "%s",
	},
	"et": {
		title:        "%s, versioon %s, arvutatud %s",
		score:        "Skoor: %s.",
		noPercentile: " Protsentiili ei anta: %s.",
		percentile:   " Võrdluskohordi %[1]s inimesest on %[2]s%% skoor madalam (protsentiil %[2]s; %[3]s standardhälvet keskmisest %[4]s).",
		above:        "kõrgemal", below: "madalamal",
		ordinal: func(x float64) string { return fmt.Sprintf("%.0f.", x) },
		means: "skoor liidab kokku paljude sagedaste geenivariantide väikesed mõjud. Kõrgem skoor tähendab keskmiselt " +
			"mõnevõrra suuremat tõenäosust selle tunnuse tekkeks kui teistel selles kohordis; see on võrdlus selle kohordi sees, mitte diagnoos.",
		doesNotMean: "see ei ütle, et teil see haigus on või et te sellesse haigestute. Loevad ka eluviis, perekonna haiguslugu, " +
			"teised geenid ja juhus, ning skoor on välja töötatud rahvastikus, mis võib sellest kohordist erineda.",
		missing:        "skoori %[2]s variandist %[1]s ei leitud genoomiandmetest (leiti %[3]s%%)",
		genotypeGap:    "; %s variandi kohal puudus teie genotüüp ja selle asemel kasutati kohordi keskmist",
		unknownAbstain: "põhjus on kirjas ainult inglise keeles: „%s“",
		decimalComma:   true,
	},
}

// abstention is one reason the scorer (stats.go) gives for withholding a
// percentile: its stored English form, whose groups are its numbers, and
// its wording in each other language (the numbers as %[n]s).
type abstention struct {
	stored *regexp.Regexp
	say    map[string]string
}

// abstentions are compiled on first use, not at start-up.
var abstentions = sync.OnceValue(func() []abstention {
	return []abstention{
		{regexp.MustCompile(`^only (\d+) of the score's (\d+) variants \(([\d.]+)%\) were found in the store, below the (\d+)% needed: the score would not be the one published$`),
			map[string]string{"et": "andmetest leiti skoori %[2]s variandist ainult %[1]s (%[3]s%%), vähem kui nõutav %[4]s%%: see ei oleks avaldatud skoor"}},
		{regexp.MustCompile(`^the reference cohort has (\d+) people, fewer than the (\d+) needed for a percentile$`),
			map[string]string{"et": "võrdluskohordis on %[1]s inimest, protsentiili andmiseks on vaja vähemalt %[2]s"}},
		{regexp.MustCompile(`^the score does not vary in the reference cohort$`),
			map[string]string{"et": "skoor ei erine võrdluskohordi inimeste vahel"}},
		{regexp.MustCompile(`^(\d+) of the (\d+) matched variants \(([\d.]+)%\) have no genotype for this person, above the (\d+)% allowed: their score leans on the cohort average$`),
			map[string]string{"et": "%[2]s leitud variandist %[1]s (%[3]s%%) puudub selle inimese genotüüp, rohkem kui lubatud %[4]s%%: skoor toetuks liialt kohordi keskmisele"}},
	}
})

// WordsOf writes a person's score in plain English words.
func WordsOf(ps PersonScore) Words { return WordsIn("en", ps) }

// WordsIn writes a person's score in plain words in lang, one of
// WordLanguages; any other lang gets English.
func WordsIn(lang string, ps PersonScore) Words {
	f, ok := wordCatalogue[lang]
	if !ok {
		lang, f = WordLanguages[0], wordCatalogue[WordLanguages[0]]
	}
	r, s := ps.Record, ps.Score
	num := func(format string, x any) string {
		t := fmt.Sprintf(format, x)
		if f.decimalComma {
			t = strings.ReplaceAll(t, ".", ",")
		}
		return t
	}
	name := ps.ID
	if r.Trait != "" {
		name += " (" + r.Trait + ")"
	}
	w := Words{Title: fmt.Sprintf(f.title, name, r.Version, r.Computed.Format(time.DateOnly)), Means: f.means, DoesNotMean: f.doesNotMean}
	w.Result = fmt.Sprintf(f.score, num("%.4g", s.Sum))
	if math.IsNaN(s.Percentile) {
		w.Abstain = abstainIn(lang, f, s.Abstain, num)
		w.Result += fmt.Sprintf(f.noPercentile, w.Abstain)
	} else {
		side := f.above
		if s.Z < 0 {
			side = f.below
		}
		w.Percentile = f.ordinal(s.Percentile)
		w.Result += fmt.Sprintf(f.percentile, fmt.Sprint(r.ReferenceN), num("%.0f", s.Percentile), num("%.1f", math.Abs(s.Z)), side)
	}
	rep := r.Report
	w.Missing = fmt.Sprintf(f.missing, fmt.Sprint(rep.Variants-rep.Matched), fmt.Sprint(rep.Variants), num("%.0f", 100*rep.MatchRate()))
	if s.Missing > 0 {
		w.Missing += fmt.Sprintf(f.genotypeGap, fmt.Sprint(s.Missing))
	}
	w.Missing += "."
	return w
}

// abstainIn says a stored reason for withholding a percentile in lang.
func abstainIn(lang string, f *wordForms, stored string, num func(string, any) string) string {
	if lang == WordLanguages[0] {
		return stored
	}
	for _, a := range abstentions() {
		m := a.stored.FindStringSubmatch(stored)
		if m == nil {
			continue
		}
		args := make([]any, len(m)-1)
		for i, g := range m[1:] {
			args[i] = g
			if strings.Contains(g, ".") {
				args[i] = num("%s", g)
			}
		}
		return fmt.Sprintf(a.say[lang], args...)
	}
	return fmt.Sprintf(f.unknownAbstain, stored)
}
