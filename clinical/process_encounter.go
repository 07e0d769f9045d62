package clinical

import "github.com/varamu/varamu/clinical/fhir"

// Encounter: the encounters table.

func (in *ingester) encounter(e *fhir.Encounter, id string) (bool, error) {
	pid, ok, err := in.person("Encounter.subject", e.Subject)
	if !ok || err != nil {
		return false, err
	}
	t := in.tables["encounters"]
	t.s(id)
	t.s(pid)
	t.s(e.Status)
	var class string
	if e.Class != nil {
		class = e.Class.Code
	}
	t.s(class)
	var typ fhir.Coding
	if len(e.EncounterType) > 0 {
		typ = e.EncounterType[0].Primary()
	}
	t.s(typ.System)
	t.s(typ.Code)
	t.s(typ.Display)
	start, end := period(e.Period)
	t.ts(start)
	t.ts(end)
	var prac string
	for _, p := range e.Participant {
		if prac = in.refID(p.Individual, "Practitioner"); prac != "" {
			break
		}
	}
	t.s(prac)
	t.s(in.refID(e.ServiceProvider, "Organization"))
	var reason fhir.Coding
	if len(e.ReasonCode) > 0 {
		reason = e.ReasonCode[0].Primary()
	}
	t.s(reason.Code)
	t.s(reason.Display)
	return true, t.end(in.next())
}
