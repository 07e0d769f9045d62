package portal_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/server/devca"
	"github.com/varamu/varamu/server/fhirrecords"
	"github.com/varamu/varamu/store"
)

// practitionerOf is the register id of dev-ca's professional.
func practitionerOf(t *testing.T, p devca.Person) string {
	t.Helper()
	f := strings.Fields(strings.TrimPrefix(p.Role, "professional "))
	if len(f) == 0 {
		t.Fatalf("professional role %q", p.Role)
	}
	return strings.TrimSuffix(f[0], ",")
}

func ingestResources(t *testing.T, dir, name string, rs ...fhir.Resource) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fhir.WriteNDJSON(f, rs...); err != nil {
		t.Fatal(err)
	}
	f.Close()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clinical.Ingest(context.Background(), st, []string{path}, clinical.Config{}); err != nil {
		t.Fatal(err)
	}
}

func appointment(id, person, prac, status string, start time.Time) *fhir.Appointment {
	return &fhir.Appointment{Base: fhir.Base{ResourceType: "Appointment", ID: id}, Status: status,
		ServiceType: []fhir.CodeableConcept{{Text: "Family medicine"}}, Start: start.UTC().Format(time.RFC3339),
		End: start.Add(20 * time.Minute).UTC().Format(time.RFC3339),
		Participant: []fhir.AppointmentParticipant{{Actor: &fhir.Reference{Reference: "Patient/" + person}, Status: "accepted"},
			{Actor: &fhir.Reference{Reference: "Practitioner/" + prac}, Status: "accepted"}}}
}

// TestAppointmentsAndMessages: the patient sees an upcoming appointment
// and cancels it (CSRF token required), sends a message to a practitioner
// who treated them, which that practitioner reads through the FHIR API and
// nobody else does; a closed record hides it from the practitioner too.
func TestAppointmentsAndMessages(t *testing.T) {
	var prac string
	e := newEnv(t, envConfig{before: func(t *testing.T, dir string, people map[string]devca.Person) {
		prac = practitionerOf(t, people["professional"])
		patient := people["patient"].Isikukood
		ingestResources(t, dir, "Appointment.ndjson",
			appointment("apt-next", patient, prac, "booked", time.Now().AddDate(0, 0, 7)),
			appointment("apt-past", patient, prac, "fulfilled", time.Now().AddDate(0, -1, 0)))
	}})
	patient := e.People["patient"].Isikukood
	c := e.loggedIn(t, patient)
	_, recs := e.get(t, c, "/portal/p/"+patient+"/records")
	if !strings.Contains(recs, `id="cancel-apt-next"`) || strings.Contains(recs, "apt-past") {
		t.Fatalf("records page does not show exactly the upcoming appointment:\n%s", recs)
	}
	path := "/portal/p/" + patient + "/appointments/apt-next/cancel"
	if code, _ := e.post(t, c, path, url.Values{}); code != http.StatusForbidden {
		t.Errorf("cancel without CSRF token answered %d", code)
	}
	if code, body := e.post(t, c, path, url.Values{"csrf": {e.csrf(t, c)}}); code != http.StatusSeeOther {
		t.Fatalf("cancel answered %d: %s", code, body)
	}
	st, _ := store.Open(e.Dir, store.Config{})
	apts, err := fhirrecords.Appointments(context.Background(), st, patient)
	if err != nil || len(apts) != 2 || apts[1].ID != "apt-next" || apts[1].Status != "cancelled" {
		t.Fatalf("after cancelling: %+v %v", apts, err)
	}
	if code, _ := e.post(t, c, path, url.Values{"csrf": {e.csrf(t, c)}}); code != http.StatusNotFound {
		t.Errorf("cancelling a cancelled appointment answered %d", code)
	}

	send := func(to, text string) int {
		code, _ := e.post(t, c, "/portal/p/"+patient+"/messages", url.Values{"csrf": {e.csrf(t, c)}, "practitioner": {to}, "text": {text}})
		return code
	}
	if code := send("pr-99999", "hello"); code != http.StatusBadRequest {
		t.Errorf("message to a practitioner who never treated the patient answered %d", code)
	}
	if code := send(prac, "   "); code != http.StatusBadRequest {
		t.Errorf("empty message answered %d", code)
	}
	const text = `Is my <b>cholesterol</b> result normal?`
	if code := send(prac, text); code != http.StatusSeeOther {
		t.Fatalf("message answered %d", code)
	}
	if _, recs := e.get(t, c, "/portal/p/"+patient+"/records"); !strings.Contains(recs, "Is my &lt;b&gt;cholesterol&lt;/b&gt; result normal?") {
		t.Errorf("sent message not shown (escaped):\n%s", recs)
	}
	pro := e.professional(t)
	if got := fhirMessages(t, e, pro, prac, http.StatusOK); len(got) != 1 || got[0] != text {
		t.Fatalf("the practitioner's FHIR Communication search: %q", got)
	}
	fhirMessages(t, e, pro, "pr-99999", http.StatusForbidden)
	if code, _ := e.post(t, c, "/portal/p/"+patient+"/choices", url.Values{"action": {"close-record"}, "csrf": {e.csrf(t, c)}}); code != http.StatusSeeOther {
		t.Fatalf("close record: %d", code)
	}
	if got := fhirMessages(t, e, pro, prac, http.StatusOK); len(got) != 0 {
		t.Errorf("after the record was closed the practitioner still reads %q", got)
	}
}

func fhirMessages(t *testing.T, e *env, c *http.Client, prac string, want int) []string {
	t.Helper()
	resp, err := c.Get(e.URL + "/fhir/Communication?recipient=Practitioner/" + prac)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != want {
		t.Fatalf("FHIR Communication search for %s: %d, want %d: %s", prac, resp.StatusCode, want, body)
	}
	var b struct {
		Entry []struct {
			Resource struct {
				Payload []struct{ ContentString string } `json:"payload"`
			} `json:"resource"`
		} `json:"entry"`
	}
	json.Unmarshal([]byte(body), &b)
	var out []string
	for _, en := range b.Entry {
		out = append(out, en.Resource.Payload[0].ContentString)
	}
	return out
}
