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

func cyp2c9Genotype(st *geneState) (string, string) {
	if !st.called || st.call == nil || len(st.call.Diplotypes) == 0 {
		return "", "CYP2C9 not called: the algorithm's 'unknown' CYP2C9 term was used"
	}
	got := ""
	for _, d := range st.call.Diplotypes {
		g, ok := iwpcCYP2C9[d]
		if !ok {
			return "", fmt.Sprintf("CYP2C9 %s is not modelled by the IWPC algorithm (it knows *1, *2, *3 only): the 'unknown' CYP2C9 term was used and the dose may be too high", d)
		}
		if got != "" && g != got {
			return "", "CYP2C9 call is ambiguous between IWPC genotypes: the 'unknown' CYP2C9 term was used"
		}
		got = g
	}
	return got, ""
}

// warfarin fills rec with the IWPC dose, or says which facts are missing.
func (e *Engine) warfarin(rec *Recommendation, v *view) error {
	m := e.file.Warfarin
	p := v.patient
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
	if len(missing) > 0 {
		rec.Text = fmt.Sprintf("IWPC warfarin dose not computed: %s unknown. Record them to get a genotype-guided dose; until then use the genotype-only guidance for warfarin and dose by INR.",
			strings.Join(missing, ", "))
		rec.Caveats = append(rec.Caveats, "missing for the IWPC algorithm: "+strings.Join(missing, ", "))
		return nil
	}
	in := WarfarinInput{AgeYears: *p.AgeYears, HeightCm: *p.HeightCm, WeightKg: *p.WeightKg}
	if in.AgeYears < 18 {
		rec.Caveats = append(rec.Caveats, "the IWPC algorithm was derived in adults; its dose for a patient under 18 is an extrapolation")
	}
	var note string
	in.VKORC1, note = vkorc1Genotype(v.genes["VKORC1"])
	if note != "" {
		rec.Caveats = append(rec.Caveats, note)
	}
	in.CYP2C9, note = cyp2c9Genotype(v.genes["CYP2C9"])
	if note != "" {
		rec.Caveats = append(rec.Caveats, note)
	}
	switch p.Ancestry {
	case "":
		in.Race = "white"
		rec.Caveats = append(rec.Caveats, "ancestry not recorded: the IWPC 'White' category was assumed (the Estonian Biobank population is of European ancestry); give the ancestry if it differs")
	case "mixed":
		in.Race = "missing_or_mixed"
	default:
		in.Race = p.Ancestry
	}
	if p.Ancestry == "black" {
		rec.Caveats = append(rec.Caveats, "African ancestry: CPIC advises that CYP2C9 *5, *6, *8 and *11 are not in the algorithm and the dose may need a further 15-30% reduction for carriers")
	}
	for _, med := range p.medications("") {
		if slices.Contains(m.Inducers, med) {
			in.EnzymeInducer = true
			rec.Caveats = append(rec.Caveats, "enzyme inducer taken ("+med+"): the algorithm raises the dose")
		}
		if med == "amiodarone" {
			in.Amiodarone = true
			rec.Caveats = append(rec.Caveats, "amiodarone taken: the algorithm lowers the dose")
		}
	}
	if st := v.genes["CYP4F2"]; st.called && st.call != nil && slices.Contains(allelesOf(st.call.Diplotypes), "*3") {
		in.CYP4F2Carrier = true
	}
	d, err := m.Dose(in)
	if err != nil {
		rec.Text = "IWPC warfarin dose not computed: " + err.Error()
		rec.Caveats = append(rec.Caveats, err.Error())
		return nil
	}
	rec.Dose = d
	rec.Text = fmt.Sprintf("IWPC pharmacogenetic algorithm: expected maintenance dose about %.1f mg per week (%.1f mg per day); adjust by INR.", d.WeeklyMg, d.DailyMg)
	if d.CYP4F2WeeklyMg != nil {
		rec.Caveats = append(rec.Caveats, fmt.Sprintf("CYP4F2*3 carrier: CPIC suggests an optional 5-10%% increase, i.e. %.1f-%.1f mg per week", d.CYP4F2WeeklyMg.Low, d.CYP4F2WeeklyMg.High))
	}
	return nil
}
