package fhir

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/varamu/varamu/clinical/consent"
)

// Model converts a decoded Consent to the consent package's boundary
// struct (consent.Resource), which consent.FromFHIR turns into an event.
// References are copied as written; callers that resolve Bundle-local or
// foreign references rewrite Patient and Provision.Actors/Data first.
// Only the top-level provision is carried (nested provisions are not part
// of varamu's consent model).
func (c *Consent) Model() consent.Resource {
	r := consent.Resource{ID: c.ID, Status: c.Status, Scope: modelCoding(c.Scope.Primary())}
	for _, cc := range c.Category {
		for _, cd := range cc.Coding {
			r.Category = append(r.Category, modelCoding(cd))
		}
	}
	if c.Patient != nil {
		r.Patient = c.Patient.Reference
	}
	r.DateTime, _ = ParseDateTime(c.DateTime) // validated by Decode
	for _, p := range c.Performer {
		r.Performer = append(r.Performer, p.Reference)
	}
	if p := c.Provision; p != nil {
		r.Provision.Type = p.Type
		if p.Period != nil {
			r.Provision.Start, _ = ParseDateTime(p.Period.Start)
			r.Provision.End, _ = ParseDateTime(p.Period.End)
		}
		for _, a := range p.Actor {
			r.Provision.Actors = append(r.Provision.Actors, consent.Actor{Role: modelCoding(a.Role.Primary()), Reference: a.Reference.Reference})
		}
		for _, cd := range p.Purpose {
			r.Provision.Purpose = append(r.Provision.Purpose, modelCoding(cd))
		}
		for _, cc := range p.Code {
			var cs []consent.Coding
			for _, cd := range cc.Coding {
				cs = append(cs, modelCoding(cd))
			}
			r.Provision.Code = append(r.Provision.Code, cs)
		}
		for i, d := range p.Data {
			if i == 0 {
				r.Provision.DataMeaning = d.Meaning
			}
			r.Provision.Data = append(r.Provision.Data, d.Reference.Reference)
		}
	}
	return r
}

func modelCoding(c Coding) consent.Coding {
	return consent.Coding{System: c.System, Code: c.Code, Display: c.Display}
}

func fhirCoding(c consent.Coding) Coding {
	return Coding{System: c.System, Code: c.Code, Display: c.Display}
}

func dateTimeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ConsentFromModel builds the FHIR Consent resource of a consent.Resource
// (as consent.ToFHIR makes it), ready to be written with WriteNDJSON.
func ConsentFromModel(r consent.Resource) *Consent {
	c := &Consent{
		Base:     Base{ResourceType: "Consent", ID: r.ID},
		Status:   r.Status,
		Scope:    CodeableConcept{Coding: []Coding{fhirCoding(r.Scope)}},
		DateTime: dateTimeString(r.DateTime),
	}
	for _, cd := range r.Category {
		c.Category = append(c.Category, CodeableConcept{Coding: []Coding{fhirCoding(cd)}})
	}
	if r.Patient != "" {
		c.Patient = &Reference{Reference: r.Patient}
	}
	for _, p := range r.Performer {
		c.Performer = append(c.Performer, Reference{Reference: p})
	}
	p := r.Provision
	prov := &Provision{Type: p.Type}
	if !p.Start.IsZero() || !p.End.IsZero() {
		prov.Period = &Period{Start: dateTimeString(p.Start), End: dateTimeString(p.End)}
	}
	for _, a := range p.Actors {
		prov.Actor = append(prov.Actor, ProvisionActor{Role: CodeableConcept{Coding: []Coding{fhirCoding(a.Role)}}, Reference: Reference{Reference: a.Reference}})
	}
	for _, cd := range p.Purpose {
		prov.Purpose = append(prov.Purpose, fhirCoding(cd))
	}
	for _, cs := range p.Code {
		var cc CodeableConcept
		for _, cd := range cs {
			cc.Coding = append(cc.Coding, fhirCoding(cd))
		}
		prov.Code = append(prov.Code, cc)
	}
	for _, d := range p.Data {
		meaning := p.DataMeaning
		if meaning == "" {
			meaning = "instance"
		}
		prov.Data = append(prov.Data, ProvisionData{Meaning: meaning, Reference: Reference{Reference: d}})
	}
	c.Provision = prov
	return c
}

// WriteNDJSON writes resources as FHIR Bulk Data NDJSON, one per line.
func WriteNDJSON(w io.Writer, resources ...Resource) error {
	for _, r := range resources {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("fhir: encoding %s/%s: %w", r.Type(), r.ResourceID(), err)
		}
		b = append(b, '\n')
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// WriteBundle writes resources as a FHIR collection Bundle; each entry's
// fullUrl is "<Type>/<id>".
func WriteBundle(w io.Writer, resources ...Resource) error {
	type entry struct {
		FullURL  string   `json:"fullUrl,omitempty"`
		Resource Resource `json:"resource"`
	}
	b := struct {
		ResourceType string  `json:"resourceType"`
		Type         string  `json:"type"`
		Entry        []entry `json:"entry"`
	}{ResourceType: "Bundle", Type: "collection", Entry: []entry{}}
	for _, r := range resources {
		e := entry{Resource: r}
		if r.ResourceID() != "" {
			e.FullURL = r.Type() + "/" + r.ResourceID()
		}
		b.Entry = append(b.Entry, e)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	if err := enc.Encode(b); err != nil {
		return fmt.Errorf("fhir: encoding Bundle: %w", err)
	}
	return nil
}
