package clinical

import (
	"time"

	"github.com/varamu/varamu/clinical/fhir"
)

// MedicationRequest and MedicationStatement: the medications table.

func (in *ingester) medication(id, kind, pid, enc, status, intent string, med *fhir.CodeableConcept, authored, start, end time.Time, requester, dosage string) error {
	t := in.tables["medications"]
	t.s(id)
	t.s(kind)
	t.s(pid)
	t.s(enc)
	t.s(status)
	t.s(intent)
	code := med.Primary()
	text := code.Display
	if text == "" && med != nil {
		text = med.Text
	}
	t.s(Ingredient(text))
	t.s(NormalizeText(text))
	rx, _ := med.First(RxNormSystem)
	atc, _ := med.First(ATCSystem)
	t.s(rx.Code)
	t.s(atc.Code)
	t.s(code.System)
	t.s(code.Code)
	t.ts(authored)
	t.ts(start)
	t.ts(end)
	t.s(requester)
	t.s(dosage)
	return t.end(in.next())
}

// medicationRequest writes a MedicationRequest as a medications row of
// kind "request".
func (in *ingester) medicationRequest(r *fhir.MedicationRequest, id string) (bool, error) {
	pid, ok, err := in.person("MedicationRequest.subject", &r.Subject)
	if !ok || err != nil {
		return false, err
	}
	var start, end time.Time
	if r.DispenseRequest != nil {
		start, end = period(r.DispenseRequest.ValidityPeriod)
	}
	var dosage string
	if len(r.DosageInstruction) > 0 {
		dosage = r.DosageInstruction[0].Text
	}
	return true, in.medication(id, "request", pid, in.refID(r.Encounter, "Encounter"), r.Status, r.Intent, r.Medication,
		dateTime(r.AuthoredOn), start, end, in.refID(r.Requester, "Practitioner"), dosage)
}

// medicationStatement writes a MedicationStatement as a medications row
// of kind "statement".
func (in *ingester) medicationStatement(r *fhir.MedicationStatement, id string) (bool, error) {
	pid, ok, err := in.person("MedicationStatement.subject", &r.Subject)
	if !ok || err != nil {
		return false, err
	}
	start, end := period(r.EffectivePeriod)
	if start.IsZero() {
		start = dateTime(r.EffectiveDateTime)
	}
	var dosage string
	if len(r.Dosage) > 0 {
		dosage = r.Dosage[0].Text
	}
	return true, in.medication(id, "statement", pid, in.refID(r.Context, "Encounter"), r.Status, "", r.Medication,
		dateTime(r.DateAsserted), start, end, in.refID(r.InformationSource, "Practitioner"), dosage)
}
