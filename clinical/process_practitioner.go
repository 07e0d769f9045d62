package clinical

import (
	"strings"

	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/clinical/isikukood"
)

// Practitioner, PractitionerRole and Organization: the register of health professionals.

// licence picks a practitioner's registration code and its period: the
// Estonian register code, else a qualification identifier, else the US NPI,
// else the first identifier that is not a personal code.
func licence(p *fhir.Practitioner) (fhir.Identifier, bool) {
	for _, sys := range []string{LicenceSystem, legacyLicenceSystem} {
		for _, id := range p.Identifier {
			if id.System == sys {
				return id, true
			}
		}
	}
	for _, q := range p.Qualification {
		for _, id := range q.Identifier {
			if id.Value != "" {
				if id.Period == nil {
					id.Period = q.Period
				}
				return id, true
			}
		}
	}
	for _, id := range p.Identifier {
		if id.System == NPISystem {
			return id, true
		}
	}
	for _, id := range p.Identifier {
		if id.System != isikukood.System {
			return id, true
		}
	}
	return fhir.Identifier{}, false
}

// practitionerCode is the practitioner's isikukood when one valid code is
// given under isikukood.System ("" otherwise): it is how an ID-card
// certificate is matched to the register.
func practitionerCode(p *fhir.Practitioner) string {
	for _, id := range p.Identifier {
		if id.System == isikukood.System && isikukood.Validate(id.Value) == nil {
			return id.Value
		}
	}
	return ""
}

func (in *ingester) practitioner(p *fhir.Practitioner, id string) error {
	t := in.tables["practitioners"]
	t.s(id)
	lic, _ := licence(p)
	t.s(lic.System)
	t.s(lic.Value)
	var family, given string
	if len(p.Name) > 0 {
		family, given = p.Name[0].Family, strings.Join(p.Name[0].Given, " ")
	}
	t.s(family)
	t.s(given)
	t.s(p.Gender)
	t.b(p.Active)
	var q string
	if len(p.Qualification) > 0 {
		q = p.Qualification[0].Code.Primary().Code
	}
	t.s(q)
	start, end := period(lic.Period)
	t.ts(start)
	t.ts(end)
	t.s(practitionerCode(p))
	return t.end(in.next())
}

// practitionerRole writes a PractitionerRole row: who works where, in which role.
func (in *ingester) practitionerRole(r *fhir.PractitionerRole, id string) error {
	t := in.tables["practitioner_roles"]
	t.s(id)
	t.s(in.refID(r.Practitioner, "Practitioner"))
	t.s(in.refID(r.Organization, "Organization"))
	t.s(firstCode(r.Code))
	t.s(firstCode(r.Specialty))
	t.b(r.Active)
	start, end := period(r.Period)
	t.ts(start)
	t.ts(end)
	return t.end(in.next())
}

// organization writes an Organization row.
func (in *ingester) organization(r *fhir.Organization, id string) error {
	t := in.tables["organizations"]
	t.s(id)
	var sys, val string
	if len(r.Identifier) > 0 {
		sys, val = r.Identifier[0].System, r.Identifier[0].Value
	}
	t.s(sys)
	t.s(val)
	t.s(r.Name)
	t.s(firstCode(r.OrgType))
	t.s(in.refID(r.PartOf, "Organization"))
	return t.end(in.next())
}
