package synth

import (
	"time"

	"github.com/varamu/varamu/clinical/fhir"
)

// appointmentStream separates the appointments' random stream from the
// household's, so that adding them changed no other generated value.
const appointmentStream = 0xa990_0000_0000

// appointments books about one person in three for a visit to a family
// doctor in the two years after the dataset's "today" (so that some are
// still to come when the data is used later), and cancels one in ten of
// those.
func (w *clinicalWriter) appointments(p *person) {
	r := rngFor(w.cfg.Seed, appointmentStream^uint64(p.idx))
	if r.IntN(3) != 0 {
		return
	}
	start := w.cfg.AsOf.AddDate(0, 0, 1+r.IntN(730)).Add(time.Duration(8*60+20*r.IntN(27)) * time.Minute)
	status := "booked"
	if r.IntN(10) == 0 {
		status = "cancelled"
	}
	patient, prac := ref("Patient", p.id), ref("Practitioner", w.practitionerAt(r, w.cfg.AsOf))
	w.out["Appointment"].write(&fhir.Appointment{
		Base:        fhir.Base{ResourceType: "Appointment", ID: "apt-" + p.id + "-1"},
		Status:      status,
		ServiceType: []fhir.CodeableConcept{{Text: "Family medicine"}},
		Description: "Check-up with the family doctor",
		Start:       w.dateTime(start),
		End:         w.dateTime(start.Add(20 * time.Minute)),
		Participant: []fhir.AppointmentParticipant{
			{Actor: &patient, Status: "accepted"},
			{Actor: &prac, Status: "accepted"},
		},
	})
}
