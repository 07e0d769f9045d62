// Package clinicaltest builds small FHIR R4 ingest histories for the tests
// of the packages that read the clinical tables (access, alerts,
// prescribing, query): people with valid personal codes, related persons,
// practitioners with licence periods, consents, clinical facts, and biobank
// sample maps, ingested with package clinical one generation at a time. It
// is like net/http/httptest: for tests only.
package clinicaltest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/store"
)

// Code returns a valid isikukood for a person born on birth (YYYY-MM-DD)
// of sex ("female" or "male") with the given serial (0-999).
func Code(birth, sex string, serial int) string {
	b, err := time.Parse(time.DateOnly, birth)
	if err != nil {
		panic(err) // test data written by hand
	}
	s := isikukood.Male
	if sex == "female" {
		s = isikukood.Female
	}
	c, err := isikukood.Generate(b, s, serial)
	if err != nil {
		panic(err)
	}
	return c.String()
}

// Patient is a Patient resource whose id is its personal code.
func Patient(code, birth, sex string) string {
	return fmt.Sprintf(`{"resourceType":"Patient","id":%q,"identifier":[{"system":%q,"value":%q}],"gender":%q,"birthDate":%q}`,
		code, isikukood.System, code, sex, birth)
}

// RelatedPerson says that related is relationship (v3-RoleCode: MTH, FTH,
// GUARD, FRND...) of patient.
func RelatedPerson(id, patient, related, relationship string) string {
	return fmt.Sprintf(`{"resourceType":"RelatedPerson","id":%q,"patient":{"reference":"Patient/%s"},"identifier":[{"system":%q,"value":%q}],"relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-RoleCode","code":%q}]}]}`,
		id, patient, isikukood.System, related, relationship)
}

// Practitioner is a health professional with an Estonian register licence
// valid from from until until (YYYY-MM-DD; "" for open).
func Practitioner(id, licence, from, until string) string {
	period := ""
	if from != "" || until != "" {
		var p []string
		if from != "" {
			p = append(p, fmt.Sprintf(`"start":%q`, from))
		}
		if until != "" {
			p = append(p, fmt.Sprintf(`"end":%q`, until))
		}
		period = `,"period":{` + strings.Join(p, ",") + `}`
	}
	return fmt.Sprintf(`{"resourceType":"Practitioner","id":%q,"identifier":[{"system":%q,"value":%q%s}],"active":true}`,
		id, clinical.LicenceSystem, licence, period)
}

// Consent is a Consent resource for e with the given id and status
// ("active", "inactive", "entered-in-error"...). A representative who
// signed (e.SignedBy) is the performer.
func Consent(e consent.Event, id, status string) string {
	r, err := consent.ToFHIR(e, id)
	if err != nil {
		panic(err)
	}
	r.Status = status
	raw, err := json.Marshal(fhir.ConsentFromModel(r))
	if err != nil {
		panic(err)
	}
	return string(raw)
}

// Condition is a diagnosis (ICD-10 code) of person recorded on recorded
// (YYYY-MM-DD).
func Condition(id, person, icd10, recorded string) string {
	return fmt.Sprintf(`{"resourceType":"Condition","id":%q,"clinicalStatus":{"coding":[{"code":"active"}]},"code":{"coding":[{"system":"http://hl7.org/fhir/sid/icd-10","code":%q}]},"subject":{"reference":"Patient/%s"},"onsetDateTime":%q,"recordedDate":%q}`,
		id, icd10, person, recorded, recorded)
}

// ConditionIn is a Condition recorded during encounter.
func ConditionIn(id, person, encounter, icd10, recorded string) string {
	c := Condition(id, person, icd10, recorded)
	return strings.TrimSuffix(c, "}") + fmt.Sprintf(`,"encounter":{"reference":"Encounter/%s"}}`, encounter)
}

// Encounter is a finished ambulatory encounter of person starting on start
// (YYYY-MM-DD).
func Encounter(id, person, start string) string {
	return fmt.Sprintf(`{"resourceType":"Encounter","id":%q,"status":"finished","class":{"code":"AMB"},"subject":{"reference":"Patient/%s"},"period":{"start":%q}}`,
		id, person, start)
}

// Document is a DocumentReference of person written in encounter on date
// (YYYY-MM-DD).
func Document(id, person, encounter, date string) string {
	return fmt.Sprintf(`{"resourceType":"DocumentReference","id":%q,"status":"current","subject":{"reference":"Patient/%s"},"date":"%sT12:00:00Z","content":[{"attachment":{"contentType":"text/plain"}}],"context":{"encounter":[{"reference":"Encounter/%s"}]}}`,
		id, person, date, encounter)
}

// Weight is a body weight observation of person on day (YYYY-MM-DD).
func Weight(id, person string, kg float64, day string) string {
	return fmt.Sprintf(`{"resourceType":"Observation","id":%q,"status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}]},"subject":{"reference":"Patient/%s"},"effectiveDateTime":%q,"valueQuantity":{"value":%g,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}}`,
		id, person, day, kg)
}

// Generation is one ingest: FHIR resources (JSON, one per element) and
// biobank sample links (sample → person).
type Generation struct {
	Resources []string
	Samples   [][2]string
	// Relink is the steward's reason for re-linking samples that belong to
	// another person (clinical.Config.RelinkReason).
	Relink string
}

// Ingest writes g to files under a temporary directory and ingests it into
// st with clinical.Ingest, checking birth dates against now.
func Ingest(ctx context.Context, st *store.Store, now time.Time, g Generation) (*clinical.Summary, error) {
	return IngestWith(ctx, st, g, clinical.Config{Now: now})
}

// IngestWith is Ingest with a Config; its RelinkReason and BiobankSamples
// are set from g.
func IngestWith(ctx context.Context, st *store.Store, g Generation, cfg clinical.Config) (*clinical.Summary, error) {
	dir, err := os.MkdirTemp("", "clinicaltest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	fhirDir := filepath.Join(dir, "fhir")
	if err := os.Mkdir(fhirDir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	if len(g.Resources) > 0 {
		if err := os.WriteFile(filepath.Join(fhirDir, "resources.ndjson"), []byte(strings.Join(g.Resources, "\n")+"\n"), 0o644); err != nil {
			return nil, err
		}
		paths = append(paths, fhirDir)
	}
	cfg.RelinkReason = g.Relink
	if len(g.Samples) > 0 {
		var b strings.Builder
		for _, s := range g.Samples {
			fmt.Fprintf(&b, "%s\t%s\n", s[0], s[1])
		}
		p := filepath.Join(dir, "samples.tsv")
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return nil, err
		}
		cfg.BiobankSamples = []string{p}
	}
	return clinical.Ingest(ctx, st, paths, cfg)
}
