package clinical

import "github.com/varamu/varamu/clinical/fhir"

// Condition: the conditions table.

func (in *ingester) condition(c *fhir.Condition, id string) (bool, error) {
	pid, ok, err := in.person("Condition.subject", &c.Subject)
	if !ok || err != nil {
		return false, err
	}
	t := in.tables["conditions"]
	t.s(id)
	t.s(pid)
	t.s(in.refID(c.Encounter, "Encounter"))
	code := c.Code.Primary()
	t.s(code.System)
	t.s(code.Code)
	t.s(code.Display)
	sn, _ := c.Code.First(SNOMEDSystem)
	t.s(sn.Code)
	icd, ok := c.Code.First(ICD10System)
	if !ok {
		icd, _ = c.Code.First(ICD10CMSystem)
	}
	t.s(icd.Code)
	t.s(c.ClinicalStatus.Primary().Code)
	t.s(c.VerificationStatus.Primary().Code)
	t.s(firstCode(c.Category))
	t.ts(dateTime(c.OnsetDateTime))
	t.ts(dateTime(c.AbatementDateTime))
	t.ts(dateTime(c.RecordedDate))
	return true, t.end(in.next())
}
