package consent

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file is the boundary with FHIR R4 (http://hl7.org/fhir/R4/consent.html).
// Resource is a plain Go struct holding the Consent elements varamu uses;
// package clinical/fhir decodes and encodes the JSON and converts to and from
// it. Each consent event is one Consent resource:
//
//	event              scope            topic (category)     provision
//	close/open-record  patient-privacy  his-record           deny / permit
//	close/open-doc     patient-privacy  his-document         deny / permit, data = DocumentReference
//	authorise/revoke   patient-privacy  authorisation        permit (period, actor AGNT) / deny (actor)
//	research-consent   research         biobank-research     permit, code = DUO terms (DS with ICD-10 disease)
//	withdraw           research         biobank-withdrawal   deny
//	return-of-results  research         return-of-results    permit / deny
//	secondary-findings research         secondary-findings   permit / deny
//
// category also carries LOINC 59284-0 (Patient Consent); Consent.dateTime is
// the event time. Only status "active" resources become events.

// FHIR code systems used in Consent resources.
const (
	ScopeSystem     = "http://terminology.hl7.org/CodeSystem/consentscope"
	LOINCSystem     = "http://loinc.org"
	TopicSystem     = "urn:varamu:consent-topic"
	RoleClassSystem = "http://terminology.hl7.org/CodeSystem/v3-RoleClass"
	ActReasonSystem = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
	ICD10System     = "http://hl7.org/fhir/sid/icd-10"
)

// Topics (category codes in TopicSystem).
const (
	TopicRecord         = "his-record"
	TopicDocument       = "his-document"
	TopicAuthorise      = "authorisation"
	TopicResearch       = "biobank-research"
	TopicWithdrawal     = "biobank-withdrawal"
	TopicReturn         = "return-of-results"
	TopicSecondary      = "secondary-findings"
	patientConsentLOINC = "59284-0"
)

// ErrFHIR is wrapped by errors converting a Consent resource.
var ErrFHIR = errors.New("consent: invalid FHIR Consent")

// Coding is a FHIR Coding.
type Coding struct {
	System, Code, Display string
}

// Resource is the subset of a FHIR R4 Consent that carries a consent event.
type Resource struct {
	ID       string
	Status   string // "active"; other statuses carry no event
	Scope    Coding // consentscope: patient-privacy or research
	Category []Coding
	Patient  string // reference "Patient/<id>"
	DateTime time.Time
	// Performer holds references of who gave the consent (the patient or a
	// representative).
	Performer []string
	Provision Provision
}

// Provision is a FHIR Consent.provision (one level; nested provisions are
// not used).
type Provision struct {
	Type        string // "permit" or "deny"
	Start, End  time.Time
	Actors      []Actor
	Purpose     []Coding
	Code        [][]Coding // one CodeableConcept per element
	DataMeaning string     // "instance" for a single resource
	Data        []string   // references, e.g. "DocumentReference/doc-1"
}

// Actor is a FHIR Consent.provision.actor.
type Actor struct {
	Role      Coding
	Reference string
}

func (r *Resource) topic() string {
	for _, c := range r.Category {
		if c.System == TopicSystem {
			return c.Code
		}
	}
	return ""
}

// refID returns the id of a reference "Type/id" of the wanted type.
func refID(ref, typ string) (string, error) {
	t, id, ok := strings.Cut(ref, "/")
	if !ok || t != typ || id == "" {
		return "", fmt.Errorf("reference %q: want %s/<id>", ref, typ)
	}
	return id, nil
}

// FromFHIR converts a Consent resource to a consent event. ok is false (and
// err nil) when the resource's status means it carries no decision
// (draft, proposed, rejected, inactive, entered-in-error); the caller should
// count such resources. Errors wrap ErrFHIR, or ErrUnknownDUO for an
// unknown data use code, and name the element at fault.
func FromFHIR(r Resource) (e Event, ok bool, err error) {
	fail := func(path string, format string, args ...any) (Event, bool, error) {
		return Event{}, false, fmt.Errorf("%w: Consent/%s: %s: %s", ErrFHIR, r.ID, path, fmt.Sprintf(format, args...))
	}
	switch r.Status {
	case "active":
	case "draft", "proposed", "rejected", "inactive", "entered-in-error":
		return Event{}, false, nil
	default:
		return fail("status", "unknown status %q", r.Status)
	}
	person, perr := refID(r.Patient, "Patient")
	if perr != nil {
		return fail("patient", "%v", perr)
	}
	if r.DateTime.IsZero() {
		return fail("dateTime", "missing: a consent event needs its time")
	}
	p := r.Provision
	var permit bool
	switch p.Type {
	case "permit":
		permit = true
	case "deny":
	default:
		return fail("provision.type", "want permit or deny, got %q", p.Type)
	}
	e = Event{Person: person, At: r.DateTime, Source: r.ID}
	wantScope := "patient-privacy"
	switch topic := r.topic(); topic {
	case TopicRecord:
		e.Kind = map[bool]Kind{true: OpenRecord, false: CloseRecord}[permit]
	case TopicDocument:
		e.Kind = map[bool]Kind{true: OpenDocument, false: CloseDocument}[permit]
		if len(p.Data) != 1 {
			return fail("provision.data", "want exactly one DocumentReference, got %d", len(p.Data))
		}
		if e.Document, perr = refID(p.Data[0], "DocumentReference"); perr != nil {
			return fail("provision.data[0].reference", "%v", perr)
		}
	case TopicAuthorise:
		e.Kind = map[bool]Kind{true: Authorise, false: Revoke}[permit]
		if len(p.Actors) != 1 {
			return fail("provision.actor", "want exactly one authorised person, got %d", len(p.Actors))
		}
		if e.Agent, perr = refID(p.Actors[0].Reference, "Patient"); perr != nil {
			return fail("provision.actor[0].reference", "%v", perr)
		}
		e.From, e.Until = p.Start, p.End
	case TopicResearch:
		wantScope = "research"
		if !permit {
			return fail("provision.type", "a research consent is a permit; withdrawal uses topic %s", TopicWithdrawal)
		}
		e.Kind = GiveResearch
		for i, cc := range p.Code {
			var code Code
			var disease string
			for _, c := range cc {
				switch {
				case isDUOSystem(c.System):
					var d string
					if code, d, perr = ParseCode(c.Code); perr != nil {
						return Event{}, false, fmt.Errorf("Consent/%s: provision.code[%d]: %w", r.ID, i, perr)
					}
					if d != "" {
						disease = d
					}
				case c.System == ICD10System:
					disease = c.Code
				}
			}
			switch {
			case code == "":
				return fail(fmt.Sprintf("provision.code[%d]", i), "no coding in %s", DUOSystem)
			case code == DS:
				if disease == "" {
					return fail(fmt.Sprintf("provision.code[%d]", i), "DS without an %s disease coding", ICD10System)
				}
				e.Use.Diseases = append(e.Use.Diseases, disease)
				e.Use.Permission = DS
			case code.IsPermission():
				if e.Use.Permission != "" && e.Use.Permission != code {
					return fail(fmt.Sprintf("provision.code[%d]", i), "second permission %s after %s", code, e.Use.Permission)
				}
				e.Use.Permission = code
			default:
				e.Use.Modifiers = append(e.Use.Modifiers, code)
			}
		}
		if verr := e.Use.validate(); verr != nil {
			return Event{}, false, fmt.Errorf("Consent/%s: provision.code: %w", r.ID, verr)
		}
	case TopicWithdrawal:
		wantScope = "research"
		if permit {
			return fail("provision.type", "a withdrawal is a deny")
		}
		e.Kind = Withdraw
	case TopicReturn:
		wantScope = "research"
		e.Kind, e.Given = ReturnOfResults, permit
	case TopicSecondary:
		wantScope = "research"
		e.Kind, e.Given = SecondaryFindings, permit
	case "":
		return fail("category", "no coding in %s", TopicSystem)
	default:
		return fail("category", "unknown topic %q", topic)
	}
	if r.Scope.Code != wantScope {
		return fail("scope", "topic %s wants scope %s, got %q", r.topic(), wantScope, r.Scope.Code)
	}
	if verr := e.Validate(); verr != nil {
		return fail("provision", "%v", verr)
	}
	return e, true, nil
}

// ToFHIR expresses an event as a Consent resource with the given id.
func ToFHIR(e Event, id string) (Resource, error) {
	if err := e.Validate(); err != nil {
		return Resource{}, err
	}
	r := Resource{
		ID:        id,
		Status:    "active",
		Scope:     Coding{System: ScopeSystem, Code: "patient-privacy", Display: "Privacy Consent"},
		Patient:   "Patient/" + e.Person,
		DateTime:  e.At,
		Performer: []string{"Patient/" + e.Person},
	}
	if e.SignedBy != "" && e.SignedBy != e.Person {
		// A representative signed: a personal code, or a reference as
		// received ("RelatedPerson/<id>").
		r.Performer = []string{e.SignedBy}
		if !strings.Contains(e.SignedBy, "/") {
			r.Performer[0] = "Patient/" + e.SignedBy
		}
	}
	permit := func(b bool) string {
		if b {
			return "permit"
		}
		return "deny"
	}
	var topic string
	switch e.Kind {
	case CloseRecord, OpenRecord:
		topic = TopicRecord
		r.Provision.Type = permit(e.Kind == OpenRecord)
	case CloseDocument, OpenDocument:
		topic = TopicDocument
		r.Provision.Type = permit(e.Kind == OpenDocument)
		r.Provision.DataMeaning = "instance"
		r.Provision.Data = []string{"DocumentReference/" + e.Document}
	case Authorise, Revoke:
		topic = TopicAuthorise
		r.Provision.Type = permit(e.Kind == Authorise)
		r.Provision.Actors = []Actor{{Role: Coding{System: RoleClassSystem, Code: "AGNT", Display: "agent"}, Reference: "Patient/" + e.Agent}}
		if e.Kind == Authorise {
			r.Provision.Start, r.Provision.End = e.start(), e.Until
		}
	case GiveResearch:
		topic = TopicResearch
		r.Provision.Type = "permit"
		r.Provision.Purpose = []Coding{{System: ActReasonSystem, Code: "HRESCH", Display: "healthcare research"}}
		if e.Use.Permission == DS {
			for _, d := range e.Use.Diseases {
				r.Provision.Code = append(r.Provision.Code, []Coding{
					{System: DUOSystem, Code: DS.ID(), Display: string(DS)},
					{System: ICD10System, Code: d},
				})
			}
		} else {
			r.Provision.Code = append(r.Provision.Code, []Coding{{System: DUOSystem, Code: e.Use.Permission.ID(), Display: string(e.Use.Permission)}})
		}
		for _, m := range e.Use.Modifiers {
			r.Provision.Code = append(r.Provision.Code, []Coding{{System: DUOSystem, Code: m.ID(), Display: string(m)}})
		}
	case Withdraw:
		topic = TopicWithdrawal
		r.Provision.Type = "deny"
	case ReturnOfResults:
		topic = TopicReturn
		r.Provision.Type = permit(e.Given)
	case SecondaryFindings:
		topic = TopicSecondary
		r.Provision.Type = permit(e.Given)
	}
	switch topic {
	case TopicResearch, TopicWithdrawal, TopicReturn, TopicSecondary:
		r.Scope = Coding{System: ScopeSystem, Code: "research", Display: "Research"}
	}
	r.Category = []Coding{
		{System: LOINCSystem, Code: patientConsentLOINC, Display: "Patient Consent"},
		{System: TopicSystem, Code: topic},
	}
	return r, nil
}
