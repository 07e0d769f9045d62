package clinical

import (
	"fmt"

	"github.com/varamu/varamu/clinical/fhir"
)

// Observation: the observations table, body height and weight normalised.

// LOINC codes of body height and weight, normalised to cm and kg.
const (
	LOINCBodyHeight = "8302-2"
	LOINCBodyWeight = "29463-7"
)

// normalizeQuantity converts body height to cm and body weight to kg from
// the UCUM units they are given in; ok is false for a unit that is not a
// length (height) or a mass (weight).
func normalizeQuantity(loinc string, v float64, unit string) (float64, string, bool) {
	switch loinc {
	case LOINCBodyHeight:
		switch unit {
		case "cm":
			return v, "cm", true
		case "m":
			return v * 100, "cm", true
		case "mm":
			return v / 10, "cm", true
		case "[in_i]", "[in_us]":
			return v * 2.54, "cm", true
		}
		return v, unit, false
	case LOINCBodyWeight:
		switch unit {
		case "kg":
			return v, "kg", true
		case "g":
			return v / 1000, "kg", true
		case "[lb_av]":
			return v * 0.45359237, "kg", true
		}
		return v, unit, false
	}
	return v, unit, true
}

func (in *ingester) observation(o *fhir.Observation, id string) (bool, error) {
	pid, ok, err := in.person("Observation.subject", o.Subject)
	if !ok || err != nil {
		return false, err
	}
	enc := in.refID(o.Encounter, "Encounter")
	cat := firstCode(o.Category)
	eff := dateTime(o.EffectiveDateTime)
	if eff.IsZero() {
		eff = dateTime(o.EffectiveInstant)
	}
	if eff.IsZero() && o.EffectivePeriod != nil {
		eff = dateTime(o.EffectivePeriod.Start)
	}
	issued := dateTime(o.Issued)
	// Check units first: nothing is written for a resource that fails.
	for i := -1; i < len(o.Component); i++ {
		code, v, path := &o.Code, &o.ObservationValue, "Observation.valueQuantity"
		if i >= 0 {
			code, v, path = &o.Component[i].Code, &o.Component[i].ObservationValue, fmt.Sprintf("Observation.component[%d].valueQuantity", i)
		}
		c, _ := code.First(LOINCSystem)
		if q := v.ValueQuantity; q != nil && c.Code != "" {
			if _, _, ok := normalizeQuantity(c.Code, *q.Value, quantityUnit(q)); !ok {
				return false, &fhir.ParseError{Path: path, Err: fmt.Errorf("%w: unit %q is not a UCUM unit of %s for LOINC %s", fhir.ErrInvalid, quantityUnit(q), map[string]string{LOINCBodyHeight: "length", LOINCBodyWeight: "mass"}[c.Code], c.Code)}
			}
		}
	}
	row := func(comp int32, code *fhir.CodeableConcept, v *fhir.ObservationValue) error {
		t := in.tables["observations"]
		t.s(id)
		t.i32(comp)
		t.s(pid)
		t.s(enc)
		t.s(o.Status)
		t.s(cat)
		c, _ := code.First(LOINCSystem)
		if c.Code == "" {
			c = code.Primary()
		}
		t.s(c.System)
		t.s(c.Code)
		d := c.Display
		if d == "" {
			d = code.Text
		}
		t.s(d)
		var num *float64
		var unit, cmp, vsys, vcode, vtext string
		switch {
		case v.ValueQuantity != nil:
			q := v.ValueQuantity
			unit = quantityUnit(q)
			x := *q.Value
			if c.System == LOINCSystem {
				x, unit, _ = normalizeQuantity(c.Code, x, unit)
			}
			num, cmp = &x, q.Comparator
		case v.ValueCodeableConcept != nil:
			vc := v.ValueCodeableConcept.Primary()
			vsys, vcode, vtext = vc.System, vc.Code, vc.Display
			if vtext == "" {
				vtext = v.ValueCodeableConcept.Text
			}
		case v.ValueString != nil:
			vtext = *v.ValueString
		case v.ValueBoolean != nil:
			vtext = fmt.Sprint(*v.ValueBoolean)
		case v.ValueInteger != nil:
			x := float64(*v.ValueInteger)
			num = &x
		}
		t.f64(num)
		t.s(unit)
		t.s(cmp)
		t.s(vsys)
		t.s(vcode)
		t.s(vtext)
		t.ts(eff)
		t.ts(issued)
		return t.end(in.next())
	}
	hasValue := o.ValueQuantity != nil || o.ValueCodeableConcept != nil || o.ValueString != nil || o.ValueBoolean != nil || o.ValueInteger != nil
	if hasValue || len(o.Component) == 0 {
		if err := row(0, &o.Code, &o.ObservationValue); err != nil {
			return false, err
		}
	}
	for i := range o.Component {
		if err := row(int32(i+1), &o.Component[i].Code, &o.Component[i].ObservationValue); err != nil {
			return false, err
		}
	}
	return true, nil
}

// quantityUnit is the UCUM code of a Quantity, or its unit text.
func quantityUnit(q *fhir.Quantity) string {
	if q.System == fhir.UCUMSystem && q.Code != "" {
		return q.Code
	}
	return q.Unit
}
