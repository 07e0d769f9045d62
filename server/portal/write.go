package portal

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/server/fhirrecords"
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// writer appends consent events to the store, one at a time.
type writer struct{ mu sync.Mutex }

// append writes e as a FHIR R4 Consent and ingests it into the store in
// dir in one committed transaction, logging the record version and the
// generation in the audit log as every ingest does. The Consent
// refers to people by their FHIR Patient ids in the store, so that it
// reads back exactly as e.
func (w *writer) append(ctx context.Context, dir string, e consent.Event, now time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return err
	}
	res, err := consent.ToFHIR(e, "portal-"+rand.Text())
	if err != nil {
		return err
	}
	ids, err := patientIDs(ctx, st)
	if err != nil {
		return err
	}
	res.Patient = "Patient/" + ids.of(e.Person)
	signer := e.SignedBy
	if signer == "" {
		signer = e.Person
	}
	res.Performer = []string{"Patient/" + ids.of(signer)}
	for i := range res.Provision.Actors {
		res.Provision.Actors[i].Reference = "Patient/" + ids.of(e.Agent)
	}
	return w.ingest(ctx, st, now, fhir.ConsentFromModel(res))
}

// ingest writes resources as a Bulk Data file in a private temporary
// directory and ingests it in one committed transaction, logging the
// record versions like every ingest; callers hold w.mu.
func (w *writer) ingest(ctx context.Context, st *store.Store, now time.Time, resources ...fhir.Resource) error {
	tmp, err := os.MkdirTemp("", "varamu-portal-") // 0700
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, resources[0].Type()+".ndjson")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	werr := fhir.WriteNDJSON(f, resources...)
	if err := errors.Join(werr, f.Close()); err != nil {
		return err
	}
	log, err := audit.Open(st.Dir())
	if err != nil {
		return err
	}
	// The committed generation is logged by the store's commit itself.
	_, err = clinical.Ingest(ctx, st, []string{path}, clinical.Config{Now: now, Workers: 1,
		Records: func(raws [][]byte) error { return log.LogRecords(context.WithoutCancel(ctx), raws) }})
	return errors.Join(err, log.Close())
}

// cancel records the appointment as cancelled by the person (a new
// version of the Appointment, status cancelled).
func (w *writer) cancel(ctx context.Context, dir, person string, a fhirrecords.Appointment, now time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	st, ids, err := openWithIDs(ctx, dir)
	if err != nil {
		return err
	}
	res := &fhir.Appointment{Base: fhir.Base{ResourceType: "Appointment", ID: a.ID}, Status: "cancelled", Description: a.Description,
		Start: a.Start.UTC().Format(time.RFC3339), Participant: []fhir.AppointmentParticipant{
			{Actor: &fhir.Reference{Reference: "Patient/" + ids.of(person)}, Status: "declined"}}}
	if !a.End.IsZero() {
		res.End = a.End.UTC().Format(time.RFC3339)
	}
	if a.Service != "" {
		res.ServiceType = []fhir.CodeableConcept{{Text: a.Service}}
	}
	if a.Practitioner != "" {
		res.Participant = append(res.Participant, fhir.AppointmentParticipant{Actor: &fhir.Reference{Reference: "Practitioner/" + a.Practitioner}, Status: "accepted"})
	}
	return w.ingest(ctx, st, now, res)
}

// message records a message about person from sender to a practitioner
// as a FHIR Communication.
func (w *writer) message(ctx context.Context, dir, person, sender, practitioner, text string, now time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	st, ids, err := openWithIDs(ctx, dir)
	if err != nil {
		return err
	}
	res := &fhir.Communication{Base: fhir.Base{ResourceType: "Communication", ID: "portal-msg-" + rand.Text()}, Status: "completed",
		Subject: &fhir.Reference{Reference: "Patient/" + ids.of(person)}, Sender: &fhir.Reference{Reference: "Patient/" + ids.of(sender)},
		Recipient: []fhir.Reference{{Reference: "Practitioner/" + practitioner}}, Sent: now.UTC().Format(time.RFC3339),
		Payload: []fhir.CommunicationPayload{{ContentString: text}}}
	return w.ingest(ctx, st, now, res)
}

func openWithIDs(ctx context.Context, dir string) (*store.Store, fhirIDs, error) {
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		return nil, nil, err
	}
	ids, err := patientIDs(ctx, st)
	return st, ids, err
}

// fhirIDs maps a person to the logical id of their FHIR Patient.
type fhirIDs map[string]string

// of returns the person's Patient id; a person without one is referred to
// by their code (the synthetic biobank's Patient ids are codes).
func (m fhirIDs) of(person string) string {
	if id, ok := m[person]; ok {
		return id
	}
	return person
}

func patientIDs(ctx context.Context, st *store.Store) (fhirIDs, error) {
	m := fhirIDs{}
	err := rows.Scan(ctx, st, "id_map", []string{"source_system", "source_value", "person_id"}, func(r *rows.Row) error {
		if r.Str(0) == clinical.PatientIDSystem {
			m[r.Str(2)] = r.Str(1)
		}
		return nil
	})
	return m, err
}
