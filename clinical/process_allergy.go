package clinical

import (
	"strings"

	"github.com/varamu/varamu/clinical/fhir"
)

// AllergyIntolerance: the allergies table.

func (in *ingester) allergy(a *fhir.AllergyIntolerance, id string) (bool, error) {
	pid, ok, err := in.person("AllergyIntolerance.patient", &a.Patient)
	if !ok || err != nil {
		return false, err
	}
	t := in.tables["allergies"]
	t.s(id)
	t.s(pid)
	t.s(a.ClinicalStatus.Primary().Code)
	t.s(a.VerificationStatus.Primary().Code)
	t.s(a.AllergyType)
	t.s(strings.Join(a.Category, ","))
	t.s(a.Criticality)
	code := a.Code.Primary()
	t.s(code.System)
	t.s(code.Code)
	sub := code.Display
	if sub == "" && a.Code != nil {
		sub = a.Code.Text
	}
	t.s(NormalizeText(sub))
	var reaction, severity string
	if len(a.Reaction) > 0 {
		severity = a.Reaction[0].Severity
		if len(a.Reaction[0].Manifestation) > 0 {
			m := a.Reaction[0].Manifestation[0]
			reaction = m.Primary().Display
			if reaction == "" {
				reaction = m.Text
			}
		}
	}
	t.s(reaction)
	t.s(severity)
	t.ts(dateTime(a.OnsetDateTime))
	t.ts(dateTime(a.RecordedDate))
	return true, t.end(in.next())
}
