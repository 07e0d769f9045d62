package clinical

import (
	"fmt"
	"strings"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/fhir"
)

// Consent: the consents table.

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
