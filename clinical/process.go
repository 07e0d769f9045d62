package clinical

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/varamu/varamu/clinical/consent"
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
		return true, t.end(in.next())
	case *fhir.Organization:
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
		return true, t.end(in.next())
	case *fhir.Encounter:
		return in.encounter(r, id)
	case *fhir.Condition:
		return in.condition(r, id)
	case *fhir.Observation:
		return in.observation(r, id)
	case *fhir.MedicationRequest:
		pid, ok, err := in.person("MedicationRequest.subject", &r.Subject)
		if !ok || err != nil {
			return false, err
		}
		var start, end time.Time
		if r.DispenseRequest != nil {
			start, end = period(r.DispenseRequest.ValidityPeriod)
		}
		var dosage string
		if len(r.DosageInstruction) > 0 {
			dosage = r.DosageInstruction[0].Text
		}
		return true, in.medication(id, "request", pid, in.refID(r.Encounter, "Encounter"), r.Status, r.Intent, r.Medication,
			dateTime(r.AuthoredOn), start, end, in.refID(r.Requester, "Practitioner"), dosage)
	case *fhir.MedicationStatement:
		pid, ok, err := in.person("MedicationStatement.subject", &r.Subject)
		if !ok || err != nil {
			return false, err
		}
		start, end := period(r.EffectivePeriod)
		if start.IsZero() {
			start = dateTime(r.EffectiveDateTime)
		}
		var dosage string
		if len(r.Dosage) > 0 {
			dosage = r.Dosage[0].Text
		}
		return true, in.medication(id, "statement", pid, in.refID(r.Context, "Encounter"), r.Status, "", r.Medication,
			dateTime(r.DateAsserted), start, end, in.refID(r.InformationSource, "Practitioner"), dosage)
	case *fhir.AllergyIntolerance:
		return in.allergy(r, id)
	case *fhir.DocumentReference:
		return in.documentReference(r, id)
	case *fhir.Composition:
		return in.composition(r, id)
	case *fhir.Consent:
		return in.consent(r, id, raw)
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

func (in *ingester) encounter(e *fhir.Encounter, id string) (bool, error) {
	pid, ok, err := in.person("Encounter.subject", e.Subject)
	if !ok || err != nil {
		return false, err
	}
	t := in.tables["encounters"]
	t.s(id)
	t.s(pid)
	t.s(e.Status)
	var class string
	if e.Class != nil {
		class = e.Class.Code
	}
	t.s(class)
	var typ fhir.Coding
	if len(e.EncounterType) > 0 {
		typ = e.EncounterType[0].Primary()
	}
	t.s(typ.System)
	t.s(typ.Code)
	t.s(typ.Display)
	start, end := period(e.Period)
	t.ts(start)
	t.ts(end)
	var prac string
	for _, p := range e.Participant {
		if prac = in.refID(p.Individual, "Practitioner"); prac != "" {
			break
		}
	}
	t.s(prac)
	t.s(in.refID(e.ServiceProvider, "Organization"))
	var reason fhir.Coding
	if len(e.ReasonCode) > 0 {
		reason = e.ReasonCode[0].Primary()
	}
	t.s(reason.Code)
	t.s(reason.Display)
	return true, t.end(in.next())
}

func (in *ingester) condition(c *fhir.Condition, id string) (bool, error) {
	pid, ok, err := in.person("Condition.subject", &c.Subject)
	if !ok || err != nil {
		return false, err
	}
	t := in.tables["conditions"]
	t.s(id)
	t.s(pid)
	t.s(in.refID(c.Encounter, "Encounter"))
	code := c.Code.Primary()
	t.s(code.System)
	t.s(code.Code)
	t.s(code.Display)
	sn, _ := c.Code.First(SNOMEDSystem)
	t.s(sn.Code)
	icd, ok := c.Code.First(ICD10System)
	if !ok {
		icd, _ = c.Code.First(ICD10CMSystem)
	}
	t.s(icd.Code)
	t.s(c.ClinicalStatus.Primary().Code)
	t.s(c.VerificationStatus.Primary().Code)
	t.s(firstCode(c.Category))
	t.ts(dateTime(c.OnsetDateTime))
	t.ts(dateTime(c.AbatementDateTime))
	t.ts(dateTime(c.RecordedDate))
	return true, t.end(in.next())
}

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

func (in *ingester) medication(id, kind, pid, enc, status, intent string, med *fhir.CodeableConcept, authored, start, end time.Time, requester, dosage string) error {
	t := in.tables["medications"]
	t.s(id)
	t.s(kind)
	t.s(pid)
	t.s(enc)
	t.s(status)
	t.s(intent)
	code := med.Primary()
	text := code.Display
	if text == "" && med != nil {
		text = med.Text
	}
	t.s(Ingredient(text))
	t.s(NormalizeText(text))
	rx, _ := med.First(RxNormSystem)
	atc, _ := med.First(ATCSystem)
	t.s(rx.Code)
	t.s(atc.Code)
	t.s(code.System)
	t.s(code.Code)
	t.ts(authored)
	t.ts(start)
	t.ts(end)
	t.s(requester)
	t.s(dosage)
	return t.end(in.next())
}

func (in *ingester) allergy(a *fhir.AllergyIntolerance, id string) (bool, error) {
	pid, ok, err := in.person("AllergyIntolerance.patient", &a.Patient)
	if !ok || err != nil {
		return false, err
	}
	t := in.tables["allergies"]
	t.s(id)
	t.s(pid)
	t.s(a.ClinicalStatus.Primary().Code)
	t.s(a.VerificationStatus.Primary().Code)
	t.s(a.AllergyType)
	t.s(strings.Join(a.Category, ","))
	t.s(a.Criticality)
	code := a.Code.Primary()
	t.s(code.System)
	t.s(code.Code)
	sub := code.Display
	if sub == "" && a.Code != nil {
		sub = a.Code.Text
	}
	t.s(NormalizeText(sub))
	var reaction, severity string
	if len(a.Reaction) > 0 {
		severity = a.Reaction[0].Severity
		if len(a.Reaction[0].Manifestation) > 0 {
			m := a.Reaction[0].Manifestation[0]
			reaction = m.Primary().Display
			if reaction == "" {
				reaction = m.Text
			}
		}
	}
	t.s(reaction)
	t.s(severity)
	t.ts(dateTime(a.OnsetDateTime))
	t.ts(dateTime(a.RecordedDate))
	return true, t.end(in.next())
}

func (in *ingester) document(id, kind, pid, enc, status string, typ *fhir.CodeableConcept, cat []fhir.CodeableConcept, date time.Time,
	author []fhir.Reference, custodian *fhir.Reference, title, desc, conf string, att *fhir.Attachment) error {
	t := in.tables["documents"]
	t.s(id)
	t.s(kind)
	t.s(pid)
	t.s(enc)
	t.s(status)
	c := typ.Primary()
	t.s(c.System)
	t.s(c.Code)
	d := c.Display
	if d == "" && typ != nil {
		d = typ.Text
	}
	t.s(d)
	t.s(firstCode(cat))
	t.ts(date)
	var auth string
	for i := range author {
		if auth = in.refID(&author[i], "Practitioner"); auth != "" {
			break
		}
	}
	t.s(auth)
	t.s(in.refID(custodian, "Organization"))
	t.s(title)
	t.s(desc)
	t.s(conf)
	if att == nil {
		att = &fhir.Attachment{}
	}
	t.s(att.ContentType)
	t.s(att.URL)
	t.i64(att.Size, att.Size > 0)
	return t.end(in.next())
}

func (in *ingester) documentReference(r *fhir.DocumentReference, id string) (bool, error) {
	pid, ok, err := in.person("DocumentReference.subject", r.Subject)
	if !ok || err != nil {
		return false, err
	}
	var enc string
	if r.Context != nil && len(r.Context.Encounter) > 0 {
		enc = in.refID(&r.Context.Encounter[0], "Encounter")
	}
	var conf string
	if len(r.SecurityLabel) > 0 {
		conf = r.SecurityLabel[0].Primary().Code
	}
	att := &r.Content[0].Attachment
	return true, in.document(id, "DocumentReference", pid, enc, r.Status, r.DocType, r.Category, dateTime(r.Date),
		r.Author, r.Custodian, att.Title, r.Description, conf, att)
}

func (in *ingester) composition(r *fhir.Composition, id string) (bool, error) {
	pid, ok, err := in.person("Composition.subject", r.Subject)
	if !ok || err != nil {
		return false, err
	}
	return true, in.document(id, "Composition", pid, in.refID(r.Encounter, "Encounter"), r.Status, &r.DocType, r.Category,
		dateTime(r.Date), r.Author, r.Custodian, r.Title, "", r.Confidentiality, nil)
}

func (in *ingester) consent(c *fhir.Consent, id string, raw fhir.Raw) (bool, error) {
	pid, ok, err := in.person("Consent.patient", c.Patient)
	if !ok || err != nil {
		return false, err
	}
	m := c.Model()
	if !m.DateTime.IsZero() && m.DateTime.After(in.cfg.Now.Add(consentClockSkew)) {
		return false, &fhir.ParseError{Path: "Consent.dateTime", Err: fmt.Errorf("%w: %s is after the time of ingest (%s)", ErrFutureConsent, m.DateTime.Format(time.RFC3339), in.cfg.Now.UTC().Format(time.RFC3339))}
	}
	m.ID = id
	m.Patient = "Patient/" + pid
	for i, a := range m.Provision.Actors {
		typ, aid, ok := in.resolve(a.Reference)
		if !ok && strings.HasPrefix(a.Reference, "urn:") {
			return false, nil
		}
		if typ == "Patient" {
			apid, known := in.patients["Patient/"+aid]
			if !known {
				return false, nil
			}
			m.Provision.Actors[i].Reference = "Patient/" + apid
		}
	}
	for i, d := range m.Provision.Data {
		if typ, did, ok := in.resolve(d); ok {
			m.Provision.Data[i] = typ + "/" + did
		} else if u, isUUID := strings.CutPrefix(d, "urn:uuid:"); isUUID {
			m.Provision.Data[i] = "DocumentReference/" + u
		}
	}
	ev, isEvent, err := consent.FromFHIR(m)
	if err != nil {
		return false, &fhir.ParseError{Path: "Consent", Err: err}
	}
	t := in.tables["consents"]
	t.s(id)
	t.s(pid)
	t.s(c.Status)
	t.s(m.Scope.Code)
	var topic string
	for _, cd := range m.Category {
		if cd.System == consent.TopicSystem {
			topic = cd.Code
		}
	}
	t.s(topic)
	t.ts(m.DateTime)
	t.s(m.Provision.Type)
	var kind, doc, agent, use string
	var given *bool
	var from, until time.Time
	if isEvent {
		kind, doc, agent = string(ev.Kind), ev.Document, ev.Agent
		if ev.Kind == consent.GiveResearch {
			use = ev.Use.String()
		}
		if ev.Kind == consent.ReturnOfResults || ev.Kind == consent.SecondaryFindings {
			g := ev.Given
			given = &g
		}
		from, until = ev.From, ev.Until
	}
	t.s(kind)
	t.s(doc)
	t.s(agent)
	t.s(use)
	t.b(given)
	t.ts(from)
	t.ts(until)
	t.s(string(raw.Data))
	t.s(in.performer(m.Performer))
	return true, t.end(in.next())
}

// performer returns who signed a consent: the isikukood of a Patient
// performer, else the first performer reference as given ("" when none).
func (in *ingester) performer(refs []string) string {
	for _, ref := range refs {
		if typ, id, ok := in.resolve(ref); ok && typ == "Patient" {
			if code, known := in.patients["Patient/"+id]; known {
				return code
			}
		}
	}
	if len(refs) > 0 {
		return refs[0]
	}
	return ""
}
