package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"

	"github.com/varamu/varamu/clinical/isikukood"
)

// UCUMSystem is the code system of UCUM units in Quantity.system.
const UCUMSystem = "http://unitsofmeasure.org"

// Types lists the resource types this package decodes; any other type
// decodes to *Unknown.
var Types = []string{
	"Patient", "RelatedPerson", "Practitioner", "PractitionerRole", "Organization",
	"Encounter", "Condition", "Observation", "MedicationRequest", "MedicationStatement",
	"AllergyIntolerance", "DocumentReference", "Composition", "Consent", "Appointment", "Communication",
}

// Config tunes a Decoder. The zero Config is ready to use.
type Config struct {
	// Now is the moment against which birth dates are checked for being
	// in the future. Zero means time.Now() when NewDecoder is called.
	Now time.Time
}

// Decoder decodes and validates single resources. It holds no mutable
// state and is safe for concurrent use.
type Decoder struct {
	now time.Time
	std bool // decode with encoding/json only (differential tests)
}

// NewDecoder returns a Decoder for cfg.
func NewDecoder(cfg Config) *Decoder {
	d := &Decoder{now: cfg.Now}
	if d.now.IsZero() {
		d.now = time.Now()
	}
	return d
}

// Decode decodes one resource (a JSON object) and validates it. Resources
// of a type not in Types decode to *Unknown. Errors are *ParseError with
// the JSON path set; the caller adds the file and line or entry.
func (d *Decoder) Decode(data []byte) (Resource, error) {
	if !utf8.Valid(data) {
		return nil, &ParseError{Entry: -1, Err: &detailError{ErrSyntax, fmt.Sprintf("invalid UTF-8 at byte %d (FHIR JSON is UTF-8)", invalidUTF8At(data))}}
	}
	typ, err := peekResourceType(data)
	if err != nil {
		return nil, err
	}
	var r Resource
	switch typ {
	case "Patient":
		r = new(Patient)
	case "RelatedPerson":
		r = new(RelatedPerson)
	case "Practitioner":
		r = new(Practitioner)
	case "PractitionerRole":
		r = new(PractitionerRole)
	case "Organization":
		r = new(Organization)
	case "Encounter":
		r = new(Encounter)
	case "Condition":
		r = new(Condition)
	case "Observation":
		r = new(Observation)
	case "MedicationRequest":
		r = new(MedicationRequest)
	case "MedicationStatement":
		r = new(MedicationStatement)
	case "AllergyIntolerance":
		r = new(AllergyIntolerance)
	case "DocumentReference":
		r = new(DocumentReference)
	case "Composition":
		r = new(Composition)
	case "Consent":
		r = new(Consent)
	case "Appointment":
		r = new(Appointment)
	case "Communication":
		r = new(Communication)
	default:
		r = new(Unknown)
	}
	if err := unmarshal(data, r, d.std); err != nil {
		return nil, jsonError(typ, data, err)
	}
	if err := d.validate(r); err != nil {
		return nil, err
	}
	return r, nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// unmarshal decodes data into r. The fast path is github.com/goccy/go-json
// (about 2.5 times faster than encoding/json on FHIR resources), run only
// on input that validJSON (equal to encoding/json.Valid) accepts (goccy accepts some
// invalid JSON: testdata/fuzz/FuzzDecode/goccy-accepts-invalid-json), and
// guarded against panics; any failure is decoded again with encoding/json, whose errors
// (and their JSON paths) are the ones reported.
func unmarshal(data []byte, r Resource, std bool) (err error) {
	if std || !validJSON(data) {
		return json.Unmarshal(data, r)
	}
	defer func() {
		if p := recover(); p != nil {
			err = json.Unmarshal(data, r)
		}
	}()
	if gojson.Unmarshal(data, r) != nil {
		return json.Unmarshal(data, r)
	}
	return nil
}

// jsonError converts an encoding/json error into a *ParseError.
func jsonError(typ string, data []byte, err error) *ParseError {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &ParseError{Entry: -1, Err: &detailError{ErrSyntax, fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)}}
	case errors.As(err, &te):
		path := typ
		if te.Field != "" {
			path += "." + strings.ReplaceAll(te.Field, "ObservationValue.", "")
		}
		kind := fhirKind(te.Type.String())
		if strings.HasPrefix(te.Value, "number") && kind == "a number" {
			return &ParseError{Entry: -1, Path: path, Err: &detailError{ErrInvalid, "number out of range"}}
		}
		return &ParseError{Entry: -1, Path: path, Err: &detailError{ErrInvalid, fmt.Sprintf("JSON %s where FHIR wants %s", te.Value, kind)}}
	}
	if !json.Valid(data) {
		return &ParseError{Entry: -1, Err: &detailError{ErrSyntax, "malformed JSON: " + err.Error()}}
	}
	return &ParseError{Entry: -1, Path: typ, Err: &detailError{ErrInvalid, err.Error()}}
}

func fhirKind(goType string) string {
	t := strings.TrimLeft(goType, "*")
	switch {
	case strings.HasPrefix(t, "[]"):
		return "an array"
	case t == "string":
		return "a string"
	case t == "float64" || t == "int64":
		return "a number"
	case t == "bool":
		return "a boolean"
	}
	return "an object (" + strings.TrimPrefix(t, "fhir.") + ")"
}

// peekResourceType finds the top-level "resourceType" member without
// decoding the rest. Malformed JSON elsewhere is left for json.Unmarshal.
func peekResourceType(data []byte) (string, error) {
	key := []byte(`"resourceType"`)
	depth := 0
	i := 0
	n := len(data)
	for i < n {
		c := data[i]
		switch c {
		case '{', '[':
			depth++
			i++
		case '}', ']':
			depth--
			i++
		case '"':
			start := i
			i++
			for i < n && data[i] != '"' {
				if data[i] == '\\' {
					i++
				}
				i++
			}
			i++ // closing quote
			if depth != 1 || i > n || !bytes.Equal(data[start:i], key) {
				continue
			}
			j := i
			for j < n && isSpace(data[j]) {
				j++
			}
			if j >= n || data[j] != ':' {
				continue // a value equal to "resourceType", not the key
			}
			j++
			for j < n && isSpace(data[j]) {
				j++
			}
			if j >= n || data[j] != '"' {
				return "", &ParseError{Entry: -1, Path: "resourceType", Err: &detailError{ErrResourceType, "want a string"}}
			}
			k := j + 1
			for k < n && data[k] != '"' && data[k] != '\\' {
				k++
			}
			if k >= n || data[k] != '"' {
				return "", &ParseError{Entry: -1, Path: "resourceType", Err: &detailError{ErrResourceType, "want a resource type name"}}
			}
			typ := string(data[j+1 : k])
			if !isTypeName(typ) {
				return "", &ParseError{Entry: -1, Path: "resourceType", Err: &detailError{ErrResourceType, fmt.Sprintf("%q is not a resource type name", typ)}}
			}
			return typ, nil
		default:
			i++
		}
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		return "", jsonError("", data, err)
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return "", &ParseError{Entry: -1, Err: &detailError{ErrResourceType, "want a JSON object (a FHIR resource)"}}
	}
	return "", &ParseError{Entry: -1, Path: "resourceType", Err: &detailError{ErrResourceType, "missing"}}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// v collects the first validation error of a resource.
type v struct {
	d   *Decoder
	err *ParseError
}

func (c *v) fail(path string, sentinel error, format string, args ...any) {
	if c.err == nil {
		c.err = pathError(path, sentinel, format, args...)
	}
}

func (c *v) date(path, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := ParseDate(s)
	if err != nil {
		c.fail(path, ErrInvalid, "%v", err)
	}
	return t
}

func (c *v) dateTime(path, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := ParseDateTime(s)
	if err != nil {
		c.fail(path, ErrInvalid, "%v", err)
	}
	return t
}

func (c *v) period(path string, p *Period) {
	if p == nil {
		return
	}
	s := c.dateTime(path+".start", p.Start)
	e := c.dateTime(path+".end", p.End)
	if !s.IsZero() && !e.IsZero() && e.Before(s) {
		c.fail(path+".end", ErrInvalid, "%q is before start %q", p.End, p.Start)
	}
}

func (c *v) code(path, s string, allowed ...string) {
	if s == "" {
		return
	}
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	c.fail(path, ErrInvalid, "%q is not one of %s", s, strings.Join(allowed, ", "))
}

func (c *v) required(path string, present bool) {
	if !present {
		c.fail(path, ErrRequired, "required")
	}
}

func (c *v) ref(path string, r *Reference, required bool) {
	if r == nil || (r.Reference == "" && r.Identifier == nil) {
		if required {
			c.fail(path, ErrRequired, "required (a reference)")
		}
		return
	}
}

func (c *v) concept(path string, cc *CodeableConcept, required bool) {
	if cc == nil || (len(cc.Coding) == 0 && cc.Text == "") {
		if required {
			c.fail(path, ErrRequired, "required (a coding or text)")
		}
	}
}

var genders = []string{"male", "female", "other", "unknown"}

// identifiers validates isikukood identifiers and returns the first one.
func (c *v) identifiers(path string, ids []Identifier) isikukood.Code {
	var first isikukood.Code
	for i, id := range ids {
		if id.System != isikukood.System {
			continue
		}
		code, err := isikukood.Parse(id.Value)
		if err != nil {
			if c.err == nil {
				c.err = &ParseError{Entry: -1, Path: fmt.Sprintf("%s[%d].value", path, i), Err: err}
			}
			continue
		}
		if first.IsZero() {
			first = code
		}
	}
	return first
}

func (c *v) person(typ string, ids []Identifier, gender, birthDate string) {
	c.code(typ+".gender", gender, genders...)
	b := c.date(typ+".birthDate", birthDate)
	if !b.IsZero() && b.After(c.d.now) {
		c.fail(typ+".birthDate", ErrFuture, "%q is in the future", birthDate)
	}
	code := c.identifiers(typ+".identifier", ids)
	if code.IsZero() || c.err != nil {
		return
	}
	if birthDate != "" && len(birthDate) == 10 && !code.BirthDate().Equal(b) {
		c.fail(typ+".birthDate", ErrInvalid, "%q differs from the birth date %s in isikukood %s", birthDate, code.BirthDate().Format(time.DateOnly), code)
	}
	if (gender == "male" || gender == "female") && gender != code.Sex().String() {
		c.fail(typ+".gender", ErrInvalid, "%q differs from sex %s in isikukood %s", gender, code.Sex(), code)
	}
}

func (c *v) value(path string, val *ObservationValue) {
	if q := val.ValueQuantity; q != nil {
		if q.Value == nil {
			c.fail(path+"Quantity.value", ErrRequired, "required")
		}
		if q.System != "" && q.System == UCUMSystem && q.Code == "" {
			c.fail(path+"Quantity.code", ErrRequired, "required with a UCUM system")
		}
	}
}

// finite rejects a Quantity value outside float64 (goccy/go-json decodes
// 1e400 as infinity where encoding/json fails).
func (c *v) finite(path string, val *ObservationValue) {
	if q := val.ValueQuantity; q != nil && q.Value != nil && (math.IsInf(*q.Value, 0) || math.IsNaN(*q.Value)) {
		c.fail(path, ErrInvalid, "number out of range")
	}
}

// duoCodes validates every DUO coding in cs.
func (c *v) duoCodes(path string, cs []Coding) {
	for i, cd := range cs {
		if isDUOSystem(cd.System) {
			if !knownDUO(cd.Code) {
				c.fail(fmt.Sprintf("%s[%d].code", path, i), ErrUnknownDUO, "%q is not a GA4GH DUO code", cd.Code)
			}
		}
	}
}

func (c *v) provision(path string, p *Provision) {
	if p == nil {
		return
	}
	c.code(path+".type", p.Type, "deny", "permit")
	c.period(path+".period", p.Period)
	c.period(path+".dataPeriod", p.DataPeriod)
	c.duoCodes(path+".purpose", p.Purpose)
	c.duoCodes(path+".class", p.Class)
	for i := range p.Code {
		c.duoCodes(fmt.Sprintf("%s.code[%d].coding", path, i), p.Code[i].Coding)
	}
	for i := range p.Actor {
		c.ref(fmt.Sprintf("%s.actor[%d].reference", path, i), &p.Actor[i].Reference, true)
	}
	for i := range p.Data {
		c.code(fmt.Sprintf("%s.data[%d].meaning", path, i), p.Data[i].Meaning, "instance", "related", "dependents", "authoredby")
		c.ref(fmt.Sprintf("%s.data[%d].reference", path, i), &p.Data[i].Reference, true)
	}
	for i := range p.Provision {
		c.provision(fmt.Sprintf("%s.provision[%d]", path, i), &p.Provision[i])
	}
}

// medication resolves medication[x] (a CodeableConcept, or a reference to
// a contained Medication) and returns its code.
func (c *v) medication(typ string, cc *CodeableConcept, ref *Reference, contained []json.RawMessage) *CodeableConcept {
	if cc != nil {
		c.concept(typ+".medicationCodeableConcept", cc, true)
		return cc
	}
	if ref == nil || (ref.Reference == "" && ref.Display == "") {
		c.fail(typ+".medication[x]", ErrRequired, "required (medicationCodeableConcept or medicationReference)")
		return nil
	}
	if strings.HasPrefix(ref.Reference, "#") {
		for i, raw := range contained {
			var m Medication
			if err := json.Unmarshal(raw, &m); err != nil {
				c.fail(fmt.Sprintf("%s.contained[%d]", typ, i), ErrInvalid, "%v", err)
				return nil
			}
			if m.ResourceType == "Medication" && "#"+m.ID == ref.Reference && m.Code != nil {
				return m.Code
			}
		}
		c.fail(typ+".medicationReference.reference", ErrInvalid, "%q names no contained Medication with a code", ref.Reference)
		return nil
	}
	// A reference to a Medication elsewhere: keep its display as text.
	return &CodeableConcept{Text: ref.Display}
}

func (d *Decoder) validate(r Resource) error {
	c := &v{d: d}
	if o, ok := r.(*Observation); ok {
		// First, as encoding/json reports it while decoding.
		c.finite("Observation.valueQuantity.value", &o.ObservationValue)
		for i := range o.Component {
			c.finite("Observation.component.valueQuantity.value", &o.Component[i].ObservationValue)
		}
	}
	switch r := r.(type) {
	case *Patient:
		c.person("Patient", r.Identifier, r.Gender, r.BirthDate)
		c.dateTime("Patient.deceasedDateTime", r.DeceasedDateTime)
		for i, l := range r.Link {
			c.ref(fmt.Sprintf("Patient.link[%d].other", i), &l.Other, true)
			c.required(fmt.Sprintf("Patient.link[%d].type", i), l.Type != "")
			c.code(fmt.Sprintf("Patient.link[%d].type", i), l.Type, "replaced-by", "replaces", "refer", "seealso")
		}
	case *RelatedPerson:
		c.ref("RelatedPerson.patient", &r.Patient, true)
		c.person("RelatedPerson", r.Identifier, r.Gender, r.BirthDate)
		c.period("RelatedPerson.period", r.Period)
	case *Practitioner:
		c.code("Practitioner.gender", r.Gender, genders...)
		for i := range r.Qualification {
			c.period(fmt.Sprintf("Practitioner.qualification[%d].period", i), r.Qualification[i].Period)
		}
	case *PractitionerRole:
		c.period("PractitionerRole.period", r.Period)
	case *Organization:
	case *Encounter:
		c.required("Encounter.status", r.Status != "")
		c.code("Encounter.status", r.Status, "planned", "arrived", "triaged", "in-progress", "onleave", "finished", "cancelled", "entered-in-error", "unknown")
		c.ref("Encounter.subject", r.Subject, true)
		c.period("Encounter.period", r.Period)
	case *Condition:
		c.ref("Condition.subject", &r.Subject, true)
		c.dateTime("Condition.onsetDateTime", r.OnsetDateTime)
		c.dateTime("Condition.abatementDateTime", r.AbatementDateTime)
		c.dateTime("Condition.recordedDate", r.RecordedDate)
	case *Observation:
		c.required("Observation.status", r.Status != "")
		c.code("Observation.status", r.Status, "registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error", "unknown")
		c.concept("Observation.code", &r.Code, true)
		c.ref("Observation.subject", r.Subject, true)
		c.dateTime("Observation.effectiveDateTime", r.EffectiveDateTime)
		c.dateTime("Observation.effectiveInstant", r.EffectiveInstant)
		c.period("Observation.effectivePeriod", r.EffectivePeriod)
		c.dateTime("Observation.issued", r.Issued)
		c.value("Observation.value", &r.ObservationValue)
		for i := range r.Component {
			c.concept(fmt.Sprintf("Observation.component[%d].code", i), &r.Component[i].Code, true)
			c.value(fmt.Sprintf("Observation.component[%d].value", i), &r.Component[i].ObservationValue)
		}
	case *MedicationRequest:
		c.required("MedicationRequest.status", r.Status != "")
		c.required("MedicationRequest.intent", r.Intent != "")
		c.ref("MedicationRequest.subject", &r.Subject, true)
		c.dateTime("MedicationRequest.authoredOn", r.AuthoredOn)
		if r.DispenseRequest != nil {
			c.period("MedicationRequest.dispenseRequest.validityPeriod", r.DispenseRequest.ValidityPeriod)
		}
		r.Medication = c.medication("MedicationRequest", r.MedicationCodeableConcept, r.MedicationReference, r.Contained)
	case *MedicationStatement:
		c.required("MedicationStatement.status", r.Status != "")
		c.ref("MedicationStatement.subject", &r.Subject, true)
		c.dateTime("MedicationStatement.effectiveDateTime", r.EffectiveDateTime)
		c.period("MedicationStatement.effectivePeriod", r.EffectivePeriod)
		c.dateTime("MedicationStatement.dateAsserted", r.DateAsserted)
		r.Medication = c.medication("MedicationStatement", r.MedicationCodeableConcept, r.MedicationReference, r.Contained)
	case *AllergyIntolerance:
		c.ref("AllergyIntolerance.patient", &r.Patient, true)
		c.code("AllergyIntolerance.type", r.AllergyType, "allergy", "intolerance")
		c.code("AllergyIntolerance.criticality", r.Criticality, "low", "high", "unable-to-assess")
		c.dateTime("AllergyIntolerance.onsetDateTime", r.OnsetDateTime)
		c.dateTime("AllergyIntolerance.recordedDate", r.RecordedDate)
	case *DocumentReference:
		c.required("DocumentReference.status", r.Status != "")
		c.code("DocumentReference.status", r.Status, "current", "superseded", "entered-in-error")
		c.ref("DocumentReference.subject", r.Subject, true)
		c.dateTime("DocumentReference.date", r.Date)
		c.required("DocumentReference.content", len(r.Content) > 0)
		if r.Context != nil {
			c.period("DocumentReference.context.period", r.Context.Period)
		}
	case *Composition:
		c.required("Composition.status", r.Status != "")
		c.code("Composition.status", r.Status, "preliminary", "final", "amended", "entered-in-error")
		c.concept("Composition.type", &r.DocType, true)
		c.ref("Composition.subject", r.Subject, true)
		c.required("Composition.date", r.Date != "")
		c.dateTime("Composition.date", r.Date)
		c.required("Composition.title", r.Title != "")
	case *Consent:
		c.required("Consent.status", r.Status != "")
		c.code("Consent.status", r.Status, "draft", "proposed", "active", "rejected", "inactive", "entered-in-error")
		c.concept("Consent.scope", &r.Scope, true)
		c.required("Consent.category", len(r.Category) > 0)
		c.ref("Consent.patient", r.Patient, true)
		c.dateTime("Consent.dateTime", r.DateTime)
		if r.PolicyRule != nil {
			c.duoCodes("Consent.policyRule.coding", r.PolicyRule.Coding)
		}
		for i := range r.Category {
			c.duoCodes(fmt.Sprintf("Consent.category[%d].coding", i), r.Category[i].Coding)
		}
		c.provision("Consent.provision", r.Provision)
	case *Appointment:
		c.appointment(r)
	case *Communication:
		c.communication(r)
	}
	if c.err != nil {
		return c.err
	}
	return nil
}

// PeekType returns the top-level resourceType of a JSON resource without
// decoding the rest of it.
func PeekType(data []byte) (string, error) { return peekResourceType(data) }
