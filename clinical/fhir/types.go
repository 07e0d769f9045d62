package fhir

import "encoding/json"

// Coding is a code from a code system (FHIR R4 Coding).
type Coding struct {
	System  string `json:"system,omitempty"`
	Version string `json:"version,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is a concept given by codings and/or text.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// First returns the first coding whose system is system, or false.
func (c *CodeableConcept) First(system string) (Coding, bool) {
	if c == nil {
		return Coding{}, false
	}
	for _, cd := range c.Coding {
		if cd.System == system {
			return cd, true
		}
	}
	return Coding{}, false
}

// Primary returns the first coding with a code; else the first coding
// with a display; else a coding holding only the text.
func (c *CodeableConcept) Primary() Coding {
	if c == nil {
		return Coding{}
	}
	for _, cd := range c.Coding {
		if cd.Code != "" {
			return cd
		}
	}
	for _, cd := range c.Coding {
		if cd.Display != "" {
			return cd
		}
	}
	return Coding{Display: c.Text}
}

// Identifier is a business identifier (FHIR R4 Identifier).
type Identifier struct {
	Use    string           `json:"use,omitempty"`
	Type   *CodeableConcept `json:"type,omitempty"`
	System string           `json:"system,omitempty"`
	Value  string           `json:"value,omitempty"`
	Period *Period          `json:"period,omitempty"`
}

// Reference is a reference to another resource (FHIR R4 Reference).
type Reference struct {
	Reference  string      `json:"reference,omitempty"`
	Type       string      `json:"type,omitempty"`
	Identifier *Identifier `json:"identifier,omitempty"`
	Display    string      `json:"display,omitempty"`
}

// Period is a time range; either end may be open (empty).
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Quantity is a measured amount (FHIR R4 Quantity); Code is the UCUM unit
// code when System is UCUMSystem.
type Quantity struct {
	Value      *float64 `json:"value,omitempty"`
	Comparator string   `json:"comparator,omitempty"`
	Unit       string   `json:"unit,omitempty"`
	System     string   `json:"system,omitempty"`
	Code       string   `json:"code,omitempty"`
}

// HumanName is a person's name.
type HumanName struct {
	Use    string   `json:"use,omitempty"`
	Text   string   `json:"text,omitempty"`
	Family string   `json:"family,omitempty"`
	Given  []string `json:"given,omitempty"`
	Prefix []string `json:"prefix,omitempty"`
}

// Attachment is content referenced or included (data is not decoded).
type Attachment struct {
	ContentType string `json:"contentType,omitempty"`
	Language    string `json:"language,omitempty"`
	URL         string `json:"url,omitempty"`
	Size        int64  `json:"size,omitempty"`
	Hash        string `json:"hash,omitempty"`
	Title       string `json:"title,omitempty"`
	Creation    string `json:"creation,omitempty"`
}

// Meta is resource metadata.
type Meta struct {
	VersionID   string   `json:"versionId,omitempty"`
	LastUpdated string   `json:"lastUpdated,omitempty"`
	Source      string   `json:"source,omitempty"`
	Profile     []string `json:"profile,omitempty"`
	Security    []Coding `json:"security,omitempty"`
	Tag         []Coding `json:"tag,omitempty"`
}

// Base holds the elements every resource has.
type Base struct {
	ResourceType string `json:"resourceType"`
	ID           string `json:"id,omitempty"`
	Meta         *Meta  `json:"meta,omitempty"`
}

// Type returns the resourceType.
func (b *Base) Type() string { return b.ResourceType }

// ResourceID returns the logical id.
func (b *Base) ResourceID() string { return b.ID }

// Resource is one decoded resource: a pointer to one of the resource
// structs of this package, or *Unknown.
type Resource interface {
	// Type returns the resourceType, e.g. "Patient".
	Type() string
	// ResourceID returns the logical id (may be empty in a transaction
	// Bundle, where fullUrl identifies the entry).
	ResourceID() string
}

// Unknown is a resource of a type this package does not decode; readers
// return it so that callers can count what they skip.
type Unknown struct {
	Base
}

// Patient is a FHIR R4 Patient.
type Patient struct {
	Base
	Identifier           []Identifier  `json:"identifier,omitempty"`
	Active               *bool         `json:"active,omitempty"`
	Name                 []HumanName   `json:"name,omitempty"`
	Gender               string        `json:"gender,omitempty"`
	BirthDate            string        `json:"birthDate,omitempty"`
	DeceasedBoolean      *bool         `json:"deceasedBoolean,omitempty"`
	DeceasedDateTime     string        `json:"deceasedDateTime,omitempty"`
	ManagingOrganization *Reference    `json:"managingOrganization,omitempty"`
	GeneralPractitioner  []Reference   `json:"generalPractitioner,omitempty"`
	Link                 []PatientLink `json:"link,omitempty"`
}

// PatientLink links a Patient to another Patient or RelatedPerson record
// of the same person (type replaced-by, replaces, refer, seealso).
type PatientLink struct {
	Other Reference `json:"other"`
	Type  string    `json:"type"`
}

// RelatedPerson is a FHIR R4 RelatedPerson: someone with a relationship to
// a patient (parent, guardian, child), given in Relationship with
// v3-RoleCode codes such as MTH, FTH, PRN, GUARD, CHILD.
type RelatedPerson struct {
	Base
	Identifier   []Identifier      `json:"identifier,omitempty"`
	Active       *bool             `json:"active,omitempty"`
	Patient      Reference         `json:"patient"`
	Relationship []CodeableConcept `json:"relationship,omitempty"`
	Name         []HumanName       `json:"name,omitempty"`
	Gender       string            `json:"gender,omitempty"`
	BirthDate    string            `json:"birthDate,omitempty"`
	Period       *Period           `json:"period,omitempty"`
}

// Practitioner is a FHIR R4 Practitioner; the licence number of a health
// professional is an Identifier or a Qualification identifier.
type Practitioner struct {
	Base
	Identifier    []Identifier    `json:"identifier,omitempty"`
	Active        *bool           `json:"active,omitempty"`
	Name          []HumanName     `json:"name,omitempty"`
	Gender        string          `json:"gender,omitempty"`
	Qualification []Qualification `json:"qualification,omitempty"`
}

// Qualification is a practitioner's licence or certificate.
type Qualification struct {
	Identifier []Identifier    `json:"identifier,omitempty"`
	Code       CodeableConcept `json:"code"`
	Period     *Period         `json:"period,omitempty"`
	Issuer     *Reference      `json:"issuer,omitempty"`
}

// PractitionerRole is a FHIR R4 PractitionerRole.
type PractitionerRole struct {
	Base
	Identifier   []Identifier      `json:"identifier,omitempty"`
	Active       *bool             `json:"active,omitempty"`
	Period       *Period           `json:"period,omitempty"`
	Practitioner *Reference        `json:"practitioner,omitempty"`
	Organization *Reference        `json:"organization,omitempty"`
	Code         []CodeableConcept `json:"code,omitempty"`
	Specialty    []CodeableConcept `json:"specialty,omitempty"`
}

// Organization is a FHIR R4 Organization.
type Organization struct {
	Base
	Identifier []Identifier      `json:"identifier,omitempty"`
	Active     *bool             `json:"active,omitempty"`
	OrgType    []CodeableConcept `json:"type,omitempty"`
	Name       string            `json:"name,omitempty"`
	PartOf     *Reference        `json:"partOf,omitempty"`
}

// Encounter is a FHIR R4 Encounter.
type Encounter struct {
	Base
	Identifier      []Identifier           `json:"identifier,omitempty"`
	Status          string                 `json:"status"`
	Class           *Coding                `json:"class,omitempty"`
	EncounterType   []CodeableConcept      `json:"type,omitempty"`
	Subject         *Reference             `json:"subject,omitempty"`
	Participant     []EncounterParticipant `json:"participant,omitempty"`
	Period          *Period                `json:"period,omitempty"`
	ReasonCode      []CodeableConcept      `json:"reasonCode,omitempty"`
	ServiceProvider *Reference             `json:"serviceProvider,omitempty"`
}

// EncounterParticipant is someone who took part in an Encounter.
type EncounterParticipant struct {
	Type       []CodeableConcept `json:"type,omitempty"`
	Period     *Period           `json:"period,omitempty"`
	Individual *Reference        `json:"individual,omitempty"`
}

// Condition is a FHIR R4 Condition (diagnosis, problem).
type Condition struct {
	Base
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	Category           []CodeableConcept `json:"category,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Subject            Reference         `json:"subject"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	OnsetDateTime      string            `json:"onsetDateTime,omitempty"`
	AbatementDateTime  string            `json:"abatementDateTime,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
	Recorder           *Reference        `json:"recorder,omitempty"`
}

// Observation is a FHIR R4 Observation (vital signs, labs).
type Observation struct {
	Base
	Status            string            `json:"status"`
	Category          []CodeableConcept `json:"category,omitempty"`
	Code              CodeableConcept   `json:"code"`
	Subject           *Reference        `json:"subject,omitempty"`
	Encounter         *Reference        `json:"encounter,omitempty"`
	EffectiveDateTime string            `json:"effectiveDateTime,omitempty"`
	EffectiveInstant  string            `json:"effectiveInstant,omitempty"`
	EffectivePeriod   *Period           `json:"effectivePeriod,omitempty"`
	Issued            string            `json:"issued,omitempty"`
	Performer         []Reference       `json:"performer,omitempty"`
	ObservationValue
	Component []ObservationComponent `json:"component,omitempty"`
}

// ObservationValue is the value[x] choice of an Observation or component.
type ObservationValue struct {
	ValueQuantity        *Quantity        `json:"valueQuantity,omitempty"`
	ValueCodeableConcept *CodeableConcept `json:"valueCodeableConcept,omitempty"`
	ValueString          *string          `json:"valueString,omitempty"`
	ValueBoolean         *bool            `json:"valueBoolean,omitempty"`
	ValueInteger         *int64           `json:"valueInteger,omitempty"`
}

// ObservationComponent is one component of an Observation (e.g. systolic
// and diastolic blood pressure).
type ObservationComponent struct {
	Code CodeableConcept `json:"code"`
	ObservationValue
}

// Dosage is how a medication is to be or was taken (text only).
type Dosage struct {
	Text string `json:"text,omitempty"`
}

// DispenseRequest holds the validity period of a prescription.
type DispenseRequest struct {
	ValidityPeriod *Period `json:"validityPeriod,omitempty"`
}

// Medication is a contained Medication resource, used to resolve
// medicationReference "#id".
type Medication struct {
	Base
	Code *CodeableConcept `json:"code,omitempty"`
}

// MedicationRequest is a FHIR R4 MedicationRequest (a prescription).
type MedicationRequest struct {
	Base
	Contained                 []json.RawMessage `json:"contained,omitempty"`
	Status                    string            `json:"status"`
	Intent                    string            `json:"intent"`
	MedicationCodeableConcept *CodeableConcept  `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference        `json:"medicationReference,omitempty"`
	Subject                   Reference         `json:"subject"`
	Encounter                 *Reference        `json:"encounter,omitempty"`
	AuthoredOn                string            `json:"authoredOn,omitempty"`
	Requester                 *Reference        `json:"requester,omitempty"`
	DosageInstruction         []Dosage          `json:"dosageInstruction,omitempty"`
	DispenseRequest           *DispenseRequest  `json:"dispenseRequest,omitempty"`

	// Medication is the code of the drug, from medicationCodeableConcept
	// or a contained Medication; set by the decoder.
	Medication *CodeableConcept `json:"-"`
}

// MedicationStatement is a FHIR R4 MedicationStatement.
type MedicationStatement struct {
	Base
	Contained                 []json.RawMessage `json:"contained,omitempty"`
	Status                    string            `json:"status"`
	MedicationCodeableConcept *CodeableConcept  `json:"medicationCodeableConcept,omitempty"`
	MedicationReference       *Reference        `json:"medicationReference,omitempty"`
	Subject                   Reference         `json:"subject"`
	Context                   *Reference        `json:"context,omitempty"`
	EffectiveDateTime         string            `json:"effectiveDateTime,omitempty"`
	EffectivePeriod           *Period           `json:"effectivePeriod,omitempty"`
	DateAsserted              string            `json:"dateAsserted,omitempty"`
	InformationSource         *Reference        `json:"informationSource,omitempty"`
	Dosage                    []Dosage          `json:"dosage,omitempty"`

	// Medication is the code of the drug; set by the decoder.
	Medication *CodeableConcept `json:"-"`
}

// AllergyIntolerance is a FHIR R4 AllergyIntolerance.
type AllergyIntolerance struct {
	Base
	ClinicalStatus     *CodeableConcept  `json:"clinicalStatus,omitempty"`
	VerificationStatus *CodeableConcept  `json:"verificationStatus,omitempty"`
	AllergyType        string            `json:"type,omitempty"`
	Category           []string          `json:"category,omitempty"`
	Criticality        string            `json:"criticality,omitempty"`
	Code               *CodeableConcept  `json:"code,omitempty"`
	Patient            Reference         `json:"patient"`
	Encounter          *Reference        `json:"encounter,omitempty"`
	OnsetDateTime      string            `json:"onsetDateTime,omitempty"`
	RecordedDate       string            `json:"recordedDate,omitempty"`
	Reaction           []AllergyReaction `json:"reaction,omitempty"`
}

// AllergyReaction is one reaction of an AllergyIntolerance.
type AllergyReaction struct {
	Substance     *CodeableConcept  `json:"substance,omitempty"`
	Manifestation []CodeableConcept `json:"manifestation,omitempty"`
	Severity      string            `json:"severity,omitempty"`
}

// DocumentReference is a FHIR R4 DocumentReference (a treatment document).
type DocumentReference struct {
	Base
	Identifier    []Identifier      `json:"identifier,omitempty"`
	Status        string            `json:"status"`
	DocStatus     string            `json:"docStatus,omitempty"`
	DocType       *CodeableConcept  `json:"type,omitempty"`
	Category      []CodeableConcept `json:"category,omitempty"`
	Subject       *Reference        `json:"subject,omitempty"`
	Date          string            `json:"date,omitempty"`
	Author        []Reference       `json:"author,omitempty"`
	Custodian     *Reference        `json:"custodian,omitempty"`
	Description   string            `json:"description,omitempty"`
	SecurityLabel []CodeableConcept `json:"securityLabel,omitempty"`
	Content       []DocumentContent `json:"content,omitempty"`
	Context       *DocumentContext  `json:"context,omitempty"`
}

// DocumentContent is one attachment of a DocumentReference.
type DocumentContent struct {
	Attachment Attachment `json:"attachment"`
	Format     *Coding    `json:"format,omitempty"`
}

// DocumentContext is the clinical context of a DocumentReference.
type DocumentContext struct {
	Encounter []Reference `json:"encounter,omitempty"`
	Period    *Period     `json:"period,omitempty"`
}

// Composition is a FHIR R4 Composition (a structured treatment document).
type Composition struct {
	Base
	Identifier      *Identifier          `json:"identifier,omitempty"`
	Status          string               `json:"status"`
	DocType         CodeableConcept      `json:"type"`
	Category        []CodeableConcept    `json:"category,omitempty"`
	Subject         *Reference           `json:"subject,omitempty"`
	Encounter       *Reference           `json:"encounter,omitempty"`
	Date            string               `json:"date"`
	Author          []Reference          `json:"author,omitempty"`
	Title           string               `json:"title"`
	Confidentiality string               `json:"confidentiality,omitempty"`
	Custodian       *Reference           `json:"custodian,omitempty"`
	Section         []CompositionSection `json:"section,omitempty"`
}

// CompositionSection is a section of a Composition (title and code only).
type CompositionSection struct {
	Title string           `json:"title,omitempty"`
	Code  *CodeableConcept `json:"code,omitempty"`
}

// Consent is a FHIR R4 Consent. It is the plain-struct boundary with the
// consent model (package clinical/consent), which converts its decisions
// to and from this type.
type Consent struct {
	Base
	Identifier      []Identifier      `json:"identifier,omitempty"`
	Status          string            `json:"status"`
	Scope           CodeableConcept   `json:"scope"`
	Category        []CodeableConcept `json:"category"`
	Patient         *Reference        `json:"patient,omitempty"`
	DateTime        string            `json:"dateTime,omitempty"`
	Performer       []Reference       `json:"performer,omitempty"`
	Organization    []Reference       `json:"organization,omitempty"`
	SourceReference *Reference        `json:"sourceReference,omitempty"`
	Policy          []ConsentPolicy   `json:"policy,omitempty"`
	PolicyRule      *CodeableConcept  `json:"policyRule,omitempty"`
	Provision       *Provision        `json:"provision,omitempty"`
}

// ConsentPolicy is a policy a Consent refers to.
type ConsentPolicy struct {
	Authority string `json:"authority,omitempty"`
	URI       string `json:"uri,omitempty"`
}

// Provision is a Consent rule (permit/deny), possibly nested.
type Provision struct {
	Type          string            `json:"type,omitempty"`
	Period        *Period           `json:"period,omitempty"`
	Actor         []ProvisionActor  `json:"actor,omitempty"`
	Action        []CodeableConcept `json:"action,omitempty"`
	SecurityLabel []Coding          `json:"securityLabel,omitempty"`
	Purpose       []Coding          `json:"purpose,omitempty"`
	Class         []Coding          `json:"class,omitempty"`
	Code          []CodeableConcept `json:"code,omitempty"`
	DataPeriod    *Period           `json:"dataPeriod,omitempty"`
	Data          []ProvisionData   `json:"data,omitempty"`
	Provision     []Provision       `json:"provision,omitempty"`
}

// ProvisionActor is who a provision applies to.
type ProvisionActor struct {
	Role      CodeableConcept `json:"role"`
	Reference Reference       `json:"reference"`
}

// ProvisionData is a resource a provision controls (e.g. a closed document).
type ProvisionData struct {
	Meaning   string    `json:"meaning"`
	Reference Reference `json:"reference"`
}
