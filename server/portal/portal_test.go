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

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/varamu/varamu/access"
	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/fhir"
	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/query"
	"github.com/varamu/varamu/research"
	"github.com/varamu/varamu/research/cohort"
	"github.com/varamu/varamu/research/projects"
	"github.com/varamu/varamu/server/devca"
	"github.com/varamu/varamu/server/devidp"
	"github.com/varamu/varamu/store"
)

// TestParentSeesChildAndIsLoggedAsActor: a parent logs in, the whose-data
// switch lists the child, the child's genome page names whose data it is,
// and the child's access log shows the parent as the one who looked.
func TestParentSeesChildAndIsLoggedAsActor(t *testing.T) {
	e := newEnv(t, envConfig{})
	parent, child := e.People["parent"].Isikukood, e.People["child"].Isikukood
	c := e.loggedIn(t, parent)
	_, home := e.get(t, c, "/portal/")
	for _, want := range []string{`id="person-` + parent + `"`, `id="person-` + child + `"`, "your child under 18"} {
		if !strings.Contains(home, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	code, page := e.get(t, c, "/portal/p/"+child+"/genome")
	if code != 200 || !strings.Contains(page, `id="whose-current">`+child+`<`) || !strings.Contains(page, "CYP2C19") {
		t.Fatalf("child's genome page: %d\n%s", code, page)
	}
	code, looked := e.get(t, c, "/portal/p/"+child+"/looked")
	if code != 200 || !strings.Contains(looked, "<td>"+parent+"</td>") || !strings.Contains(looked, "as representative") {
		t.Fatalf("child's access log does not show the parent as actor: %d\n%s", code, looked)
	}
	if !strings.Contains(looked, `class="verified"`) {
		t.Errorf("no access shown with a verified inclusion proof:\n%s", looked)
	}
	checkOpenAPI(t, e)
}

// checkOpenAPI: /openapi.json with the portal and the record searches
// validates and describes them.
func checkOpenAPI(t *testing.T, e *env) {
	t.Helper()
	raw, err := json.Marshal(e.Srv.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.json does not validate: %v", err)
	}
	for _, p := range []string{"/portal/", "/portal/callback", "/portal/p/{person}/genome", "/portal/p/{person}/appointments/{id}/cancel",
		"/fhir/DocumentReference", "/fhir/Communication"} {
		if doc.Paths.Find(p) == nil {
			t.Errorf("openapi.json lacks %s", p)
		}
	}
}

// TestCSRFRefused: a choice or a logout posted without the session's token
// (or with another) is refused and changes nothing.
func TestCSRFRefused(t *testing.T) {
	e := newEnv(t, envConfig{})
	patient := e.People["patient"].Isikukood
	c := e.loggedIn(t, patient)
	for name, form := range map[string]url.Values{
		"no token":    {"action": {"close-record"}},
		"wrong token": {"action": {"close-record"}, "csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		"empty token": {"action": {"close-record"}, "csrf": {""}},
	} {
		if code, _ := e.post(t, c, "/portal/p/"+patient+"/choices", form); code != http.StatusForbidden {
			t.Errorf("%s: choice answered %d, want 403", name, code)
		}
	}
	if code, _ := e.post(t, c, "/portal/logout", url.Values{}); code != http.StatusForbidden {
		t.Errorf("logout without token answered %d, want 403", code)
	}
	if _, page := e.get(t, c, "/portal/p/"+patient+"/choices"); !strings.Contains(page, "Your record is open") {
		t.Errorf("a refused form changed the record, or the session ended:\n%s", page)
	}
	if code, _ := e.post(t, c, "/portal/p/"+patient+"/choices", url.Values{"action": {"close-record"}, "csrf": {e.csrf(t, c)}}); code != http.StatusSeeOther {
		t.Fatalf("the same choice with the token answered %d, want 303", code)
	}
	if _, page := e.get(t, c, "/portal/p/"+patient+"/choices"); !strings.Contains(page, "Your record is closed") {
		t.Errorf("the choice with the token did not hold:\n%s", page)
	}
}

// TestSessionFixation: a session id planted in the browser before login is
// never adopted, the id changes at every login, and logout ends it.
func TestSessionFixation(t *testing.T) {
	e := newEnv(t, envConfig{})
	patient := e.People["patient"].Isikukood
	c := e.browser(t)
	u, _ := url.Parse(e.URL)
	const planted = "ATTACKERCHOSENSESSIONIDATTACKERCHOSENSESSIONIDATTACKERCHOSEN"
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "__Host-varamu_session", Value: planted, Path: "/", Secure: true}})
	e.login(t, c, patient)
	first := sessionID(t, c, u)
	if first == planted || first == "" {
		t.Fatalf("session id after login %q (planted %q)", first, planted)
	}
	attacker := e.browser(t)
	attacker.Jar.SetCookies(u, []*http.Cookie{{Name: "__Host-varamu_session", Value: planted, Path: "/", Secure: true}})
	if _, page := e.get(t, attacker, "/portal/p/"+patient+"/genome"); strings.Contains(page, "whose-current") {
		t.Fatal("the planted session id gives access")
	}
	e.login(t, c, patient)
	second := sessionID(t, c, u)
	if second == first {
		t.Fatal("a second login kept the session id")
	}
	old := e.browser(t)
	old.Jar.SetCookies(u, []*http.Cookie{{Name: "__Host-varamu_session", Value: first, Path: "/", Secure: true}})
	if _, page := e.get(t, old, "/portal/p/"+patient+"/genome"); strings.Contains(page, "whose-current") {
		t.Fatal("the session id from before the second login still works")
	}
	if code, _ := e.post(t, c, "/portal/logout", url.Values{"csrf": {e.csrf(t, c)}}); code != http.StatusSeeOther {
		t.Fatalf("logout answered %d", code)
	}
	kept := e.browser(t)
	kept.Jar.SetCookies(u, []*http.Cookie{{Name: "__Host-varamu_session", Value: second, Path: "/", Secure: true}})
	if _, page := e.get(t, kept, "/portal/p/"+patient+"/genome"); strings.Contains(page, "whose-current") {
		t.Fatal("the session still works after logout")
	}
}

func sessionID(t *testing.T, c *http.Client, u *url.URL) string {
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "__Host-varamu_session" {
			return ck.Value
		}
	}
	return ""
}

// TestAnotherPersonsIDInURL: a logged-in person who puts someone else's
// code in the URL is refused on every page and every choice, and the
// refusal is in that person's access log.
func TestAnotherPersonsIDInURL(t *testing.T) {
	e := newEnv(t, envConfig{})
	parent, patient := e.People["parent"].Isikukood, e.People["patient"].Isikukood
	c := e.loggedIn(t, parent)
	for _, pg := range []string{"genome", "records", "looked", "choices"} {
		code, body := e.get(t, c, "/portal/p/"+patient+"/"+pg)
		if code != http.StatusForbidden || strings.Contains(body, "CYP2C19") {
			t.Errorf("%s of another person: %d", pg, code)
		}
	}
	if code, _ := e.post(t, c, "/portal/p/"+patient+"/choices", url.Values{"action": {"close-record"}, "csrf": {e.csrf(t, c)}}); code != http.StatusForbidden {
		t.Errorf("choice for another person answered %d", code)
	}
	es, err := audit.ByPerson(context.Background(), e.Dir, patient)
	if err != nil {
		t.Fatal(err)
	}
	denied := 0
	for _, en := range es {
		if !en.Allowed && en.Purpose == string(access.Representative) {
			denied++
		}
	}
	if denied < 5 {
		t.Errorf("%d refused representative accesses in the patient's log, want 5", denied)
	}
}

// TestWithdrawnAuthorisationFromOpenSession: the person revokes an
// authorisation in the portal; the representative's open session is
// refused at its next request.
func TestWithdrawnAuthorisationFromOpenSession(t *testing.T) {
	e := newEnv(t, envConfig{extra: func(people map[string]devca.Person) []devidp.User {
		code, err := authoriser(people["representative"])
		if err != nil {
			t.Fatal(err)
		}
		return []devidp.User{{Isikukood: code, Given: "PRINCIPAL", Family: "TEST"}}
	}})
	rep := e.People["representative"].Isikukood
	principal, _ := authoriser(e.People["representative"])
	rc := e.loggedIn(t, rep)
	if code, _ := e.get(t, rc, "/portal/p/"+principal+"/records"); code != 200 {
		t.Fatalf("authorised representative refused before revocation: %d", code)
	}
	pc := e.loggedIn(t, principal)
	if _, page := e.get(t, pc, "/portal/p/"+principal+"/choices"); !strings.Contains(page, `id="revoke-`+rep+`"`) {
		t.Fatalf("choices page offers no revocation of %s:\n%s", rep, page)
	}
	if code, _ := e.post(t, pc, "/portal/p/"+principal+"/choices", url.Values{"action": {"revoke-authorisation"}, "agent": {rep}, "csrf": {e.csrf(t, pc)}}); code != http.StatusSeeOther {
		t.Fatalf("revocation answered %d", code)
	}
	if code, _ := e.get(t, rc, "/portal/p/"+principal+"/records"); code != http.StatusForbidden {
		t.Fatalf("the representative's open session still reads after revocation: %d", code)
	}
	if _, home := e.get(t, rc, "/portal/"); strings.Contains(home, `id="person-`+principal+`"`) {
		t.Error("the whose-data switch still offers the principal")
	}
}

// TestHTMLInjectionEscaped: a name from the provider and a document title
// from the records, both carrying markup, are shown as text.
func TestHTMLInjectionEscaped(t *testing.T) {
	const evilName = `<script>alert("name")</script>`
	const evilTitle = `<img src=x onerror=alert(1)>Discharge`
	var patient string
	evil, err := isikukood.Generate(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), isikukood.Male, 1)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envConfig{
		extra: func(map[string]devca.Person) []devidp.User {
			return []devidp.User{{Isikukood: evil.String(), Given: evilName, Family: "O'Brien&<b>"}}
		},
		before: func(t *testing.T, dir string, people map[string]devca.Person) {
			patient = people["patient"].Isikukood
			ingestDocument(t, dir, patient, "doc-evil", evilTitle)
		},
	})
	c := e.loggedIn(t, evil.String())
	_, home := e.get(t, c, "/portal/")
	if strings.Contains(home, "<script>") || !strings.Contains(home, "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt;") {
		t.Errorf("name not escaped:\n%s", home)
	}
	pc := e.loggedIn(t, patient)
	_, recs := e.get(t, pc, "/portal/p/"+patient+"/records")
	if strings.Contains(recs, "<img") || !strings.Contains(recs, "&lt;img src=x onerror=alert(1)&gt;Discharge") {
		t.Errorf("document title not escaped:\n%s", recs)
	}
}

func ingestDocument(t *testing.T, dir, person, id, title string) {
	t.Helper()
	doc := &fhir.DocumentReference{Base: fhir.Base{ResourceType: "DocumentReference", ID: id}, Status: "current",
		DocType: &fhir.CodeableConcept{Text: "Discharge summary"}, Subject: &fhir.Reference{Reference: "Patient/" + person},
		Date:    time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		Content: []fhir.DocumentContent{{Attachment: fhir.Attachment{ContentType: "text/plain", Title: title}}}}
	path := filepath.Join(t.TempDir(), "DocumentReference.ndjson")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := fhir.WriteNDJSON(f, doc); err != nil {
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

// TestChoicesHoldOnEveryPath: a document closed in the portal is no longer
// returned by a professional's FHIR search; research consent given in the
// portal lets the research extract count the person and withdrawing it in
// the portal makes the next extract leave them out.
func TestChoicesHoldOnEveryPath(t *testing.T) {
	e := newEnv(t, envConfig{})
	patient := e.People["patient"].Isikukood
	pro := e.professional(t)
	before := fhirDocuments(t, e, pro, patient)
	if len(before) == 0 {
		t.Fatal("the patient has no documents to close")
	}
	c := e.loggedIn(t, patient)
	choose := func(form url.Values) {
		t.Helper()
		form.Set("csrf", e.csrf(t, c))
		if code, body := e.post(t, c, "/portal/p/"+patient+"/choices", form); code != http.StatusSeeOther {
			t.Fatalf("choice %v answered %d: %s", form, code, body)
		}
	}
	choose(url.Values{"action": {"close-document"}, "document": {before[0]}})
	after := fhirDocuments(t, e, pro, patient)
	if len(after) != len(before)-1 || contains(after, before[0]) {
		t.Fatalf("after closing %s the professional gets %v (before %v)", before[0], after, before)
	}
	choose(url.Values{"action": {"open-document"}, "document": {before[0]}})
	if got := fhirDocuments(t, e, pro, patient); len(got) != len(before) {
		t.Fatalf("after reopening the professional gets %v", got)
	}

	sample, ok := e.Srv.Snapshot().PGx.Sample(patient)
	if !ok {
		t.Fatal("patient has no biobank sample")
	}
	choose(url.Values{"action": {"research-consent"}, "permission": {"HMB"}, "modifier": {"NCU"}})
	if n := researchCount(t, e.Dir, sample); n != 1 {
		t.Fatalf("after research consent the extract counts the person %d times, want 1", n)
	}
	api := newResearchAPI(t, e)
	totalBefore := api.total(t)
	choose(url.Values{"action": {"withdraw"}})
	if n := researchCount(t, e.Dir, sample); n != 0 {
		t.Fatalf("after withdrawal the extract still counts the person (%d)", n)
	}
	// The research API's next answer (the project's materialised view,
	// refreshed on read) no longer counts them either.
	if after := api.total(t); after != totalBefore-1 {
		t.Fatalf("research API total %d after the withdrawal, %d before: want one fewer", after, totalBefore)
	}
	st, err := store.Open(e.Dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	h, err := clinical.ConsentHistory(context.Background(), st, patient)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[consent.Kind]int{}
	for _, ev := range h.Events() {
		if strings.HasPrefix(ev.Source, "portal-") {
			kinds[ev.Kind]++
			if ev.SignedBy != patient {
				t.Errorf("portal event %s signed by %q, want the patient", ev.Kind, ev.SignedBy)
			}
		}
	}
	for _, k := range []consent.Kind{consent.CloseDocument, consent.OpenDocument, consent.GiveResearch, consent.Withdraw} {
		if kinds[k] != 1 {
			t.Errorf("consent history has %d portal %s events, want 1 (%v)", kinds[k], k, kinds)
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// fhirDocuments returns the document ids the professional's FHIR search
// answers.
func fhirDocuments(t *testing.T, e *env, c *http.Client, person string) []string {
	t.Helper()
	resp, err := c.Get(e.URL + "/fhir/DocumentReference?subject=Patient/" + person)
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(t, resp)
	if resp.StatusCode != 200 {
		t.Fatalf("FHIR DocumentReference search: %d %s", resp.StatusCode, body)
	}
	var b struct {
		Entry []struct {
			Resource struct{ ID string } `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, en := range b.Entry {
		out = append(out, en.Resource.ID)
	}
	return out
}

// researchAPI asks the research service of the dev-ca project demo-hmb.
type researchAPI struct {
	svc        *research.Service
	researcher string
}

func newResearchAPI(t *testing.T, e *env) researchAPI {
	t.Helper()
	pf, err := projects.Load(filepath.Join(e.CADir, "projects.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := pf.Get("demo-hmb")
	if err != nil {
		t.Fatal(err)
	}
	svc, err := research.New(e.Dir, pf, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return researchAPI{svc: svc, researcher: p.Members[0]}
}

// total is the number of consented participants the API counts.
func (a researchAPI) total(t *testing.T) int {
	t.Helper()
	ans, err := a.svc.Ask(context.Background(), a.researcher, "demo-hmb", &cohort.Definition{})
	if err != nil {
		t.Fatal(err)
	}
	if ans.Total.N == nil {
		t.Fatal("the research total is suppressed")
	}
	return *ans.Total.N
}

// researchCount counts the sample in a researcher's consented extract for
// health research (the extract every research answer is counted over).
func researchCount(t *testing.T, dir, sample string) int {
	t.Helper()
	eng, err := query.OpenAs(context.Background(), dir, query.Config{Actor: "portal-test-researcher",
		Use: consent.ResearchUse{Purpose: consent.HMB}})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	var n int
	if err := eng.DB().QueryRowContext(context.Background(), "SELECT count(*) FROM samples WHERE sample = ?", sample).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
