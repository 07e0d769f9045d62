package fhir

import "fmt"

// Appointment is a FHIR R4 Appointment (http://hl7.org/fhir/R4/appointment.html):
// a booked visit of a patient with practitioners.
type Appointment struct {
	Base
	Identifier      []Identifier             `json:"identifier,omitempty"`
	Status          string                   `json:"status"`
	ServiceType     []CodeableConcept        `json:"serviceType,omitempty"`
	AppointmentType *CodeableConcept         `json:"appointmentType,omitempty"`
	Description     string                   `json:"description,omitempty"`
	Start           string                   `json:"start,omitempty"`
	End             string                   `json:"end,omitempty"`
	Created         string                   `json:"created,omitempty"`
	Comment         string                   `json:"comment,omitempty"`
	Participant     []AppointmentParticipant `json:"participant"`
}

// AppointmentParticipant is one participant of an Appointment.
type AppointmentParticipant struct {
	Actor    *Reference `json:"actor,omitempty"`
	Required string     `json:"required,omitempty"`
	Status   string     `json:"status"`
}

// Actor returns the reference of the first participant of resource type
// typ ("Patient", "Practitioner"), or nil.
func (a *Appointment) Actor(typ string) *Reference {
	for i := range a.Participant {
		if r := a.Participant[i].Actor; r != nil {
			if t, _, ok := SplitReference(r.Reference); ok && t == typ {
				return r
			}
			if typ == "Patient" && r.Reference == "" && r.Identifier != nil {
				return r
			}
		}
	}
	return nil
}

// Communication is a FHIR R4 Communication (http://hl7.org/fhir/R4/communication.html):
// here a message a person sends to a practitioner who treated them.
type Communication struct {
	Base
	Identifier []Identifier           `json:"identifier,omitempty"`
	Status     string                 `json:"status"`
	Category   []CodeableConcept      `json:"category,omitempty"`
	Subject    *Reference             `json:"subject,omitempty"`
	About      []Reference            `json:"about,omitempty"`
	Sent       string                 `json:"sent,omitempty"`
	Recipient  []Reference            `json:"recipient,omitempty"`
	Sender     *Reference             `json:"sender,omitempty"`
	Payload    []CommunicationPayload `json:"payload,omitempty"`
}

// CommunicationPayload is one part of a Communication's content.
type CommunicationPayload struct {
	ContentString string `json:"contentString,omitempty"`
}

func (c *v) appointment(r *Appointment) {
	c.required("Appointment.status", r.Status != "")
	c.code("Appointment.status", r.Status, "proposed", "pending", "booked", "arrived", "fulfilled", "cancelled",
		"noshow", "entered-in-error", "checked-in", "waitlist")
	c.dateTime("Appointment.start", r.Start)
	c.dateTime("Appointment.end", r.End)
	c.dateTime("Appointment.created", r.Created)
	c.required("Appointment.participant", len(r.Participant) > 0)
	for i, p := range r.Participant {
		path := fmt.Sprintf("Appointment.participant[%d]", i)
		c.ref(path+".actor", p.Actor, false)
		c.required(path+".status", p.Status != "")
		c.code(path+".status", p.Status, "accepted", "declined", "tentative", "needs-action")
	}
	c.ref("Appointment.participant.actor", r.Actor("Patient"), true)
}

func (c *v) communication(r *Communication) {
	c.required("Communication.status", r.Status != "")
	c.code("Communication.status", r.Status, "preparation", "in-progress", "not-done", "on-hold", "stopped",
		"completed", "entered-in-error", "unknown")
	c.ref("Communication.subject", r.Subject, true)
	c.ref("Communication.sender", r.Sender, false)
	c.dateTime("Communication.sent", r.Sent)
	for i := range r.Recipient {
		c.ref(fmt.Sprintf("Communication.recipient[%d]", i), &r.Recipient[i], true)
	}
	for i := range r.About {
		c.ref(fmt.Sprintf("Communication.about[%d]", i), &r.About[i], true)
	}
}
