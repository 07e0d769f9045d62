package clinical

import (
	"fmt"
	"strings"

	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/clinical/isikukood"
)

// Patient and RelatedPerson: the persons, related and id_map tables.

func genderSex(g string) isikukood.Sex {
	switch g {
	case "male":
		return isikukood.Male
	case "female":
		return isikukood.Female
	}
	return 0
}

func (in *ingester) patient(p *fhir.Patient, id string) error {
	birth, _ := fhir.ParseDate(p.BirthDate)
	var code isikukood.Code
	var srcSys, srcVal string
	synthetic := false
	first := -1
	for i, ident := range p.Identifier {
		if ident.System != isikukood.System {
			continue
		}
		c, _ := isikukood.Parse(ident.Value) // validated by the decoder
		if first < 0 {
			code, first = c, i
		} else if c != code {
			return &fhir.ParseError{Path: fmt.Sprintf("Patient.identifier[%d]", i), Err: fmt.Errorf("%w: a second, different isikukood %s (identifier[%d] is %s): one person has one personal code", ErrConflictingIdentity, c, first, code)}
		}
	}
	if !code.IsZero() {
		srcSys, srcVal = isikukood.System, code.String()
		src := srcSys + "|" + srcVal
		if owner, taken := in.mapper.Owner(code); taken && owner != src {
			return &fhir.ParseError{Path: "Patient.identifier", Err: fmt.Errorf("%w: isikukood %s was assigned to synthetic source %q", isikukood.ErrConflict, code, owner)}
		}
		if _, known := in.mapper.Lookup(src); !known {
			if err := in.mapper.Add(src, code); err != nil {
				return &fhir.ParseError{Path: "Patient.identifier", Err: err}
			}
			in.sum.NewPersons++
			if err := in.idMap(srcSys, srcVal, code.String()); err != nil {
				return err
			}
		}
	} else {
		srcSys, srcVal = PatientIDSystem, id
		for _, ident := range p.Identifier {
			if ident.System != "" && ident.Value != "" {
				srcSys, srcVal = ident.System, ident.Value
				break
			}
		}
		if birth.IsZero() {
			return &fhir.ParseError{Path: "Patient.birthDate", Err: fmt.Errorf("%w: required to derive a synthetic isikukood (the Patient has no identifier with system %s)", fhir.ErrRequired, isikukood.System)}
		}
		c, isNew, err := in.mapper.Map(srcSys+"|"+srcVal, birth, genderSex(p.Gender))
		if err != nil {
			return &fhir.ParseError{Path: "Patient.birthDate", Err: err}
		}
		code, synthetic = c, true
		if isNew {
			in.sum.NewPersons++
			if srcSys != PatientIDSystem {
				if err := in.idMap(srcSys, srcVal, code.String()); err != nil {
					return err
				}
			}
		}
	}
	pid := code.String()
	key := "Patient/" + id
	if old, ok := in.patients[key]; !ok || old != pid {
		in.patients[key] = pid
		if err := in.idMap(PatientIDSystem, id, pid); err != nil {
			return err
		}
	}
	in.sum.Persons++
	t := in.tables["persons"]
	t.s(pid)
	t.date(code.BirthDate())
	t.s(code.Sex().String())
	t.s(p.Gender)
	deceased := p.DeceasedBoolean
	at := dateTime(p.DeceasedDateTime)
	if !at.IsZero() {
		yes := true
		deceased = &yes
	}
	t.b(deceased)
	t.ts(at)
	t.s(id)
	t.s(srcSys)
	t.s(srcVal)
	t.b(&synthetic)
	if err := t.end(in.next()); err != nil {
		return err
	}
	for _, l := range p.Link {
		typ, oid, _ := in.resolve(l.Other.Reference)
		var other string
		if typ == "Patient" {
			other = in.patients["Patient/"+oid]
		}
		if err := in.related(pid, other, typ+"/"+oid, fhir.Coding{System: "http://hl7.org/fhir/link-type", Code: l.Type}, nil, "Patient.link", id); err != nil {
			return err
		}
	}
	return nil
}

func (in *ingester) idMap(sys, val, pid string) error {
	t := in.tables["id_map"]
	t.s(sys)
	t.s(val)
	t.s(pid)
	return t.end(in.next())
}

func (in *ingester) related(pid, other, otherRes string, rel fhir.Coding, p *fhir.Period, source, id string) error {
	t := in.tables["related"]
	t.s(pid)
	t.s(other)
	t.s(strings.Trim(otherRes, "/"))
	t.s(rel.Code)
	t.s(rel.System)
	t.s(rel.Display)
	start, end := period(p)
	t.ts(start)
	t.ts(end)
	t.s(source)
	t.s(id)
	return t.end(in.next())
}

func (in *ingester) relatedPerson(r *fhir.RelatedPerson, id string) (bool, error) {
	pid, ok, err := in.person("RelatedPerson.patient", &r.Patient)
	if !ok || err != nil {
		return false, err
	}
	// The related person's own code: an isikukood identifier, or an
	// identifier already mapped to a person.
	var other string
	for _, ident := range r.Identifier {
		if ident.System == isikukood.System {
			other = ident.Value
			break
		}
		if c, ok := in.mapper.Lookup(ident.System + "|" + ident.Value); ok {
			other = c.String()
			break
		}
	}
	if len(r.Relationship) == 0 {
		return true, in.related(pid, other, "RelatedPerson/"+id, fhir.Coding{}, r.Period, "RelatedPerson", id)
	}
	for _, cc := range r.Relationship {
		if err := in.related(pid, other, "RelatedPerson/"+id, cc.Primary(), r.Period, "RelatedPerson", id); err != nil {
			return false, err
		}
	}
	return true, nil
}
