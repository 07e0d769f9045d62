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
	"github.com/varamu/varamu/store"
	"github.com/varamu/varamu/store/rows"
)

// writer appends consent events to the store, one at a time.
type writer struct{ mu sync.Mutex }

// append writes e as a FHIR R4 Consent and ingests it into the store in
// dir in one committed transaction, logging the record version and the
// new generation in the audit log as every ingest does. The Consent
// refers to people by their FHIR Patient ids in the store, so that it
// reads back exactly as e.
func (w *writer) append(ctx context.Context, dir string, e consent.Event, now time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	st, err := store.Open(dir, store.Options{})
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
	tmp, err := os.MkdirTemp("", "varamu-portal-") // 0700
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	path := filepath.Join(tmp, "Consent.ndjson")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	werr := fhir.WriteNDJSON(f, fhir.ConsentFromModel(res))
	if err := errors.Join(werr, f.Close()); err != nil {
		return err
	}
	log, err := audit.Open(dir)
	if err != nil {
		return err
	}
	_, err = clinical.Ingest(ctx, st, []string{path}, clinical.Config{Now: now, Workers: 1,
		Records: func(raws [][]byte) error { return log.LogRecords(context.WithoutCancel(ctx), raws) }})
	if err == nil {
		_, err = log.LogGenerations(ctx)
	}
	return errors.Join(err, log.Close())
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
