package clinical

import (
	"time"

	"github.com/varamu/varamu/clinical/fhir"
)

// DocumentReference and Composition: the documents table.

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
