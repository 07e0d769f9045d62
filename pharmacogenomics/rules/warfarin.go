package rules

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// CalculatorIWPCWarfarin is the Rule.Calculator value that runs the IWPC
// warfarin dosing algorithm.
const CalculatorIWPCWarfarin = "iwpc-warfarin"

// WarfarinInput is what the IWPC pharmacogenetic algorithm needs.
type WarfarinInput struct {
	AgeYears float64
	HeightCm float64
	WeightKg float64
	// VKORC1 is the rs9923231 (-1639G>A) genotype "GG", "AG", "AA", or ""
	// when unknown.
	VKORC1 string
	// CYP2C9 is "*1/*1", "*1/*2", "*1/*3", "*2/*2", "*2/*3", "*3/*3", or ""
	// when unknown (or not one of these, which the algorithm does not model).
	CYP2C9 string
	// Race is "white", "asian", "black" or "missing_or_mixed".
	Race          string
	EnzymeInducer bool
	Amiodarone    bool
	// CYP4F2Carrier is true for a CYP4F2*3 (rs2108622 T) carrier.
	CYP4F2Carrier bool
}

// DoseTerm is one term of the algorithm as applied.
type DoseTerm struct {
	Term         string  `json:"term"`
	Value        float64 `json:"value"`
	Coefficient  float64 `json:"coefficient"`
	Contribution float64 `json:"contribution"`
}

// WarfarinDose is the algorithm's result.
type WarfarinDose struct {
	// WeeklyMg is the predicted weekly maintenance dose in mg.
	WeeklyMg float64 `json:"weeklyMg"`
	// DailyMg is WeeklyMg / 7.
	DailyMg float64    `json:"dailyMg"`
	Terms   []DoseTerm `json:"terms"`
	// CYP4F2WeeklyMg is the CPIC-suggested range after the optional CYP4F2*3
	// increase; nil for non-carriers.
	CYP4F2WeeklyMg *Range `json:"cyp4f2WeeklyMg,omitempty"`
	// AdjustedWeeklyMg is the CPIC 2017 range after the reductions the
	// algorithm lacks: CYP2C9 *5, *6, *8 or *11 carriers 15-30% lower,
	// rs12777823 A carriers of African ancestry 10-25% lower; nil when
	// neither applies. Adjustments says which were applied.
	AdjustedWeeklyMg *Range   `json:"adjustedWeeklyMg,omitempty"`
	Adjustments      []string `json:"adjustments,omitempty"`
}

// Dose applies the IWPC pharmacogenetic algorithm: sqrt(weekly dose) is the
// sum of the applicable coefficients; age counts in whole decades (65 y → 6).
func (m *WarfarinModel) Dose(in WarfarinInput) (*WarfarinDose, error) {
	if m == nil {
		return nil, fmt.Errorf("rules: no warfarin model")
	}
	d := &WarfarinDose{}
	var sum float64
	term := func(name string, v float64) error {
		c, ok := m.Coefficients[name]
		if !ok {
			return fmt.Errorf("rules: warfarin model lacks coefficient %q", name)
		}
		if v == 0 {
			return nil
		}
		d.Terms = append(d.Terms, DoseTerm{Term: name, Value: v, Coefficient: c, Contribution: c * v})
		sum += c * v
		return nil
	}
	type step struct {
		name string
		v    float64
	}
	steps := []step{
		{"intercept", 1},
		{"age_decades", math.Floor(in.AgeYears / 10)},
		{"height_cm", in.HeightCm},
		{"weight_kg", in.WeightKg},
	}
	switch in.VKORC1 {
	case "GG":
	case "AG":
		steps = append(steps, step{"VKORC1_AG", 1})
	case "AA":
		steps = append(steps, step{"VKORC1_AA", 1})
	case "":
		steps = append(steps, step{"VKORC1_unknown", 1})
	default:
		return nil, fmt.Errorf("rules: VKORC1 genotype %q, want GG, AG, AA or empty", in.VKORC1)
	}
	switch in.CYP2C9 {
	case "*1/*1":
	case "*1/*2", "*1/*3", "*2/*2", "*2/*3", "*3/*3":
		steps = append(steps, step{"CYP2C9_" + in.CYP2C9, 1})
	case "":
		steps = append(steps, step{"CYP2C9_unknown", 1})
	default:
		return nil, fmt.Errorf("rules: CYP2C9 genotype %q is not modelled by the IWPC algorithm", in.CYP2C9)
	}
	switch in.Race {
	case "white":
	case "asian", "black", "missing_or_mixed":
		steps = append(steps, step{"race_" + in.Race, 1})
	default:
		return nil, fmt.Errorf("rules: race %q, want white, asian, black or missing_or_mixed", in.Race)
	}
	if in.EnzymeInducer {
		steps = append(steps, step{"enzyme_inducer", 1})
	}
	if in.Amiodarone {
		steps = append(steps, step{"amiodarone", 1})
	}
	for _, s := range steps {
		if err := term(s.name, s.v); err != nil {
			return nil, err
		}
	}
	if sum <= 0 {
		return nil, fmt.Errorf("rules: IWPC algorithm gives a non-positive square root (%.3f); inputs are outside its range", sum)
	}
	d.WeeklyMg = sum * sum
	d.DailyMg = d.WeeklyMg / 7
	if in.CYP4F2Carrier && m.CYP4F2 != nil {
		d.CYP4F2WeeklyMg = &Range{Low: d.WeeklyMg * (1 + m.CYP4F2.Low), High: d.WeeklyMg * (1 + m.CYP4F2.High)}
	}
	return d, nil
}

// vkorc1Genotype maps a VKORC1 call to the algorithm's -1639 genotype.
// Phenotype names are those of the CPIC VKORC1 table ("-1639 AG"); the
// diplotype names those of the allele definitions (rs9923231 C = -1639 G).
func vkorc1Genotype(st *geneState) (string, string) {
	if !st.called || st.call == nil {
		return "", "VKORC1 not called: the algorithm's 'unknown' VKORC1 term was used"
	}
	seen := map[string]bool{}
	for _, d := range st.call.Diplotypes {
		t := strings.Count(d, "variant (T)")
		c := strings.Count(d, "reference (C)")
		switch {
		case t+c != 2:
			return "", fmt.Sprintf("VKORC1 diplotype %q is not an rs9923231 genotype: the 'unknown' VKORC1 term was used", d)
		case t == 0:
			seen["GG"] = true
		case t == 1:
			seen["AG"] = true
		default:
			seen["AA"] = true
		}
	}
	if len(seen) == 0 {
		switch st.pheno {
		case "-1639 GG", "-1639 AG", "-1639 AA":
			return strings.TrimPrefix(st.pheno, "-1639 "), ""
		}
		return "", "VKORC1 rs9923231 genotype not known: the 'unknown' VKORC1 term was used"
	}
	if len(seen) > 1 {
		return "", "VKORC1 call is ambiguous: the 'unknown' VKORC1 term was used"
	}
	for k := range seen {
		return k, ""
	}
	return "", ""
}

var iwpcCYP2C9 = map[string]string{
	"*1/*1": "*1/*1", "*1/*2": "*1/*2", "*2/*1": "*1/*2", "*1/*3": "*1/*3", "*3/*1": "*1/*3",
	"*2/*2": "*2/*2", "*2/*3": "*2/*3", "*3/*2": "*2/*3", "*3/*3": "*3/*3",
}

// cpicReducedAlleles are the CYP2C9 decreased-function alleles CPIC 2017
// names that the IWPC algorithm does not model: carriers get the
// algorithm's dose lowered by 15-30%.
var cpicReducedAlleles = map[string]bool{"*5": true, "*6": true, "*8": true, "*11": true}

// iwpcGenotype maps a CYP2C9 diplotype to the IWPC genotype, reading *5,
// *6, *8 and *11 as *1 and saying whether one was present.
func iwpcGenotype(d string) (g string, carrier, ok bool) {
	a, b, found := strings.Cut(d, "/")
	if !found {
		return "", false, false
	}
	for _, x := range []*string{&a, &b} {
		if cpicReducedAlleles[*x] {
			*x, carrier = "*1", true
		}
	}
	g, ok = iwpcCYP2C9[a+"/"+b]
	return g, carrier, ok
}

// cyp2c9Genotype returns the IWPC genotype of a CYP2C9 call, whether it
// carries *5, *6, *8 or *11, and a caveat when the call cannot be used.
func cyp2c9Genotype(st *geneState) (string, bool, string) {
	if !st.called || st.call == nil || len(st.call.Diplotypes) == 0 {
		return "", false, "CYP2C9 not called: the algorithm's 'unknown' CYP2C9 term was used"
	}
	got, carrier := "", false
	for i, d := range st.call.Diplotypes {
		g, c, ok := iwpcGenotype(d)
		if !ok {
			return "", false, fmt.Sprintf("CYP2C9 %s is not modelled by the IWPC algorithm (it knows *1, *2, *3; CPIC adds *5, *6, *8, *11): the 'unknown' CYP2C9 term was used and the dose may be too high", d)
		}
		if i > 0 && (g != got || c != carrier) {
			return "", false, "CYP2C9 call is ambiguous between IWPC genotypes: the 'unknown' CYP2C9 term was used"
		}
		got, carrier = g, c
	}
	return got, carrier, ""
}

// warfarin fills rec with the IWPC dose and the CPIC 2017 adjustments, or
// says which facts are missing.
func (e *Engine) warfarin(rec *Recommendation, v *view) error {
	p := v.patient
	rec.Strength = warfarinStrength(p.Ancestry)
	if missing := missingWarfarinFacts(p); len(missing) > 0 {
		rec.Text = fmt.Sprintf("IWPC warfarin dose not computed: %s unknown. Record them to get a genotype-guided dose; until then use the genotype-only guidance for warfarin and dose by INR.",
			strings.Join(missing, ", "))
		rec.Caveats = append(rec.Caveats, "missing for the IWPC algorithm: "+strings.Join(missing, ", "))
		return nil
	}
	in, reduced, notes := e.warfarinInput(v)
	rec.Caveats = append(rec.Caveats, notes...)
	d, err := e.file.Warfarin.Dose(in)
	if err != nil {
		rec.Text = "IWPC warfarin dose not computed: " + err.Error()
		rec.Caveats = append(rec.Caveats, err.Error())
		return nil
	}
	if p.Ancestry == "black" {
		d.CYP4F2WeeklyMg = nil // CPIC: the CYP4F2 increase is for non-African ancestry
	}
	adjustWarfarin(d, reduced, rs12777823Carrier(v, p.Ancestry, &rec.Caveats))
	rec.Dose = d
	rec.Text = warfarinText(d)
	if d.CYP4F2WeeklyMg != nil {
		rec.Caveats = append(rec.Caveats, fmt.Sprintf("CYP4F2*3 carrier: CPIC suggests an optional 5-10%% increase, i.e. %.1f-%.1f mg per week", d.CYP4F2WeeklyMg.Low, d.CYP4F2WeeklyMg.High))
	}
	return nil
}

// warfarinStrength is CPIC 2017's strength for the genotype-guided dose by
// ancestry: strong outside African ancestry, moderate within it. With no
// recorded ancestry the rule's strong stands and a caveat names the
// exception.
func warfarinStrength(ancestry string) string {
	switch ancestry {
	case "black":
		return "moderate"
	}
	return "strong"
}

func missingWarfarinFacts(p Patient) []string {
	var missing []string
	if p.AgeYears == nil {
		missing = append(missing, "age")
	}
	if p.HeightCm == nil {
		missing = append(missing, "height")
	}
	if p.WeightKg == nil {
		missing = append(missing, "weight")
	}
	return missing
}

// warfarinInput assembles the algorithm's input from the view; reduced says
// whether CYP2C9 carries *5, *6, *8 or *11. notes are caveats.
func (e *Engine) warfarinInput(v *view) (WarfarinInput, bool, []string) {
	p := v.patient
	in := WarfarinInput{AgeYears: *p.AgeYears, HeightCm: *p.HeightCm, WeightKg: *p.WeightKg}
	var notes []string
	add := func(n string) {
		if n != "" {
			notes = append(notes, n)
		}
	}
	if in.AgeYears < 18 {
		add("the IWPC algorithm was derived in adults; its dose for a patient under 18 is an extrapolation")
	}
	var note string
	in.VKORC1, note = vkorc1Genotype(v.genes["VKORC1"])
	add(note)
	var reduced bool
	in.CYP2C9, reduced, note = cyp2c9Genotype(v.genes["CYP2C9"])
	add(note)
	switch p.Ancestry {
	case "":
		in.Race = "missing_or_mixed"
		add("ancestry not recorded: the IWPC 'missing or mixed race' term was used, and CPIC's strength for African ancestry is moderate, not strong; record the ancestry for a better estimate")
	case "mixed":
		in.Race = "missing_or_mixed"
	default:
		in.Race = p.Ancestry
	}
	for _, med := range p.medications("") {
		if slices.Contains(e.file.Warfarin.Inducers, med) {
			in.EnzymeInducer = true
			add("enzyme inducer taken (" + med + "): the algorithm raises the dose")
		}
		if med == "amiodarone" {
			in.Amiodarone = true
			add("amiodarone taken: the algorithm lowers the dose")
		}
	}
	if st := v.genes["CYP4F2"]; st.called && st.call != nil && slices.Contains(allelesOf(st.call.Diplotypes), "*3") {
		in.CYP4F2Carrier = true
	}
	return in, reduced, notes
}

// rs12777823Carrier reports an rs12777823 A carrier of African ancestry
// (CPIC 2017); for African ancestry without the genotype it adds a caveat.
func rs12777823Carrier(v *view, ancestry string, caveats *[]string) bool {
	if ancestry != "black" {
		return false
	}
	gt := ""
	if st := v.genes["CYP2C9"]; st.called && st.call != nil {
		gt = st.call.Extra["rs12777823"]
	}
	if gt == "" || strings.Contains(gt, ".") {
		*caveats = append(*caveats, "African ancestry: rs12777823 was not genotyped; CPIC lowers the dose by 10-25% in A carriers, so the dose may be too high")
		return false
	}
	return strings.Contains(strings.ToUpper(gt), "A")
}

// adjustWarfarin applies the CPIC 2017 reductions the IWPC algorithm lacks.
func adjustWarfarin(d *WarfarinDose, cyp2c9Reduced, rs12777823 bool) {
	lo, hi := 1.0, 1.0
	if cyp2c9Reduced {
		lo, hi = lo*0.70, hi*0.85
		d.Adjustments = append(d.Adjustments, "CYP2C9 *5, *6, *8 or *11 carrier: 15-30% lower (CPIC 2017)")
	}
	if rs12777823 {
		lo, hi = lo*0.75, hi*0.90
		d.Adjustments = append(d.Adjustments, "rs12777823 A carrier of African ancestry: 10-25% lower (CPIC 2017)")
	}
	if len(d.Adjustments) > 0 {
		d.AdjustedWeeklyMg = &Range{Low: d.WeeklyMg * lo, High: d.WeeklyMg * hi}
	}
}

func warfarinText(d *WarfarinDose) string {
	if d.AdjustedWeeklyMg != nil {
		return fmt.Sprintf("IWPC pharmacogenetic algorithm with the CPIC 2017 reductions (%s): expected maintenance dose about %.1f-%.1f mg per week (algorithm alone %.1f mg); adjust by INR.",
			strings.Join(d.Adjustments, "; "), d.AdjustedWeeklyMg.Low, d.AdjustedWeeklyMg.High, d.WeeklyMg)
	}
	return fmt.Sprintf("IWPC pharmacogenetic algorithm: expected maintenance dose about %.1f mg per week (%.1f mg per day); adjust by INR.", d.WeeklyMg, d.DailyMg)
}
