package fhir

import (
	"errors"
	"strings"
	"testing"
)

const goodAppointment = `{"resourceType":"Appointment","id":"apt-1","status":"booked","serviceType":[{"text":"Family medicine"}],` +
	`"start":"2027-01-10T09:00:00+02:00","end":"2027-01-10T09:20:00+02:00","participant":[` +
	`{"actor":{"reference":"Patient/37711020006"},"status":"accepted"},{"actor":{"reference":"Practitioner/pr-00001"},"status":"accepted"}]}`

const goodCommunication = `{"resourceType":"Communication","id":"msg-1","status":"completed","subject":{"reference":"Patient/37711020006"},` +
	`"sender":{"reference":"Patient/37711020006"},"recipient":[{"reference":"Practitioner/pr-00001"}],"sent":"2026-12-01T10:00:00Z",` +
	`"about":[{"reference":"Observation/obs-1"}],"payload":[{"contentString":"Is my result normal?"}]}`

func TestDecodeAppointmentCommunication(t *testing.T) {
	d := testDecoder()
	r, err := d.Decode([]byte(goodAppointment))
	if err != nil {
		t.Fatal(err)
	}
	a := r.(*Appointment)
	if a.Actor("Patient").Reference != "Patient/37711020006" || a.Actor("Practitioner").Reference != "Practitioner/pr-00001" {
		t.Errorf("participants %+v", a.Participant)
	}
	if r, err = d.Decode([]byte(goodCommunication)); err != nil || r.(*Communication).Payload[0].ContentString != "Is my result normal?" {
		t.Fatalf("%+v %v", r, err)
	}
	for _, c := range []struct{ in, path string }{
		{strings.Replace(goodAppointment, `"status":"booked"`, `"status":"maybe"`, 1), "Appointment.status"},
		{strings.Replace(goodAppointment, `"start":"2027-01-10T09:00:00+02:00"`, `"start":"10.01.2027"`, 1), "Appointment.start"},
		{`{"resourceType":"Appointment","status":"booked","participant":[{"actor":{"reference":"Practitioner/p"},"status":"accepted"}]}`, "Appointment.participant.actor"},
		{`{"resourceType":"Appointment","status":"booked","participant":[]}`, "Appointment.participant"},
		{strings.Replace(goodAppointment, `"status":"accepted"}]`, `"status":"yes"}]`, 1), "Appointment.participant[1].status"},
		{strings.Replace(goodCommunication, `"status":"completed"`, `"status":"sent"`, 1), "Communication.status"},
		{strings.Replace(goodCommunication, `"subject":{"reference":"Patient/37711020006"},`, ``, 1), "Communication.subject"},
		{strings.Replace(goodCommunication, `"sent":"2026-12-01T10:00:00Z"`, `"sent":"yesterday"`, 1), "Communication.sent"},
	} {
		_, err := d.Decode([]byte(c.in))
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Path != c.path {
			t.Errorf("%s: %v, want an error at %s", c.in, err, c.path)
		}
	}
}
