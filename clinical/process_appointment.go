package clinical

import (
	"strings"

	"github.com/varamu/varamu/clinical/fhir"
)

// Appointment and Communication: the appointments and communications
// tables (the patient portal's bookings and messages to practitioners).

func (in *ingester) appointment(r *fhir.Appointment, id string) (bool, error) {
	pid, ok, err := in.person("Appointment.participant.actor", r.Actor("Patient"))
	if !ok || err != nil {
		return false, err
	}
	t := in.tables["appointments"]
	t.s(id)
	t.s(pid)
	t.s(r.Status)
	t.ts(dateTime(r.Start))
	t.ts(dateTime(r.End))
	t.s(in.refID(r.Actor("Practitioner"), "Practitioner"))
	service := ""
	if len(r.ServiceType) > 0 {
		service = conceptText(&r.ServiceType[0])
	} else if r.AppointmentType != nil {
		service = conceptText(r.AppointmentType)
	}
	t.s(service)
	t.s(r.Description)
	return true, t.end(in.next())
}

func conceptText(cc *fhir.CodeableConcept) string {
	if cc.Text != "" {
		return cc.Text
	}
	return cc.Primary().Display
}

func (in *ingester) communication(r *fhir.Communication, id string) (bool, error) {
	pid, ok, err := in.person("Communication.subject", r.Subject)
	if !ok || err != nil {
		return false, err
	}
	var sender string
	if r.Sender != nil {
		if typ, sid, ok := in.resolve(r.Sender.Reference); ok && typ == "Patient" {
			sender = in.patients["Patient/"+sid]
		}
	}
	var recipient string
	for i := range r.Recipient {
		if recipient = in.refID(&r.Recipient[i], "Practitioner"); recipient != "" {
			break
		}
	}
	var about string
	if len(r.About) > 0 {
		if typ, aid, ok := in.resolve(r.About[0].Reference); ok {
			about = typ + "/" + aid
		}
	}
	var text []string
	for _, p := range r.Payload {
		text = append(text, p.ContentString)
	}
	t := in.tables["communications"]
	t.s(id)
	t.s(pid)
	t.s(r.Status)
	t.ts(dateTime(r.Sent))
	t.s(sender)
	t.s(recipient)
	t.s(about)
	t.s(strings.Join(text, "\n"))
	return true, t.end(in.next())
}
