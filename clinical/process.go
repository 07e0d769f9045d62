package clinical

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/store"
)

// Code systems the tables pick codes from.
const (
	SNOMEDSystem  = "http://snomed.info/sct"
	ICD10System   = "http://hl7.org/fhir/sid/icd-10"
	ICD10CMSystem = "http://hl7.org/fhir/sid/icd-10-cm"
	LOINCSystem   = "http://loinc.org"
	RxNormSystem  = "http://www.nlm.nih.gov/research/umls/rxnorm"
	ATCSystem     = "http://www.whocc.no/atc"
	NPISystem     = "http://hl7.org/fhir/sid/us-npi"
	// LicenceSystem is the identifier system of a health professional's
	// registration code in the Estonian register of health care
	// professionals (Tervisekassa/Terviseamet MEDRE), as the Estonian base
	// FHIR guide (HL7 Estonia ig-ee-base) names it. A practitioner's
	// isikukood is read from isikukood.System.
	LicenceSystem = "https://fhir.ee/sid/pid/est/medre"
	// legacyLicenceSystem is the system varamu's synthetic biobank wrote
	// before it followed ig-ee-base; still recognised on input.
	legacyLicenceSystem = "urn:varamu:ee:health-professional-licence"
	// PatientIDSystem is the id_map source_system of rows mapping a FHIR
	// Patient logical id (source_value) to its person: references
	// "Patient/<id>" in later ingests resolve through it.
	PatientIDSystem = "Patient"
)

// held is a resource waiting for the Patient it references.
type held struct {
	res  fhir.Resource
	raw  fhir.Raw
	file string
}

type ingester struct {
	cfg      Config
	id       string
	seq      int64
	tables   map[string]*tableWriter
	mapper   *isikukood.Mapper
	patients map[string]string // "Patient/<id>" -> person id
	sum      *Summary
	rowSeq   int64
	fullURLs map[string]string // Bundle fullUrl -> "Type/id", per input
	sink     *sink
	local    []held // waiting within the current Bundle
	global   []held // waiting for a Patient in a later input
	closed   bool
}

func newIngester(ctx context.Context, dir string, txn *store.Txn, key []byte, cfg Config) (*ingester, error) {
	in := &ingester{
		cfg:      cfg,
		id:       txn.ID(),
		seq:      txn.Base().Generation + 1,
		tables:   map[string]*tableWriter{},
		mapper:   isikukood.NewMapper(key),
		patients: map[string]string{},
		fullURLs: map[string]string{},
		sum:      &Summary{IngestID: txn.ID(), Resources: map[string]int64{}, Skipped: map[string]int64{}, Rows: map[string]int64{}},
	}
	in.sink = newSink()
	for _, name := range TableNames {
		in.tables[name] = newTableWriter(cfg.Allocator, txn, in.sink, "clinical/"+txn.ID(), name, cfg.BatchRows, txn.ID(), in.seq)
	}
	// Load the identifier map: earlier ingests' assignments stay stable.
	err := readTable(ctx, dir, txn.Base(), "id_map", []string{"source_system", "source_value", "person_id"}, func(rec arrow.RecordBatch) error {
		sys, val, pid := stringColumn(rec, 0), stringColumn(rec, 1), stringColumn(rec, 2)
		for i := 0; i < int(rec.NumRows()); i++ {
			if sys.Value(i) == PatientIDSystem {
				in.patients["Patient/"+val.Value(i)] = pid.Value(i)
				continue
			}
			code, err := isikukood.Parse(pid.Value(i))
			if err != nil {
				return fmt.Errorf("id_map: %w", err)
			}
			if err := in.mapper.Add(sys.Value(i)+"|"+val.Value(i), code); err != nil {
				return fmt.Errorf("id_map: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		in.abort()
		return nil, err
	}
	return in, nil
}

func (in *ingester) abort() {
	if in.closed {
		return
	}
	in.closed = true
	in.sink.cancel()
	in.sink.stop()
	for _, t := range in.tables {
		t.rb.Release()
		t.abort()
	}
}

// close writes the last batches, closes the files and adds them to the
// transaction. On error the caller MUST still call abort.
func (in *ingester) close() error {
	for _, name := range TableNames {
		if err := in.tables[name].flush(); err != nil {
			return err
		}
	}
	if err := in.sink.stop(); err != nil {
		return err
	}
	in.closed = true
	for _, name := range TableNames {
		t := in.tables[name]
		t.rb.Release()
		if err := t.finish(in.id); err != nil {
			for _, u := range in.tables {
				u.abort()
			}
			return err
		}
		if t.rows > 0 {
			in.sum.Rows[name] = t.rows
		}
	}
	return nil
}

// consume processes one decoded batch in input order.
func (in *ingester) consume(inp input, b *batch) error {
	for i := range b.raws {
		raw := b.raws[i]
		r := b.res[i]
		if raw.Data == nil {
			in.sum.NoResource++
			continue
		}
		if u, ok := r.(*fhir.Unknown); ok {
			in.sum.Skipped[u.ResourceType]++
			continue
		}
		in.sum.Resources[r.Type()]++
		if raw.FullURL != "" {
			in.fullURLs[raw.FullURL] = r.Type() + "/" + resourceID(r.ResourceID(), raw.FullURL)
		}
		ok, err := in.process(r, raw, inp.name)
		if err != nil {
			return err
		}
		if !ok {
			in.local = append(in.local, held{res: r, raw: raw, file: inp.name})
		}
	}
	return nil
}

// endInput retries resources of the input that waited for a Patient;
// Bundle-local (urn:) references that still do not resolve are errors.
func (in *ingester) endInput(inp input) error {
	for _, h := range in.local {
		ok, err := in.process(h.res, h.raw, h.file)
		if err != nil {
			return err
		}
		if !ok {
			if ref := patientRefOf(h.res); strings.HasPrefix(ref, "urn:") {
				return in.missing(h)
			}
			in.global = append(in.global, h)
		}
	}
	in.local = in.local[:0]
	clear(in.fullURLs)
	return nil
}

// finish retries resources that waited for a Patient in a later input.
func (in *ingester) finish() error {
	for _, h := range in.global {
		ok, err := in.process(h.res, h.raw, h.file)
		if err != nil {
			return err
		}
		if !ok {
			return in.missing(h)
		}
	}
	in.global = nil
	return nil
}

func (in *ingester) missing(h held) error {
	path, ref := patientPath(h.res)
	if c, ok := h.res.(*fhir.Consent); ok {
		if _, known, _ := in.person(path, c.Patient); known && c.Provision != nil {
			// The patient is known: an authorised person is not.
			for i, a := range c.Provision.Actor {
				if typ, id, ok := in.resolve(a.Reference.Reference); !ok || typ == "Patient" && in.patients["Patient/"+id] == "" {
					path, ref = fmt.Sprintf("Consent.provision.actor[%d].reference", i), a.Reference.Reference
					break
				}
			}
		}
	}
	return h.raw.Locate(h.file, &fhir.ParseError{Path: path, Err: fmt.Errorf("%w: %q names no Patient in this ingest or the store", fhir.ErrMissingPatient, ref)})
}

// patientPath returns the JSON path and value of the resource's patient
// reference.
func patientPath(r fhir.Resource) (string, string) {
	t := r.Type()
	switch r := r.(type) {
	case *fhir.RelatedPerson:
		return t + ".patient", r.Patient.Reference
	case *fhir.AllergyIntolerance:
		return t + ".patient", r.Patient.Reference
	case *fhir.Consent:
		if r.Patient != nil {
			return t + ".patient", r.Patient.Reference
		}
	case *fhir.Encounter:
		return t + ".subject", refString(r.Subject)
	case *fhir.Condition:
		return t + ".subject", r.Subject.Reference
	case *fhir.Observation:
		return t + ".subject", refString(r.Subject)
	case *fhir.MedicationRequest:
		return t + ".subject", r.Subject.Reference
	case *fhir.MedicationStatement:
		return t + ".subject", r.Subject.Reference
	case *fhir.DocumentReference:
		return t + ".subject", refString(r.Subject)
	case *fhir.Composition:
		return t + ".subject", refString(r.Subject)
	case *fhir.Appointment:
		return t + ".participant.actor", refString(r.Actor("Patient"))
	case *fhir.Communication:
		return t + ".subject", refString(r.Subject)
	}
	return t, ""
}

func patientRefOf(r fhir.Resource) string { _, ref := patientPath(r); return ref }

func refString(r *fhir.Reference) string {
	if r == nil {
		return ""
	}
	return r.Reference
}

// resourceID is the resource's logical id, or for a Bundle entry without
// one, the UUID of its urn:uuid fullUrl.
func resourceID(id, fullURL string) string {
	if id != "" {
		return id
	}
	if u, ok := strings.CutPrefix(fullURL, "urn:uuid:"); ok {
		return u
	}
	return ""
}

// resolve splits a reference, resolving Bundle-local fullUrls.
func (in *ingester) resolve(ref string) (typ, id string, ok bool) {
	if strings.HasPrefix(ref, "urn:") {
		t, ok := in.fullURLs[ref]
		if !ok {
			return "", "", false
		}
		typ, id, _ = strings.Cut(t, "/")
		return typ, id, true
	}
	return fhir.SplitReference(ref)
}

// refID returns the id of a reference to a resource of type want, or "".
// A urn:uuid reference to a resource not in the Bundle is taken to name
// the resource whose id is that UUID (Synthea writes Practitioners in a
// separate Bundle this way).
func (in *ingester) refID(r *fhir.Reference, want string) string {
	if r == nil || r.Reference == "" {
		return ""
	}
	typ, id, ok := in.resolve(r.Reference)
	if !ok {
		if u, isUUID := strings.CutPrefix(r.Reference, "urn:uuid:"); isUUID {
			return u
		}
		return ""
	}
	if typ != want {
		return ""
	}
	return id
}

// person resolves a reference to a Patient to its person id. ok is false
// when the Patient is not known yet.
func (in *ingester) person(path string, r *fhir.Reference) (string, bool, error) {
	if r.Reference == "" && r.Identifier != nil && r.Identifier.System == isikukood.System {
		c, err := isikukood.Parse(r.Identifier.Value)
		if err != nil {
			return "", false, &fhir.ParseError{Path: path + ".identifier.value", Err: err}
		}
		return c.String(), true, nil
	}
	typ, id, ok := in.resolve(r.Reference)
	if !ok {
		if strings.HasPrefix(r.Reference, "urn:") {
			return "", false, nil // may be defined later in the Bundle
		}
		return "", false, &fhir.ParseError{Path: path + ".reference", Err: fmt.Errorf("%w: %q is not a reference to a Patient", fhir.ErrInvalid, r.Reference)}
	}
	if typ != "Patient" {
		return "", false, &fhir.ParseError{Path: path + ".reference", Err: fmt.Errorf("%w: %q: want a reference to a Patient", fhir.ErrInvalid, r.Reference)}
	}
	pid, ok := in.patients["Patient/"+id]
	return pid, ok, nil
}

func (in *ingester) next() int64 { in.rowSeq++; return in.rowSeq }

// process writes the rows of one resource. It returns false, writing
// nothing, when the resource references a Patient not known yet.
func (in *ingester) process(r fhir.Resource, raw fhir.Raw, file string) (bool, error) {
	ok, err := in.rows(r, raw)
	if err != nil {
		return false, raw.Locate(file, err)
	}
	return ok, nil
}

// rows writes a resource's rows through the writer of its type, each in
// its own file (process_patient.go, process_consent.go, ...): a new
// resource type is a case here and a new file. ok is false when the
// resource is skipped (no person varamu keeps).
func (in *ingester) rows(r fhir.Resource, raw fhir.Raw) (bool, error) {
	id := resourceID(r.ResourceID(), raw.FullURL)
	if id == "" {
		return false, &fhir.ParseError{Path: r.Type() + ".id", Err: fmt.Errorf("%w: required (a resource id, or a urn:uuid fullUrl)", fhir.ErrRequired)}
	}
	switch r := r.(type) {
	case *fhir.Patient:
		return true, in.patient(r, id)
	case *fhir.RelatedPerson:
		return in.relatedPerson(r, id)
	case *fhir.Practitioner:
		return true, in.practitioner(r, id)
	case *fhir.PractitionerRole:
		return true, in.practitionerRole(r, id)
	case *fhir.Organization:
		return true, in.organization(r, id)
	case *fhir.Encounter:
		return in.encounter(r, id)
	case *fhir.Condition:
		return in.condition(r, id)
	case *fhir.Observation:
		return in.observation(r, id)
	case *fhir.MedicationRequest:
		return in.medicationRequest(r, id)
	case *fhir.MedicationStatement:
		return in.medicationStatement(r, id)
	case *fhir.AllergyIntolerance:
		return in.allergy(r, id)
	case *fhir.DocumentReference:
		return in.documentReference(r, id)
	case *fhir.Composition:
		return in.composition(r, id)
	case *fhir.Consent:
		return in.consent(r, id, raw)
	case *fhir.Appointment:
		return in.appointment(r, id)
	case *fhir.Communication:
		return in.communication(r, id)
	}
	return true, nil
}

func dateTime(s string) time.Time {
	t, _ := fhir.ParseDateTime(s) // validated by the decoder
	return t
}

func period(p *fhir.Period) (time.Time, time.Time) {
	if p == nil {
		return time.Time{}, time.Time{}
	}
	return dateTime(p.Start), dateTime(p.End)
}

func firstCode(ccs []fhir.CodeableConcept) string {
	if len(ccs) == 0 {
		return ""
	}
	return ccs[0].Primary().Code
}
