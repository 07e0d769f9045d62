// Package clinical keeps the clinical records of the Health Information
// System in the varamu store: it ingests FHIR R4 resources (decoded by
// package clinical/fhir) into Parquet tables, maps every person to an
// Estonian personal code (package clinical/isikukood), and documents the
// views that give the current state of each table.
//
// # Tables
//
// Each ingest is one store transaction (store.Txn) that adds one Parquet
// file (zstd, Arrow batches of Config.BatchRows rows) per non-empty table
// under data/<txn>/clinical/<txn>/<table>.parquet; existing files are never
// rewritten. Either the whole ingest commits or none of it does. Every
// table ends with the provenance columns ingest (transaction id),
// ingest_seq (store generation of the commit, increasing) and row_seq
// (input order within the ingest). Timestamps are UTC microseconds; dates
// are DATE. Empty values are NULL.
//
//	persons            person_id (isikukood), birth_date, sex (from the code), gender (FHIR),
//	                   deceased, deceased_at, resource_id (Patient id), source_system,
//	                   source_value (identifier the code was derived from), synthetic_id
//	related            person_id, related_person_id (isikukood, if known), related_resource,
//	                   relationship (v3-RoleCode MTH/FTH/PRN/GUARD/CHILD..., or a Patient.link
//	                   type), relationship_system, relationship_display, period_start,
//	                   period_end, source ("RelatedPerson" | "Patient.link"), resource_id
//	practitioners      practitioner_id, licence_system, licence, family, given, gender, active,
//	                   qualification, licence_start, licence_end (the licence's validity
//	                   period, from its identifier or qualification), isikukood (ig-ee-base
//	                   https://fhir.ee/sid/pid/est/ni, to match ID-card certificates)
//	practitioner_roles resource_id, practitioner_id, organization_id, role, specialty, active,
//	                   period_start, period_end
//	organizations      organization_id, identifier_system, identifier, name, type, part_of
//	encounters         resource_id, person_id, status, class, type_system, type_code,
//	                   type_display, start, end, practitioner_id, organization_id,
//	                   reason_code, reason_display
//	conditions         resource_id, person_id, encounter_id, code_system, code, display,
//	                   snomed, icd10, clinical_status, verification_status, category,
//	                   onset, abatement, recorded
//	observations       resource_id, component (0 = the observation's own value, i = component
//	                   i), person_id, encounter_id, status, category, code_system, code (LOINC
//	                   when present), display, value, unit (UCUM code; body height in cm,
//	                   body weight in kg), comparator, value_system, value_code, value_text,
//	                   effective, issued
//	medications        resource_id, kind ("request" | "statement"), person_id, encounter_id,
//	                   status, intent, drug (lowercase ingredient(s), see Ingredient),
//	                   drug_text (lowercase description), rxnorm, atc, code_system, code,
//	                   authored (authoredOn / dateAsserted), period_start, period_end,
//	                   requester_id, dosage
//	allergies          resource_id, person_id, clinical_status, verification_status, type,
//	                   category, criticality, code_system, code, substance, reaction,
//	                   severity, onset, recorded
//	documents          resource_id, kind ("DocumentReference" | "Composition"), person_id,
//	                   encounter_id, status, type_system, type_code, type_display, category,
//	                   date, author_id, custodian_id, title, description, confidentiality,
//	                   content_type, url, size
//	consents           resource_id, person_id, status, scope, topic, date_time, provision,
//	                   event_kind (consent.Kind; NULL when the status carries no decision),
//	                   document_id, agent_person_id, data_use (consent.DataUse.String),
//	                   given, period_start, period_end, fhir (the resource JSON as received),
//	                   performer (who signed: an isikukood, or the reference as received)
//	appointments       resource_id, person_id, status, start, end, practitioner_id, service
//	                   (serviceType or appointmentType text), description
//	communications     resource_id, person_id (the subject), status, sent, sender_person_id
//	                   (when a Patient sent it), recipient_id (the first Practitioner
//	                   recipient), about (the first reference, "Type/id"), text (payload)
//	id_map             source_system, source_value, person_id
//	biobank_samples    sample_id, person_id, source
//
// Names of persons are not stored: research does not need them and the
// HIS shows them from the population register. Practitioners' names are
// kept, because a person MUST be able to see who opened their data.
//
// # Identity
//
// person_id is the isikukood. A Patient with an identifier of system
// isikukood.System keeps that code (validated, and checked against
// birthDate and gender). Any other Patient gets a synthetic code derived
// by isikukood.Mapper from its first identifier (system|value; Synthea's
// US id) or, lacking one, its resource id, with its birth date and sex.
// The assignments are kept in id_map and reloaded by every ingest, so a
// source identifier keeps its code across ingests. id_map also maps each
// Patient resource id (source_system "Patient") to its person, so that
// references "Patient/<id>" in later ingests resolve. A reference to a
// Patient that is in neither the ingest nor the store fails the ingest
// (fhir.ErrMissingPatient).
//
// # Re-ingest and views
//
// Re-ingesting resources appends new rows; it never duplicates people
// (the same source identifier maps to the same person_id). The current
// state of each table is "last write wins per key": the row with the
// highest (ingest_seq, row_seq) for its key. Views holds that SQL
// (DuckDB) for each table; the query package installs it, replacing
// {{table}} with the relation holding all of that table's files. Deleting
// resources is not supported. Two rules protect a person's decisions from
// a careless or hostile re-ingest: a Consent version that recorded a
// withdrawal stands whatever later versions of the same resource say
// (only a new, later consent ends a withdrawal), and a biobank sample
// linked to one person is moved to another only with a data steward's
// stated reason (Config.RelinkReason), kept in the ingest record.
//
// ReadCurrent is the one typed reader of the current state of the tables
// access decisions depend on (persons, related persons, sample links,
// consents, the register of professionals); packages access, alerts,
// pharmacogenomics/prescribe and query use it, and a property test in
// package query checks it against the SQL views.
//
// # Biobank samples
//
// biobank_samples links a biobank sample code (the VCF sample id) to a
// person. It is the coded link of the biobank: researchers MUST NOT see
// it; only the access layer (package access) may read it, to join
// genotypes to clinical data under consent.
package clinical

import "strings"

// latest is "last write wins per key" over table.
func latest(table string, keys string) string {
	return "SELECT * FROM {{" + table + "}} QUALIFY row_number() OVER (PARTITION BY " + keys +
		" ORDER BY ingest_seq DESC, row_seq DESC) = 1"
}

// latestGroup keeps, for tables with several rows per resource, the rows
// of the newest ingest of each resource, and among them the last row per
// sub-key.
func latestGroup(table, resource, sub string) string {
	return "SELECT * FROM {{" + table + "}} QUALIFY ingest_seq = max(ingest_seq) OVER (PARTITION BY " + resource +
		") AND row_number() OVER (PARTITION BY " + resource + ", " + sub + " ORDER BY ingest_seq DESC, row_seq DESC) = 1"
}

// consentsView is latest per resource_id, except that a version recording
// a withdrawal, once there, stands: the first such version wins over every
// later version of the same Consent (see ConsentEvents).
const consentsView = "SELECT * FROM {{consents}} QUALIFY row_number() OVER (PARTITION BY resource_id" +
	" ORDER BY (event_kind IS NOT DISTINCT FROM 'withdraw') DESC," +
	" CASE WHEN event_kind = 'withdraw' THEN ingest_seq END ASC, CASE WHEN event_kind = 'withdraw' THEN row_seq END ASC," +
	" ingest_seq DESC, row_seq DESC) = 1"

// Views maps each clinical table to the DuckDB SELECT giving its current
// state (last write wins per key; see the package doc). In the text,
// {{name}} stands for the relation holding every row of table name.
var Views = map[string]string{
	"persons":            latest("persons", "person_id"),
	"related":            latestGroup("related", "source, resource_id", "related_resource, relationship"),
	"practitioners":      latest("practitioners", "practitioner_id"),
	"practitioner_roles": latest("practitioner_roles", "resource_id"),
	"organizations":      latest("organizations", "organization_id"),
	"encounters":         latest("encounters", "resource_id"),
	"conditions":         latest("conditions", "resource_id"),
	"observations":       latestGroup("observations", "resource_id", "component"),
	"medications":        latest("medications", "kind, resource_id"),
	"allergies":          latest("allergies", "resource_id"),
	"documents":          latest("documents", "kind, resource_id"),
	"consents":           consentsView,
	"appointments":       latest("appointments", "resource_id"),
	"communications":     latest("communications", "resource_id"),
	"id_map":             latest("id_map", "source_system, source_value"),
	"biobank_samples":    latest("biobank_samples", "sample_id"),
}

// ViewSQL returns the SELECT of the view of table (see Views) with each
// {{name}} placeholder replaced by relation(name), e.g. a read_parquet
// call over the table's files or the name of a raw view.
func ViewSQL(table string, relation func(name string) string) (string, bool) {
	sel, ok := Views[table]
	if !ok {
		return "", false
	}
	for _, name := range TableNames {
		sel = strings.ReplaceAll(sel, "{{"+name+"}}", relation(name))
	}
	return sel, true
}
