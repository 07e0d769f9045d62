package clinical

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/store"
)

const (
	patA = `{"resourceType":"Patient","id":"a","identifier":[{"system":"https://fhir.ee/sid/pid/est/ni","value":"36805280109"}],"gender":"male","birthDate":"1968-05-28"}`
	patB = `{"resourceType":"Patient","id":"b","identifier":[{"system":"urn:example:mrn","value":"B-1"}],"gender":"female","birthDate":"2012-03-04"}`
	obsA = `{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7","display":"Body weight"}]},"subject":{"reference":"Patient/a"},"effectiveDateTime":"2020-01-02","valueQuantity":{"value":176,"unit":"lb","system":"http://unitsofmeasure.org","code":"[lb_av]"}}`
	medB = `{"resourceType":"MedicationRequest","id":"m1","status":"active","intent":"order","subject":{"reference":"Patient/b"},"authoredOn":"2024-05-01","medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"N02AJ06","display":"Codeine phosphate 30 MG / Paracetamol 500 MG Oral Tablet"}]}}`
	relB = `{"resourceType":"RelatedPerson","id":"r1","patient":{"reference":"Patient/b"},"identifier":[{"system":"https://fhir.ee/sid/pid/est/ni","value":"36805280109"}],"relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-RoleCode","code":"FTH"}]}]}`
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func lines(rs ...string) string { return strings.Join(rs, "\n") + "\n" }

// TestIngestBadInputWritesNothing checks each kind of bad input fails the
// whole ingest with a located error and leaves the store unchanged.
func TestIngestBadInputWritesNothing(t *testing.T) {
	consentUnknownDUO := `{"resourceType":"Consent","id":"c1","status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"research"}]},"category":[{"coding":[{"system":"urn:varamu:consent-topic","code":"biobank-research"}]}],"patient":{"reference":"Patient/a"},"dateTime":"2020-01-01T00:00:00Z","provision":{"type":"permit","code":[{"coding":[{"system":"http://purl.obolibrary.org/obo/duo.owl","code":"DUO:0000999"}]}]}}`
	tests := []struct {
		name  string
		files map[string]string
		want  error
		msg   string
	}{
		{"malformed json", map[string]string{"bulk/Patient.ndjson": lines(patA, `{"resourceType":"Patient","id":"x",`)},
			fhir.ErrSyntax, `bulk/Patient.ndjson:2: malformed JSON at byte 35: unexpected end of JSON input`},
		{"future birth date", map[string]string{"bulk/Patient.ndjson": lines(patA, patB, `{"resourceType":"Patient","id":"c","birthDate":"2091-01-01"}`)},
			fhir.ErrFuture, `bulk/Patient.ndjson:3: Patient.birthDate: "2091-01-01" is in the future`},
		{"invalid isikukood", map[string]string{"bulk/Patient.ndjson": lines(`{"resourceType":"Patient","id":"a","identifier":[{"system":"https://fhir.ee/sid/pid/est/ni","value":"36805280108"}]}`)},
			isikukood.ErrCheckDigit, `bulk/Patient.ndjson:1: Patient.identifier[0].value: isikukood: check digit does not match "36805280108": got 8, want 9`},
		{"missing patient", map[string]string{"bulk/Patient.ndjson": lines(patA), "bulk/Observation.ndjson": lines(obsA, strings.Replace(obsA, "Patient/a", "Patient/zz", 1))},
			fhir.ErrMissingPatient, `bulk/Observation.ndjson:2: Observation.subject: fhir: reference to a missing Patient: "Patient/zz" names no Patient in this ingest or the store`},
		{"wrong resourceType in bundle file", map[string]string{"b.json": patA},
			fhir.ErrResourceType, `b.json: resourceType: got "Patient", want "Bundle"`},
		{"subject is not a patient", map[string]string{"x.ndjson": lines(patA, strings.Replace(obsA, "Patient/a", "Group/a", 1))},
			fhir.ErrInvalid, `x.ndjson:2: Observation.subject.reference: fhir: invalid value: "Group/a": want a reference to a Patient`},
		{"unknown DUO code", map[string]string{"x.ndjson": lines(patA, consentUnknownDUO)},
			fhir.ErrUnknownDUO, `x.ndjson:2: Consent.provision.code[0].coding[0].code: "DUO:0000999" is not a GA4GH DUO code`},
		{"bundle urn not in bundle", map[string]string{"b.json": `{"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":"urn:uuid:1","resource":` + patA + `},{"fullUrl":"urn:uuid:2","resource":` + strings.Replace(obsA, "Patient/a", "urn:uuid:9", 1) + `}]}`},
			fhir.ErrMissingPatient, `b.json: entry 1: Observation.subject: fhir: reference to a missing Patient: "urn:uuid:9" names no Patient in this ingest or the store`},
		{"consent agent missing", map[string]string{"x.ndjson": lines(patA, `{"resourceType":"Consent","id":"c2","status":"active","scope":{"coding":[{"code":"patient-privacy"}]},"category":[{"coding":[{"system":"urn:varamu:consent-topic","code":"authorisation"}]}],"patient":{"reference":"Patient/a"},"dateTime":"2020-01-01T00:00:00Z","provision":{"type":"permit","actor":[{"role":{"text":"agent"},"reference":{"reference":"Patient/zz"}}]}}`)},
			fhir.ErrMissingPatient, `x.ndjson:2: Consent.provision.actor[0].reference: fhir: reference to a missing Patient: "Patient/zz" names no Patient in this ingest or the store`},
		{"type other than the file's", map[string]string{"Patient.ndjson": lines(patA, obsA)},
			fhir.ErrResourceType, `Patient.ndjson:2: resourceType: fhir: wrong resourceType: got "Observation" in a Bulk Data file named for Patient (one resource type per file)`},
		{"height in kg", map[string]string{"x.ndjson": lines(patA, strings.Replace(strings.Replace(obsA, "29463-7", "8302-2", 1), `"code":"[lb_av]"`, `"code":"kg"`, 1))},
			fhir.ErrInvalid, `x.ndjson:2: Observation.valueQuantity: fhir: invalid value: unit "kg" is not a UCUM unit of length for LOINC 8302-2`},
		// Issue 8 item 15: lenient input refused with file and line.
		{"two different isikukoods", map[string]string{"x.ndjson": lines(patB, `{"resourceType":"Patient","id":"a","identifier":[{"system":"https://fhir.ee/sid/pid/est/ni","value":"36805280109"},{"system":"https://fhir.ee/sid/pid/est/ni","value":"49403136515"}],"birthDate":"1968-05-28"}`)},
			ErrConflictingIdentity, `x.ndjson:2: Patient.identifier[1]: clinical: conflicting identity: a second, different isikukood 49403136515 (identifier[0] is 36805280109): one person has one personal code`},
		{"consent dated in the future", map[string]string{"x.ndjson": lines(patA, strings.Replace(consentUnknownDUO, `"dateTime":"2020-01-01T00:00:00Z","provision":{"type":"permit","code":[{"coding":[{"system":"http://purl.obolibrary.org/obo/duo.owl","code":"DUO:0000999"}]}]}`, `"dateTime":"2090-01-01T00:00:00Z","provision":{"type":"permit","code":[{"coding":[{"system":"http://purl.obolibrary.org/obo/duo.owl","code":"DUO:0000042"}]}]}`, 1))},
			ErrFutureConsent, `x.ndjson:2: Consent.dateTime: clinical: consent dated in the future: 2090-01-01T00:00:00Z is after the time of ingest (TIME)`},
		{"no id", map[string]string{"x.ndjson": lines(patA, `{"resourceType":"Organization","name":"x"}`)},
			fhir.ErrRequired, `x.ndjson:2: Organization.id: fhir: required element missing: required (a resource id, or a urn:uuid fullUrl)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			// A first good ingest, which the failed one must leave intact.
			good := writeFiles(t, map[string]string{"Patient.ndjson": lines(patB)})
			cfg, _ := testConfig(t)
			if _, err := Ingest(context.Background(), s, []string{good}, cfg); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(filepath.Join(s.Dir(), "manifest.json"))
			dataBefore, _ := os.ReadDir(filepath.Join(s.Dir(), "data"))

			dir := writeFiles(t, tt.files)
			cfg, mem := testConfig(t)
			_, err := Ingest(context.Background(), s, []string{dir}, cfg)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			var pe *fhir.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%T is not a *fhir.ParseError", err)
			}
			got := strings.ReplaceAll(err.Error(), dir+"/", "")
			got = strings.ReplaceAll(got, cfg.Now.UTC().Format(time.RFC3339), "TIME")
			if got != tt.msg {
				t.Errorf("message\n got %s\nwant %s", got, tt.msg)
			}
			mem.AssertSize(t, 0)
			after, _ := os.ReadFile(filepath.Join(s.Dir(), "manifest.json"))
			if string(before) != string(after) {
				t.Error("manifest changed")
			}
			dataAfter, _ := os.ReadDir(filepath.Join(s.Dir(), "data"))
			if len(dataAfter) != len(dataBefore) {
				t.Errorf("data dirs %d -> %d: a failed ingest left files", len(dataBefore), len(dataAfter))
			}
		})
	}
}

// TestIngestOrderAndReferences: NDJSON with Observations before their
// Patients, a Bundle with a forward urn:uuid reference, a RelatedPerson,
// unit normalisation, and resolution against an earlier ingest.
func TestIngestOrderAndReferences(t *testing.T) {
	s := openStore(t)
	dir := writeFiles(t, map[string]string{
		// Mixed file: the Observation comes before its Patient.
		"a-mixed.ndjson": lines(obsA, patA),
		"b.json": `{"resourceType":"Bundle","type":"collection","entry":[` +
			`{"fullUrl":"urn:uuid:m","resource":` + strings.Replace(medB, "Patient/b", "urn:uuid:pb", 1) + `},` +
			`{"fullUrl":"urn:uuid:pb","resource":` + patB + `},` +
			`{"fullUrl":"urn:uuid:r","resource":` + relB + `},` +
			`{"fullUrl":"urn:uuid:pc","resource":{"resourceType":"Patient","id":"c","birthDate":"2015-01-01","link":[{"other":{"reference":"urn:uuid:pb"},"type":"seealso"}]}}]}`,
	})
	cfg, mem := testConfig(t)
	sum, err := Ingest(context.Background(), s, []string{dir}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0)
	if sum.Persons != 3 || sum.Rows["observations"] != 1 || sum.Rows["medications"] != 1 || sum.Rows["related"] != 2 {
		t.Fatalf("summary %+v", sum)
	}
	pb := column(t, s, "medications", "person_id")[0]
	if err := isikukood.Validate(pb); err != nil || !strings.HasPrefix(pb, "6120304") {
		t.Errorf("synthetic code %q for a girl born 2012-03-04: %v", pb, err)
	}
	if d := cmp.Diff([]string{"79.8322"}, []string{column(t, s, "observations", "value")[0][:7]}); d != "" {
		t.Errorf("176 lb in kg: %s", d)
	}
	if got := column(t, s, "observations", "unit"); got[0] != "kg" {
		t.Errorf("unit %v", got)
	}
	if got := column(t, s, "medications", "drug"); got[0] != "codeine / paracetamol" {
		t.Errorf("drug %v", got)
	}
	rel := []string{column(t, s, "related", "person_id")[0], column(t, s, "related", "related_person_id")[0], column(t, s, "related", "relationship")[0]}
	if d := cmp.Diff([]string{pb, "36805280109", "FTH"}, rel); d != "" {
		t.Error(d)
	}
	link := []string{column(t, s, "related", "related_person_id")[1], column(t, s, "related", "related_resource")[1], column(t, s, "related", "relationship")[1], column(t, s, "related", "source")[1]}
	if d := cmp.Diff([]string{pb, "Patient/b", "seealso", "Patient.link"}, link); d != "" {
		t.Error(d)
	}
	// A later ingest references the Patients of the first by id.
	dir2 := writeFiles(t, map[string]string{"Observation.ndjson": lines(strings.Replace(obsA, `"id":"o1"`, `"id":"o2"`, 1)), "MedicationRequest.ndjson": lines(medB)})
	cfg2, _ := testConfig(t)
	if _, err := Ingest(context.Background(), s, []string{dir2}, cfg2); err != nil {
		t.Fatal(err)
	}
	if got := column(t, s, "medications", "person_id"); len(got) != 2 || got[1] != pb {
		t.Errorf("medications persons %v, want twice %s", got, pb)
	}
}

func TestIngestConsentsAndSamples(t *testing.T) {
	s := openStore(t)
	at := testNow.AddDate(-1, 0, 0)
	var consents strings.Builder
	for i, e := range []consent.Event{
		{Person: "a", At: at, Kind: consent.GiveResearch, Use: consent.DataUse{Permission: consent.HMB, Modifiers: []consent.Code{consent.NPUNCU}}},
		{Person: "a", At: at, Kind: consent.CloseDocument, Document: "d1"},
		{Person: "b", At: at, Kind: consent.Authorise, Agent: "a", Until: at.AddDate(1, 0, 0)},
		{Person: "a", At: at.Add(1), Kind: consent.ReturnOfResults, Given: true},
	} {
		r, err := consent.ToFHIR(e, "c"+string(rune('1'+i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := fhir.WriteNDJSON(&consents, fhir.ConsentFromModel(r)); err != nil {
			t.Fatal(err)
		}
	}
	dir := writeFiles(t, map[string]string{
		"Patient.ndjson":  lines(patA, patB),
		"Consent.ndjson":  consents.String(),
		"samples.tsv.txt": "sample\tperson\nV0001\t36805280109\n",
	})
	cfg, _ := testConfig(t)
	cfg.BiobankSamples = []string{filepath.Join(dir, "samples.tsv.txt")}
	if _, err := Ingest(context.Background(), s, []string{filepath.Join(dir, "Patient.ndjson"), filepath.Join(dir, "Consent.ndjson")}, cfg); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, c := range []string{"resource_id", "person_id", "event_kind", "document_id", "agent_person_id", "data_use", "given"} {
		got[c] = column(t, s, "consents", c)
	}
	pb := column(t, s, "persons", "person_id")[1]
	want := map[string][]string{
		"resource_id":     {"c1", "c2", "c3", "c4"},
		"person_id":       {"36805280109", "36805280109", pb, "36805280109"},
		"event_kind":      {"research-consent", "close-document", "authorise", "return-of-results"},
		"document_id":     {"", "d1", "", ""},
		"agent_person_id": {"", "", "36805280109", ""},
		"data_use":        {"HMB+NPUNCU", "", "", ""},
		"given":           {"", "", "", "true"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("consents (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"V0001"}, column(t, s, "biobank_samples", "sample_id")); d != "" {
		t.Error(d)
	}
	// A sample of an unknown person fails the ingest.
	bad := writeFiles(t, map[string]string{"s.tsv": "V2\t60001019906\n"})
	cfg, _ = testConfig(t)
	cfg.BiobankSamples = []string{filepath.Join(bad, "s.tsv")}
	_, err := Ingest(context.Background(), s, []string{filepath.Join(dir, "Patient.ndjson")}, cfg)
	if !errors.Is(err, fhir.ErrMissingPatient) || !strings.HasSuffix(err.Error(), `s.tsv:1: person: fhir: reference to a missing Patient: 60001019906 is not a person in this ingest or the store`) {
		t.Errorf("got %v", err)
	}
}

func TestStoreLockedOrMissingInputs(t *testing.T) {
	s := openStore(t)
	cfg, _ := testConfig(t)
	if _, err := Ingest(context.Background(), s, []string{"/nonexistent/x.ndjson"}, cfg); err == nil {
		t.Error("missing input accepted")
	}
	dir := writeFiles(t, map[string]string{"notes.txt": "x"})
	if _, err := Ingest(context.Background(), s, []string{filepath.Join(dir, "notes.txt")}, cfg); err == nil {
		t.Error("non-FHIR file accepted")
	}
	txn, err := s.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer txn.Rollback()
	fhirDir := writeFiles(t, map[string]string{"Patient.ndjson": lines(patA)})
	if _, err := Ingest(context.Background(), s, []string{fhirDir}, cfg); !errors.Is(err, store.ErrLocked) {
		t.Errorf("got %v, want ErrLocked", err)
	}
}

func TestIngestCancelled(t *testing.T) {
	s := openStore(t)
	dir := writeFiles(t, map[string]string{"Patient.ndjson": lines(patA, patB)})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg, _ := testConfig(t)
	if _, err := Ingest(ctx, s, []string{dir}, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	// The lock was released and nothing was committed.
	if s.Manifest().Generation != 0 {
		t.Error("cancelled ingest committed")
	}
	cfg, _ = testConfig(t)
	if _, err := Ingest(context.Background(), s, []string{dir}, cfg); err != nil {
		t.Fatal(err)
	}
	// Cancelled while running: the progress callback cancels after the
	// first batch.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	cfg, _ = testConfig(t)
	cfg.Progress = func(int64) { cancel() }
	big := writeFiles(t, map[string]string{"Patient.ndjson": strings.Repeat(lines(patA), 2000)})
	if _, err := Ingest(ctx, s, []string{big}, cfg); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
	if s.Manifest().Generation != 1 {
		t.Errorf("generation %d after a cancelled ingest", s.Manifest().Generation)
	}
}

// TestIngestRefusesEmptyInput pins issue 8 item 15: empty, blank or
// unknown-type FHIR input is refused with its name; no empty generation is
// committed.
func TestIngestRefusesEmptyInput(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		msg   string
	}{
		{"empty file", map[string]string{"Patient.ndjson": lines(patA), "Observation.ndjson": ""}, "Observation.ndjson: clinical: no FHIR resources: the file is empty or blank"},
		{"blank file", map[string]string{"b.json": " \n\t\n"}, "b.json: clinical: no FHIR resources: the file is empty or blank"},
		{"only unknown types", map[string]string{"Device.ndjson": lines(`{"resourceType":"Device","id":"d1"}`)}, "clinical: no FHIR resources: 1 input files hold no resource varamu ingests (skipped: map[Device:1]); nothing committed"},
		{"no FHIR file", map[string]string{"notes.txt": "hello"}, "clinical: no FHIR resources: no .json or .ndjson file in DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			dir := writeFiles(t, tt.files)
			cfg, _ := testConfig(t)
			_, err := Ingest(context.Background(), s, []string{dir}, cfg)
			if !errors.Is(err, ErrNothingToIngest) {
				t.Fatalf("got %v, want ErrNothingToIngest", err)
			}
			got := strings.ReplaceAll(strings.ReplaceAll(err.Error(), dir+"/", ""), dir, "DIR")
			if got != tt.msg {
				t.Errorf("message\n got %s\nwant %s", got, tt.msg)
			}
			if _, err := os.Stat(filepath.Join(s.Dir(), "manifest.json")); !os.IsNotExist(err) {
				t.Errorf("a generation was committed: %v", err)
			}
		})
	}
}
