// Package fhir decodes and validates the FHIR R4 (4.0.1) JSON resources
// varamu ingests from the Health Information System: Patient,
// RelatedPerson, Practitioner, PractitionerRole, Organization, Encounter,
// Condition, Observation, MedicationRequest, MedicationStatement,
// AllergyIntolerance, DocumentReference, Composition and Consent; and
// encodes Consent resources for export.
//
// Inputs are Bundles (transaction, batch, collection, ...; read entry by
// entry with a token-streaming JSON decoder, so a Bundle of many
// megabytes is never held whole) and FHIR Bulk Data NDJSON (one resource
// per line, as a Bulk $export writes it; read with a large-buffer reader).
// Resources of other types decode to *Unknown so that callers count what
// they skip.
//
// The structs hold only the elements varamu uses, with their FHIR JSON
// names; other elements are ignored. Decoding validates what the tables
// rely on: required elements, code values of required bindings, FHIR
// date and dateTime syntax, birth dates not in the future, isikukood
// identifiers (system isikukood.System) with their check digit and their
// agreement with birthDate and gender, and GA4GH DUO codes in Consent.
// Every error is a *ParseError naming the input, NDJSON line or Bundle
// entry, and JSON path:
//
//	bulk/Patient.ndjson:17: Patient.birthDate: "2091-01-01" is in the future
//
// Why not a FHIR model library: the Go candidates on the module proxy
// (github.com/google/fhir/go v0.7.4, github.com/samply/golang-fhir-models
// v0.3.2) were last released in 2022; the first pulls protobuf and vitess
// dependencies, the second is generated structs for all of R4 with no
// validation and no error locations. A typed decoder of exactly these
// resources is smaller, faster and reports errors the way varamu needs.
//
// Decoding speed: input is checked by a JSON validator held equal to
// encoding/json.Valid (FuzzValidJSON), then decoded with goccy/go-json;
// anything that fails is decoded again with encoding/json so that errors
// and their JSON paths are encoding/json's. FuzzDecodeDifferential holds
// the fast path equal to encoding/json on every input whose keys are
// FHIR element names spelled exactly (encoding/json also matches keys
// case-insensitively; FHIR JSON is case-sensitive).
package fhir
