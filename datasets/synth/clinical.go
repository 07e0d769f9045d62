package synth

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/clinical/isikukood"
)

// Code systems written in the FHIR resources.
const (
	// LicenceSystem is the Identifier.system of practitioners' registration
	// codes in the Estonian register of health care professionals, as the
	// Estonian base FHIR guide (HL7 Estonia ig-ee-base) names it. The
	// practitioner's isikukood is written under isikukood.System.
	LicenceSystem = "https://fhir.ee/sid/pid/est/medre"
	ICD10System   = "http://hl7.org/fhir/sid/icd-10"
	ATCSystem     = "http://www.whocc.no/atc"
	LOINCSystem   = "http://loinc.org"
	RoleCodeSys   = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
	conditionClin = "http://terminology.hl7.org/CodeSystem/condition-clinical"
	obsCategory   = "http://terminology.hl7.org/CodeSystem/observation-category"
	v2Degree      = "http://terminology.hl7.org/CodeSystem/v2-0360"
)

var resourceTypes = []string{"Patient", "RelatedPerson", "Practitioner", "Condition", "Observation", "MedicationRequest", "DocumentReference", "Consent"}

var (
	maleNames   = []string{"Andres", "Jaan", "Toomas", "Mart", "Peeter", "Rein", "Tiit", "Aivar", "Margus", "Priit", "Rasmus", "Kristjan", "Martin", "Siim", "Karl", "Oskar", "Robin", "Sander", "Markus", "Henri"}
	femaleNames = []string{"Anne", "Tiina", "Kadri", "Maria", "Mari", "Piret", "Liis", "Kristiina", "Triin", "Katrin", "Eliise", "Mia", "Sofia", "Lenna", "Emma", "Laura", "Hanna", "Grete", "Kertu", "Helen"}
	familyNames = []string{"Tamm", "Saar", "Sepp", "Mägi", "Kask", "Kukk", "Rebane", "Ilves", "Pärn", "Koppel", "Kuusk", "Lepik", "Karu", "Lill", "Oja", "Kivi", "Mets", "Raudsepp", "Vaher", "Luik"}
)

// person is one generated person, alive only while their household is
// written.
type person struct {
	idx      int
	code     isikukood.Code
	id       string // Patient.id (the isikukood)
	sex      isikukood.Sex
	birth    time.Time
	given    string
	family   string
	mother   int // index, -1 for founders
	father   int
	partner  int // index of the other adult of a couple, -1
	joined   time.Time
	heightCm float64
}

// clinicalWriter writes the clinical side, one household at a time.
type clinicalWriter struct {
	cfg     *Config
	out     map[string]*ndjson
	samples *bufio.Writer
	codes   birthCodes
	pracs   []practitioner // picked as clinicians
	// register is pracs plus, when none of them has an ended licence, one
	// retired practitioner.
	register []practitioner
	sum      *Summary
}

type practitioner struct {
	id, licence string
	from, until time.Time
	birth       time.Time
	sex         isikukood.Sex
	given       string
	family      string
}

func (w *clinicalWriter) day(t time.Time) string { return t.In(consent.Tallinn).Format(time.DateOnly) }

func (w *clinicalWriter) dateTime(t time.Time) string {
	return t.In(consent.Tallinn).Format(time.RFC3339)
}

// randomDay returns a random moment (10:00-17:59 Tallinn) on a day in [from, to).
func randomDay(r *rand.Rand, from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	if days < 1 {
		days = 1
	}
	y, m, d := from.In(consent.Tallinn).Date()
	return time.Date(y, m, d+r.IntN(days), 10+r.IntN(8), r.IntN(60), 0, 0, consent.Tallinn)
}

func writeClinical(ctx context.Context, dir string, cfg *Config, sum *Summary) ([]member, error) {
	w := &clinicalWriter{cfg: cfg, out: map[string]*ndjson{}, codes: birthCodes{next: map[[2]int]int{}}, sum: sum}
	commit := false
	types := resourceTypes
	if cfg.Appointments {
		types = append(slices.Clone(resourceTypes), "Appointment")
	}
	for _, t := range types {
		o, err := newNDJSON(filepath.Join(dir, "fhir", t+".ndjson"))
		if err != nil {
			return nil, err
		}
		w.out[t] = o
	}
	sf, err := newNDJSON(filepath.Join(dir, "biobank", "samples.tsv"))
	if err != nil {
		return nil, err
	}
	w.samples = sf.w
	defer func() {
		for _, o := range w.out {
			o.close(false)
		}
		sf.close(false)
	}()
	w.samples.WriteString("sample\tperson\n")

	w.makePractitioners()
	people := make([]member, 0, cfg.People)
	for hh := 0; len(people) < cfg.People; hh++ {
		if hh%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if cfg.Progress != nil {
				cfg.Progress("people", len(people), cfg.People)
			}
		}
		if err := w.household(hh, &people); err != nil {
			return nil, err
		}
		sum.Households++
	}
	if cfg.Progress != nil {
		cfg.Progress("people", len(people), cfg.People)
	}
	if err := w.writePractitioners(); err != nil {
		return nil, err
	}
	for _, t := range types {
		sum.Resources[t] = w.out[t].n
	}
	commit = true
	for _, t := range types {
		if err := w.out[t].close(commit); err != nil {
			return nil, err
		}
	}
	if err := sf.close(commit); err != nil {
		return nil, err
	}
	return people, nil
}

// makePractitioners draws the register of health professionals; their
// resources are written by writePractitioners after the households, so
// that the practitioners' personal codes do not shift the patients'.
func (w *clinicalWriter) makePractitioners() {
	n := max(5, w.cfg.People/250)
	r := rngFor(w.cfg.Seed, 1<<62)
	asOf := w.cfg.AsOf
	for i := range n {
		p := practitioner{id: fmt.Sprintf("pr-%05d", i+1), licence: fmt.Sprintf("D%05d", 10000+i)}
		p.from = randomDay(r, asOf.AddDate(-35, 0, 0), asOf.AddDate(-1, 0, 0))
		if r.Float64() < 0.08 { // retired or struck off: licence ended
			p.until = randomDay(r, p.from.AddDate(1, 0, 0), asOf)
		}
		p.sex = isikukood.Sex(1 + r.IntN(2))
		p.given = maleNames[r.IntN(len(maleNames))]
		if p.sex == isikukood.Female {
			p.given = femaleNames[r.IntN(len(femaleNames))]
		}
		p.family = familyNames[r.IntN(len(familyNames))]
		w.pracs = append(w.pracs, p)
	}
	// The register always holds one ended licence, so that a refused
	// professional can be tried on any size of biobank: when none ended
	// by chance, a retired practitioner is added, who is never picked as
	// anyone's clinician (the patients' records stay as they were).
	w.register = w.pracs
	if !slices.ContainsFunc(w.pracs, func(p practitioner) bool { return !p.until.IsZero() }) {
		p := practitioner{id: fmt.Sprintf("pr-%05d", n+1), licence: fmt.Sprintf("D%05d", 10000+n), sex: isikukood.Female, given: femaleNames[0], family: familyNames[0]}
		p.from = asOf.AddDate(-30, 0, 0)
		p.until = asOf.AddDate(-2, 0, 0)
		w.register = append(slices.Clip(w.pracs), p)
	}
	// Personal codes from their own stream: licensed at 24 to 30 years of
	// age.
	rb := rngFor(w.cfg.Seed, 1<<62+1)
	for i := range w.register {
		w.register[i].birth = w.register[i].from.AddDate(-24-rb.IntN(7), 0, -rb.IntN(365))
	}
	w.sum.Practitioners = len(w.register)
}

// writePractitioners writes the Practitioner resources, identified as the
// Estonian base FHIR guide does: isikukood under isikukood.System and the
// register code under LicenceSystem (with the licence's period).
func (w *clinicalWriter) writePractitioners() error {
	for _, p := range w.register {
		code, err := w.codes.code(p.birth, p.sex)
		if err != nil {
			return err
		}
		period := &fhir.Period{Start: w.day(p.from)}
		if !p.until.IsZero() {
			period.End = w.day(p.until)
		}
		lic := fhir.Identifier{System: LicenceSystem, Value: p.licence, Period: period}
		sex := "male"
		if p.sex == isikukood.Female {
			sex = "female"
		}
		w.out["Practitioner"].write(&fhir.Practitioner{
			Base:       fhir.Base{ResourceType: "Practitioner", ID: p.id},
			Identifier: []fhir.Identifier{{System: isikukood.System, Value: code.String()}, lic},
			Name:       []fhir.HumanName{{Family: p.family, Given: []string{p.given}, Prefix: []string{"dr"}}},
			Gender:     sex,
			Qualification: []fhir.Qualification{{
				Identifier: []fhir.Identifier{lic},
				Code:       fhir.CodeableConcept{Coding: []fhir.Coding{{System: v2Degree, Code: "MD", Display: "Doctor of Medicine"}}},
				Period:     period,
			}},
		})
	}
	return nil
}

// practitionerAt picks a practitioner licensed at t.
func (w *clinicalWriter) practitionerAt(r *rand.Rand, t time.Time) string {
	for range 8 {
		p := w.pracs[r.IntN(len(w.pracs))]
		if !t.Before(p.from) && (p.until.IsZero() || t.Before(p.until)) {
			return p.id
		}
	}
	return w.pracs[0].id
}

// newPerson makes a person with a unique isikukood.
func (w *clinicalWriter) newPerson(r *rand.Rand, idx int, sex isikukood.Sex, birthYearFrom, birthYearTo int, family string) (*person, error) {
	from := time.Date(birthYearFrom, 1, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(birthYearTo+1, 1, 1, 0, 0, 0, 0, time.UTC)
	if latest := w.cfg.AsOf.AddDate(0, 0, -1); to.After(latest) {
		to = latest
	}
	if !to.After(from) {
		from = to.AddDate(0, 0, -1)
	}
	birth := from.AddDate(0, 0, r.IntN(max(1, int(to.Sub(from).Hours()/24))))
	code, err := w.codes.code(birth, sex)
	if err != nil {
		return nil, err
	}
	given := maleNames[r.IntN(len(maleNames))]
	if sex == isikukood.Female {
		given = femaleNames[r.IntN(len(femaleNames))]
	}
	if family == "" {
		family = familyNames[r.IntN(len(familyNames))]
	}
	return &person{idx: idx, code: code, id: code.String(), sex: sex, birth: birth, given: given, family: family, mother: -1, father: -1, partner: -1}, nil
}

// household generates and writes one household: a single adult, a couple,
// or a couple with children.
func (w *clinicalWriter) household(hh int, people *[]member) error {
	r := rngFor(w.cfg.Seed, uint64(hh))
	asOfYear := w.cfg.AsOf.Year()
	var members []*person
	add := func(p *person) bool {
		if len(*people) >= w.cfg.People {
			return false
		}
		p.idx = len(*people)
		*people = append(*people, member{mother: int32(p.mother), father: int32(p.father), male: p.sex == isikukood.Male})
		members = append(members, p)
		return true
	}
	kind := r.Float64()
	switch {
	case kind < 0.40: // single adult
		sex := isikukood.Sex(1 + r.IntN(2))
		p, err := w.newPerson(r, 0, sex, asOfYear-90, asOfYear-18, "")
		if err != nil {
			return err
		}
		add(p)
	default: // a couple, with children in 60% of them
		family := familyNames[r.IntN(len(familyNames))]
		motherYear := asOfYear - 18 - r.IntN(62)
		m, err := w.newPerson(r, 0, isikukood.Female, motherYear, motherYear, family)
		if err != nil {
			return err
		}
		fy := min(motherYear+r.IntN(7)-2, asOfYear-18)
		f, err := w.newPerson(r, 0, isikukood.Male, fy, fy, family)
		if err != nil {
			return err
		}
		if !add(m) || !add(f) {
			break
		}
		m.partner, f.partner = f.idx, m.idx
		if kind < 0.64 {
			break
		}
		nChildren := 1 + r.IntN(3)
		for range nChildren {
			cy := motherYear + 20 + r.IntN(22)
			if cy > asOfYear-1 {
				continue
			}
			c, err := w.newPerson(r, 0, isikukood.Sex(1+r.IntN(2)), cy, cy, family)
			if err != nil {
				return err
			}
			if !c.birth.Before(w.cfg.AsOf) {
				continue
			}
			c.mother, c.father = m.idx, f.idx
			if !add(c) {
				break
			}
		}
	}
	for _, p := range members {
		if consent.IsMinor(p.birth, w.cfg.AsOf) {
			w.sum.Minors++
		}
		w.writePerson(r, p, members)
	}
	return nil
}

func ref(typ, id string) fhir.Reference { return fhir.Reference{Reference: typ + "/" + id} }

func cc(system, code, display string) *fhir.CodeableConcept {
	return &fhir.CodeableConcept{Coding: []fhir.Coding{{System: system, Code: code, Display: display}}, Text: display}
}

// writePerson writes everything about one person.
func (w *clinicalWriter) writePerson(r *rand.Rand, p *person, household []*person) {
	asOf := w.cfg.AsOf
	sample := SampleCode(w.cfg.Seed, p.idx)
	w.samples.WriteString(sample + "\t" + p.id + "\n")
	w.out["Patient"].write(&fhir.Patient{
		Base:       fhir.Base{ResourceType: "Patient", ID: p.id},
		Identifier: []fhir.Identifier{{System: isikukood.System, Value: p.id}},
		Name:       []fhir.HumanName{{Family: p.family, Given: []string{p.given}}},
		Gender:     p.sex.String(),
		BirthDate:  w.day(p.birth),
	})
	for _, parent := range household {
		if parent.idx != p.mother && parent.idx != p.father {
			continue
		}
		code, disp := "MTH", "mother"
		if parent.idx == p.father {
			code, disp = "FTH", "father"
		}
		w.out["RelatedPerson"].write(&fhir.RelatedPerson{
			Base:         fhir.Base{ResourceType: "RelatedPerson", ID: "rp-" + p.id + "-" + code},
			Identifier:   []fhir.Identifier{{System: isikukood.System, Value: parent.id}},
			Patient:      ref("Patient", p.id),
			Relationship: []fhir.CodeableConcept{*cc(RoleCodeSys, code, disp)},
			Name:         []fhir.HumanName{{Family: parent.family, Given: []string{parent.given}}},
			Gender:       parent.sex.String(),
			BirthDate:    w.day(parent.birth),
		})
	}
	age := consent.AgeAt(p.birth, asOf)
	w.observations(r, p, age)
	conds := w.conditions(r, p, age)
	w.medications(r, p, age, conds)
	docs := w.documents(r, p)
	w.consents(r, p, docs, household)
	if w.cfg.Appointments {
		w.appointments(p)
	}
}

// observations writes height and weight.
func (w *clinicalWriter) observations(r *rand.Rand, p *person, age int) {
	var h, wt float64
	switch {
	case age >= 18:
		if p.sex == isikukood.Male {
			h = 180 + 7*r.NormFloat64()
		} else {
			h = 166 + 6*r.NormFloat64()
		}
		bmi := math.Max(16, 26.5+4.5*r.NormFloat64())
		wt = bmi * (h / 100) * (h / 100)
	case age >= 1:
		h = 75 + 6.2*float64(age) + 4*r.NormFloat64()
		wt = math.Max(8, 9+2.6*float64(age)+2*r.NormFloat64())
	default:
		h = 52 + 3*r.NormFloat64()
		wt = 3.6 + 0.5*r.NormFloat64()
	}
	p.heightCm = h
	at := randomDay(r, maxTime(p.birth.AddDate(0, 0, 1), w.cfg.AsOf.AddDate(-2, 0, 0)), w.cfg.AsOf)
	for _, o := range []struct {
		code, disp, unit string
		v                float64
	}{{"8302-2", "Body height", "cm", math.Round(h*10) / 10}, {"29463-7", "Body weight", "kg", math.Round(wt*10) / 10}} {
		v := o.v
		w.out["Observation"].write(&fhir.Observation{
			Base:              fhir.Base{ResourceType: "Observation", ID: "obs-" + p.id + "-" + o.code},
			Status:            "final",
			Category:          []fhir.CodeableConcept{*cc(obsCategory, "vital-signs", "Vital Signs")},
			Code:              *cc(LOINCSystem, o.code, o.disp),
			Subject:           &fhir.Reference{Reference: "Patient/" + p.id},
			EffectiveDateTime: w.dateTime(at),
			ObservationValue:  fhir.ObservationValue{ValueQuantity: &fhir.Quantity{Value: &v, Unit: o.unit, System: fhir.UCUMSystem, Code: o.unit}},
		})
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// disease is a condition with its prevalence by age and sex.
type disease struct {
	icd, name string
	minAge    int
	maxAge    int // 0: no upper bound
	rate      float64
	sex       isikukood.Sex // 0: both
}

var diseases = []disease{
	{"I10", "Essential (primary) hypertension", 40, 0, 0.30, 0},
	{"E78.0", "Pure hypercholesterolaemia", 45, 0, 0.22, 0},
	{"I25.1", "Atherosclerotic heart disease", 55, 0, 0.07, 0},
	{"I48", "Atrial fibrillation and flutter", 60, 0, 0.06, 0},
	{"E11", "Type 2 diabetes mellitus", 40, 0, 0.08, 0},
	{"F32", "Depressive episode", 12, 0, 0.08, 0},
	{"K21.9", "Gastro-oesophageal reflux disease without oesophagitis", 18, 0, 0.10, 0},
	{"M17", "Gonarthrosis", 50, 0, 0.12, 0},
	{"R52", "Pain, not elsewhere classified", 12, 0, 0.03, 0},
	{"C18", "Malignant neoplasm of colon", 50, 0, 0.008, 0},
	{"C50", "Malignant neoplasm of breast", 40, 0, 0.015, isikukood.Female},
	{"K50", "Crohn disease", 12, 0, 0.006, 0},
	{"C91.0", "Acute lymphoblastic leukaemia", 1, 17, 0.002, 0},
	{"Z94.0", "Kidney transplant status", 18, 0, 0.0015, 0},
}

// drug is a PGx-relevant medicine.
type drug struct{ atc, name, dose string }

var (
	clopidogrel  = drug{"B01AC04", "clopidogrel", "75 mg once daily"}
	warfarin     = drug{"B01AA03", "warfarin", "dose by INR"}
	simvastatin  = drug{"C10AA01", "simvastatin", "40 mg in the evening"}
	atorvastatin = drug{"C10AA05", "atorvastatin", "20 mg once daily"}
	rosuvastatin = drug{"C10AA07", "rosuvastatin", "10 mg once daily"}
	codeine      = drug{"R05DA04", "codeine", "30 mg up to four times daily"}
	tramadol     = drug{"N02AX02", "tramadol", "50 mg up to four times daily"}
	ondansetron  = drug{"A04AA01", "ondansetron", "8 mg twice daily"}
	citalopram   = drug{"N06AB04", "citalopram", "20 mg once daily"}
	escitalopram = drug{"N06AB10", "escitalopram", "10 mg once daily"}
	sertraline   = drug{"N06AB06", "sertraline", "50 mg once daily"}
	paroxetine   = drug{"N06AB05", "paroxetine", "20 mg once daily"}
	fluoxetine   = drug{"N06AB03", "fluoxetine", "20 mg once daily"}
	omeprazole   = drug{"A02BC01", "omeprazole", "20 mg once daily"}
	pantoprazole = drug{"A02BC02", "pantoprazole", "40 mg once daily"}
	lansoprazole = drug{"A02BC03", "lansoprazole", "30 mg once daily"}
	capecitabine = drug{"L01BC06", "capecitabine", "1250 mg/m2 twice daily"}
	fluorouracil = drug{"L01BC02", "fluorouracil", "per protocol"}
	azathioprine = drug{"L04AX01", "azathioprine", "2 mg/kg once daily"}
	mercaptopur  = drug{"L01BB02", "mercaptopurine", "75 mg/m2 once daily"}
	tacrolimus   = drug{"L04AD02", "tacrolimus", "0.1 mg/kg twice daily"}
	ibuprofen    = drug{"M01AE01", "ibuprofen", "400 mg up to three times daily"}
	celecoxib    = drug{"M01AH01", "celecoxib", "200 mg once daily"}
	meloxicam    = drug{"M01AC06", "meloxicam", "7.5 mg once daily"}
)

type choice struct {
	p     float64
	drugs []drug // one is picked uniformly
}

// therapy maps a condition to the drugs it is treated with, each with
// the probability that a person with the condition has it prescribed.
var therapy = map[string][]choice{
	"I25.1": {{0.50, []drug{clopidogrel}}, {0.80, []drug{atorvastatin, rosuvastatin, simvastatin}}, {0.20, []drug{pantoprazole, omeprazole}}},
	"I48":   {{0.35, []drug{warfarin}}},
	"E78.0": {{0.60, []drug{atorvastatin, simvastatin, rosuvastatin}}},
	"F32":   {{0.70, []drug{citalopram, escitalopram, sertraline, sertraline, fluoxetine, paroxetine}}},
	"K21.9": {{0.70, []drug{omeprazole, pantoprazole, lansoprazole}}},
	"M17":   {{0.40, []drug{ibuprofen, celecoxib, meloxicam}}, {0.15, []drug{tramadol}}},
	"R52":   {{0.50, []drug{codeine}}, {0.20, []drug{tramadol}}},
	"C18":   {{0.60, []drug{capecitabine, fluorouracil}}, {0.50, []drug{ondansetron}}},
	"C50":   {{0.25, []drug{capecitabine}}, {0.40, []drug{ondansetron}}},
	"K50":   {{0.45, []drug{azathioprine, azathioprine, mercaptopur}}},
	"C91.0": {{0.90, []drug{mercaptopur}}, {0.60, []drug{ondansetron}}},
	"Z94.0": {{0.90, []drug{tacrolimus}}},
}

type condition struct {
	icd   string
	onset time.Time
}

func (w *clinicalWriter) conditions(r *rand.Rand, p *person, age int) []condition {
	var out []condition
	for _, d := range diseases {
		if age < d.minAge || (d.maxAge > 0 && age > d.maxAge) || (d.sex != 0 && d.sex != p.sex) {
			continue
		}
		rate := d.rate
		if d.icd == "I10" || d.icd == "E78.0" {
			rate *= math.Min(1.5, float64(age-d.minAge+10)/30) // rises with age
		}
		if r.Float64() >= rate {
			continue
		}
		onsetFrom := p.birth.AddDate(d.minAge, 0, 0)
		if y := w.cfg.AsOf.AddDate(-15, 0, 0); y.After(onsetFrom) {
			onsetFrom = y
		}
		onset := randomDay(r, onsetFrom, w.cfg.AsOf.AddDate(0, 0, -30))
		out = append(out, condition{d.icd, onset})
		w.out["Condition"].write(&fhir.Condition{
			Base:           fhir.Base{ResourceType: "Condition", ID: "cond-" + p.id + "-" + d.icd},
			ClinicalStatus: cc(conditionClin, "active", "Active"),
			Category:       []fhir.CodeableConcept{*cc("http://terminology.hl7.org/CodeSystem/condition-category", "encounter-diagnosis", "Encounter Diagnosis")},
			Code:           cc(ICD10System, d.icd, d.name),
			Subject:        ref("Patient", p.id),
			OnsetDateTime:  w.dateTime(onset),
			RecordedDate:   w.dateTime(onset),
			Recorder:       &fhir.Reference{Reference: "Practitioner/" + w.practitionerAt(r, onset)},
		})
	}
	return out
}

func (w *clinicalWriter) medications(r *rand.Rand, p *person, age int, conds []condition) {
	var drugs []drug
	for _, c := range conds {
		for _, ch := range therapy[c.icd] {
			if r.Float64() < ch.p {
				d := ch.drugs[r.IntN(len(ch.drugs))]
				if !slices.Contains(drugs, d) {
					drugs = append(drugs, d)
				}
			}
		}
	}
	if age >= 12 && r.Float64() < 0.03 && !slices.Contains(drugs, ibuprofen) {
		drugs = append(drugs, ibuprofen)
	}
	asOf := w.cfg.AsOf
	for i, d := range drugs {
		current := r.Float64() < 0.8
		status := "active"
		authored := randomDay(r, asOf.AddDate(0, 0, -300), asOf.AddDate(0, 0, -1))
		if !current {
			status = "completed"
			authored = randomDay(r, maxTime(p.birth, asOf.AddDate(-6, 0, 0)), asOf.AddDate(-1, -1, 0))
		}
		w.out["MedicationRequest"].write(&fhir.MedicationRequest{
			Base:                      fhir.Base{ResourceType: "MedicationRequest", ID: "mr-" + p.id + "-" + strconv.Itoa(i+1)},
			Status:                    status,
			Intent:                    "order",
			MedicationCodeableConcept: cc(ATCSystem, d.atc, d.name),
			Subject:                   ref("Patient", p.id),
			AuthoredOn:                w.dateTime(authored),
			Requester:                 &fhir.Reference{Reference: "Practitioner/" + w.practitionerAt(r, authored)},
			DosageInstruction:         []fhir.Dosage{{Text: d.dose}},
			DispenseRequest:           &fhir.DispenseRequest{ValidityPeriod: &fhir.Period{Start: w.day(authored), End: w.day(authored.AddDate(1, 0, 0))}},
		})
	}
}

var docTypes = []struct{ code, name string }{
	{"11506-3", "Progress note"},
	{"18842-5", "Discharge summary"},
	{"34133-9", "Summary of episode note"},
	{"11488-4", "Consult note"},
}

type doc struct {
	id   string
	date time.Time
}

func (w *clinicalWriter) documents(r *rand.Rand, p *person) []doc {
	n := r.IntN(5)
	var out []doc
	for i := range n {
		t := docTypes[r.IntN(len(docTypes))]
		date := randomDay(r, maxTime(p.birth.AddDate(0, 0, 1), w.cfg.AsOf.AddDate(-10, 0, 0)), w.cfg.AsOf.AddDate(0, 0, -1))
		id := "doc-" + p.id + "-" + strconv.Itoa(i+1)
		out = append(out, doc{id, date})
		w.out["DocumentReference"].write(&fhir.DocumentReference{
			Base:    fhir.Base{ResourceType: "DocumentReference", ID: id},
			Status:  "current",
			DocType: cc(LOINCSystem, t.code, t.name),
			Subject: &fhir.Reference{Reference: "Patient/" + p.id},
			Date:    w.dateTime(date),
			Author:  []fhir.Reference{ref("Practitioner", w.practitionerAt(r, date))},
			Content: []fhir.DocumentContent{{Attachment: fhir.Attachment{ContentType: "text/plain", Title: t.name, Creation: w.dateTime(date)}}},
		})
	}
	return out
}

// dataUses are the research data uses drawn for participants, with weights.
var dataUses = []struct {
	w   float64
	use consent.DataUse
}{
	{0.62, consent.DataUse{Permission: consent.GRU}},
	{0.20, consent.DataUse{Permission: consent.HMB}},
	{0.08, consent.DataUse{Permission: consent.HMB, Modifiers: []consent.Code{consent.NCU}}},
	{0.04, consent.DataUse{Permission: consent.GRU, Modifiers: []consent.Code{consent.NPUNCU}}},
	{0.03, consent.DataUse{Permission: consent.HMB, Modifiers: []consent.Code{consent.IRB}}},
	{0.03, consent.DataUse{Permission: consent.DS, Diseases: []string{"E11"}}},
}

// consents writes the person's consent history: biobank joining with a
// DUO data use, return of results and secondary findings, some
// withdrawals, closed records and documents, and authorisations.
func (w *clinicalWriter) consents(r *rand.Rand, p *person, docs []doc, household []*person) {
	asOf := w.cfg.AsOf
	var events []consent.Event
	ev := func(e consent.Event) { e.Person = p.id; events = append(events, e) }
	minor := consent.IsMinor(p.birth, asOf)
	joinFrom := maxTime(time.Date(2002, 1, 1, 0, 0, 0, 0, consent.Tallinn), p.birth.AddDate(0, 0, 30))
	if !minor {
		joinFrom = maxTime(joinFrom, consent.AdultAt(p.birth))
	}
	join := randomDay(r, joinFrom, asOf.AddDate(0, 0, -30))
	if join.Before(joinFrom) {
		join = joinFrom
	}
	p.joined = join
	u, acc := r.Float64(), 0.0
	use := dataUses[0].use
	for _, d := range dataUses {
		acc += d.w
		if u < acc {
			use = d.use
			break
		}
	}
	ev(consent.Event{At: join, Kind: consent.GiveResearch, Use: use})
	ev(consent.Event{At: join, Kind: consent.ReturnOfResults, Given: r.Float64() < 0.85})
	ev(consent.Event{At: join, Kind: consent.SecondaryFindings, Given: r.Float64() < 0.60})
	if r.Float64() < 0.015 {
		ev(consent.Event{At: randomDay(r, join.AddDate(0, 0, 1), asOf), Kind: consent.Withdraw})
	}
	if r.Float64() < 0.01 {
		at := randomDay(r, asOf.AddDate(-5, 0, 0), asOf.AddDate(0, 0, -1))
		ev(consent.Event{At: at, Kind: consent.CloseRecord})
		if r.Float64() < 0.3 {
			ev(consent.Event{At: randomDay(r, at.AddDate(0, 0, 1), asOf), Kind: consent.OpenRecord})
		}
	}
	if len(docs) > 0 && r.Float64() < 0.05 {
		d := docs[r.IntN(len(docs))]
		at := randomDay(r, d.date.AddDate(0, 0, 1), asOf)
		ev(consent.Event{At: at, Kind: consent.CloseDocument, Document: d.id})
		if r.Float64() < 0.2 {
			ev(consent.Event{At: randomDay(r, at.AddDate(0, 0, 1), asOf), Kind: consent.OpenDocument, Document: d.id})
		}
	}
	if p.partner >= 0 && !minor && r.Float64() < 0.06 {
		for _, q := range household {
			if q.idx == p.partner {
				from := randomDay(r, asOf.AddDate(-4, 0, 0), asOf.AddDate(0, 0, -1))
				ev(consent.Event{At: from, Kind: consent.Authorise, Agent: q.id, From: from, Until: from.AddDate(1+r.IntN(4), 0, 0)})
			}
		}
	}
	// Nothing happens on or after the dataset's today (a document written
	// yesterday cannot have been closed before today).
	events = slices.DeleteFunc(events, func(e consent.Event) bool { return !e.At.Before(asOf) })
	slices.SortStableFunc(events, func(a, b consent.Event) int { return a.At.Compare(b.At) })
	for i, e := range events {
		res, err := consent.ToFHIR(e, "cons-"+p.id+"-"+strconv.Itoa(i+1))
		if err != nil {
			w.out["Consent"].err = fmt.Errorf("synth: consent of %s: %w", p.id, err)
			return
		}
		if minor && p.mother >= 0 && e.Kind != consent.CloseRecord && e.Kind != consent.OpenRecord {
			// A parent consents for a child.
			for _, q := range household {
				if q.idx == p.mother {
					res.Performer = []string{"Patient/" + q.id}
				}
			}
		}
		w.out["Consent"].write(fhir.ConsentFromModel(res))
	}
}
