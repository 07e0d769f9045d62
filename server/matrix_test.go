package server_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/varamu/varamu/audit"
	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/server/devca"
	"github.com/varamu/varamu/server/fhirops"
	"github.com/varamu/varamu/store"
)

// special finds people of the fixture in a given consent situation, with
// annotated results: a closed record, no return-of-results consent.
func special(t *testing.T, dir string, now time.Time) (closed, noReturn, withdrawn string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(dir, store.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pgx, err := server.LoadPGx(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := clinical.ConsentEvents(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	var people []string
	for p := range evs {
		people = append(people, p)
	}
	slices.Sort(people)
	for _, p := range people {
		s, ok := pgx.Sample(p)
		if !ok || pgx.Recs(s) == nil {
			continue
		}
		h, err := consent.Load(p, evs[p])
		if err != nil {
			t.Fatal(err)
		}
		stt := h.StateAt(now)
		if stt.RecordClosed && closed == "" {
			closed = p
		}
		if !stt.ReturnOfResults && !stt.RecordClosed && !stt.Withdrawn && noReturn == "" {
			noReturn = p
		}
		if stt.Withdrawn && !stt.RecordClosed && withdrawn == "" {
			withdrawn = p
		}
	}
	if closed == "" || noReturn == "" || withdrawn == "" {
		t.Fatalf("fixture lacks a closed record (%q), a person without return-of-results consent (%q) or one who withdrew (%q)", closed, noReturn, withdrawn)
	}
	return closed, noReturn, withdrawn
}

// orderSign is an order-sign request for person with draft orders of drugs
// (by name).
func orderSign(person, userID string, emergency string, drugs ...string) []byte {
	var entries []any
	for i, d := range drugs {
		entries = append(entries, map[string]any{"resource": map[string]any{"resourceType": "MedicationRequest", "id": fmt.Sprintf("mr%d", i+1),
			"status": "draft", "intent": "order", "medicationCodeableConcept": map[string]any{"text": d}}})
	}
	req := map[string]any{"hook": "order-sign", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
		"context": map[string]any{"userId": userID, "patientId": person,
			"draftOrders": map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries}}}
	if emergency != "" {
		req["extension"] = map[string]any{"ee.varamu.emergency": map[string]any{"reason": emergency}}
	}
	b, _ := json.Marshal(req)
	return b
}

type endpoint struct {
	name string
	do   func(c *http.Client, base, person string) (*http.Response, error)
}

var endpoints = []endpoint{
	{"cds order-sign", func(c *http.Client, base, person string) (*http.Response, error) {
		return c.Post(base+"/cds-services/varamu-pgx-order-sign", "application/json", bytes.NewReader(orderSign(person, "", "", "clopidogrel", "simvastatin", "codeine")))
	}},
	{"fhir haplotypes", func(c *http.Client, base, person string) (*http.Response, error) {
		return c.Get(base + "/fhir/$find-subject-haplotypes?subject=" + person + "&genes=CYP2C19,CYP2D6")
	}},
	{"fhir pgx-report", func(c *http.Client, base, person string) (*http.Response, error) {
		return c.Get(base + "/fhir/Patient/" + person + "/$pgx-report")
	}},
	// The variant operations read genotypes from the genome store: CYP2C19
	// (GRCh38 chr10) and the *2 SNV rs4244285.
	{"fhir variants", func(c *http.Client, base, person string) (*http.Response, error) {
		return c.Get(base + "/fhir/$find-subject-variants?subject=" + person + "&ranges=NC_000010.11:94761899-94855547&includeVariants=true")
	}},
	{"fhir specific-variants", func(c *http.Client, base, person string) (*http.Response, error) {
		return c.Get(base + "/fhir/$find-subject-specific-variants?subject=" + person + "&variants=NC_000010.11:94781858:G:A")
	}},
}

// denials counts the person's refused accesses in the audit log.
func denials(t *testing.T, dir, person string) (n int, flagged int) {
	t.Helper()
	es, err := audit.ByPerson(context.Background(), dir, person)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if !e.Allowed {
			n++
		}
		if e.Flagged {
			flagged++
		}
	}
	return n, flagged
}

func TestRoleEndpointMatrix(t *testing.T) {
	r := start(t, nil)
	b := fixture(t)
	now := time.Now()
	closed, noReturn, withdrawn := special(t, b.dir, now)
	patient := r.People["patient"].Isikukood
	child := r.People["child"].Isikukood
	researcher := r.People["researcher"].Isikukood

	other, err := devca.NewCA("some other CA", now)
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.Person(patient, "PATIENT", "TEST", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	expired, err := r.Extra.Person(patient, "PATIENT", "TEST", now.AddDate(-2, 0, 0), now.AddDate(-1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		client *http.Client
		person string
		status int
	}{
		{"no certificate", r.client(nil), patient, 401},
		{"certificate of another CA", r.issued(foreign), patient, 401},
		{"expired certificate", r.issued(expired), patient, 401},
		{"revoked certificate", r.as(t, "revoked"), patient, 401},
		{"expired licence acts as themself", r.as(t, "expired-licence"), patient, 403},
		{"no licence (not in the register)", r.as(t, "researcher"), patient, 403},
		{"patient A asking for patient B", r.as(t, "patient"), researcher, 403},
		{"child asking for parent", r.as(t, "child"), r.People["parent"].Isikukood, 403},
		{"closed record", r.as(t, "professional"), closed, 403},
		{"no return-of-results consent", r.as(t, "professional"), noReturn, 403},
		{"withdrawn from the biobank", r.as(t, "professional"), withdrawn, 403},
		{"professional for their patient", r.as(t, "professional"), patient, 200},
		{"patient for self", r.as(t, "patient"), patient, 200},
		{"parent for child", r.as(t, "parent"), child, 200},
		{"representative for the person who authorised them", r.as(t, "representative"), strings.TrimPrefix(r.People["representative"].Role, "authorised by "), 200},
	}
	for _, c := range cases {
		for _, ep := range endpoints {
			t.Run(c.name+"/"+ep.name, func(t *testing.T) {
				before, _ := denials(t, b.dir, c.person)
				resp, err := ep.do(c.client, r.URL, c.person)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != c.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
				}
				after, _ := denials(t, b.dir, c.person)
				if c.status != 200 {
					if after <= before {
						t.Errorf("refusal not logged: %d denials before, %d after", before, after)
					}
					noLeak(t, body, c.person)
				}
			})
		}
	}
}

// noLeak fails when an error body names a person, a code or a genotype.
func noLeak(t *testing.T, body []byte, person string) {
	t.Helper()
	s := string(body)
	for _, bad := range []string{person, "*", "Metabolizer", "Function", "PNOEE", "pr-0", "TEST"} {
		if strings.Contains(s, bad) {
			t.Errorf("error body leaks %q: %s", bad, s)
		}
	}
}

func TestEmergencyAllowedAndFlagged(t *testing.T) {
	r := start(t, nil)
	b := fixture(t)
	closed, _, _ := special(t, b.dir, time.Now())
	_, flaggedBefore := denials(t, b.dir, closed)
	c := r.as(t, "professional")
	resp, err := c.Post(r.URL+"/cds-services/varamu-pgx-order-sign", "application/json",
		bytes.NewReader(orderSign(closed, "", "Unconscious patient in the emergency department, bleeding", "clopidogrel")))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Cards []map[string]any `json:"cards"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(out.Cards) == 0 {
		t.Fatalf("emergency: status %d, %d cards", resp.StatusCode, len(out.Cards))
	}
	if _, ok := out.Cards[0]["extension"].(map[string]any)["ee.varamu.emergency"]; !ok {
		t.Errorf("emergency card not flagged: %v", out.Cards[0]["extension"])
	}
	if _, flagged := denials(t, b.dir, closed); flagged != flaggedBefore+1 {
		t.Errorf("emergency access not flagged in the audit log (%d -> %d)", flaggedBefore, flagged)
	}
	// A blank or one-word reason is not an emergency.
	resp, err = c.Post(r.URL+"/cds-services/varamu-pgx-order-sign", "application/json",
		bytes.NewReader(orderSign(closed, "", "   ", "clopidogrel")))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("blank emergency reason: status %d, want 400", resp.StatusCode)
	}
	// The same through FHIR: the reason in a header.
	for reason, want := range map[string]int{"": 403, "urgent": 400, "Unconscious patient, anticoagulant status unknown": 200} {
		req, _ := http.NewRequest("GET", r.URL+"/fhir/$find-subject-haplotypes?subject="+closed+"&genes=CYP2C19", nil)
		if reason != "" {
			req.Header.Set(fhirops.EmergencyHeader, reason)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("FHIR, emergency reason %q: status %d, want %d", reason, resp.StatusCode, want)
		}
	}
}

// token signs a CDS Hooks JWT with the key in keyPEM.
func token(t *testing.T, key any, kid, iss, aud, jti string, exp time.Time) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: iss, Audience: jwt.Audience{aud}, Expiry: jwt.NewNumericDate(exp),
		IssuedAt: jwt.NewNumericDate(time.Now()), ID: jti}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ehrKey(t *testing.T, dir string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "ehr.key"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := parseKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCDSClientJWT(t *testing.T) {
	r := start(t, nil)
	b := fixture(t)
	patient := r.People["patient"].Isikukood
	pro := strings.TrimSuffix(strings.Fields(r.People["professional"].Role)[1], ",")
	expiredPro := strings.TrimSuffix(strings.Fields(r.People["expired-licence"].Role)[1], ",")
	key := ehrKey(t, r.Dir)
	stranger, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	aud := r.URL + "/cds-services/varamu-pgx-order-sign"
	c := r.client(nil)
	post := func(tok, user string) (int, string) {
		req, _ := http.NewRequest("POST", aud, bytes.NewReader(orderSign(patient, user, "", "clopidogrel")))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode, string(body)
	}
	exp := time.Now().Add(4 * time.Minute)
	good := token(t, key, "ehr-1", devca.EHRIssuer, aud, "jti-1", exp)
	cases := []struct {
		name   string
		tok    string
		user   string
		status int
	}{
		{"registered client, licensed practitioner", good, "Practitioner/" + pro, 200},
		{"replayed jti", good, "Practitioner/" + pro, 401},
		{"key not in the client's JWKS", token(t, stranger, "ehr-1", devca.EHRIssuer, aud, "jti-2", exp), "Practitioner/" + pro, 401},
		{"unregistered issuer", token(t, key, "ehr-1", "https://other.example", aud, "jti-3", exp), "Practitioner/" + pro, 401},
		{"wrong audience", token(t, key, "ehr-1", devca.EHRIssuer, "https://elsewhere.example/cds-services/x", "jti-4", exp), "Practitioner/" + pro, 401},
		{"expired token", token(t, key, "ehr-1", devca.EHRIssuer, aud, "jti-5", time.Now().Add(-2*time.Minute)), "Practitioner/" + pro, 401},
		{"exp too far ahead", token(t, key, "ehr-1", devca.EHRIssuer, aud, "jti-6", time.Now().Add(time.Hour)), "Practitioner/" + pro, 401},
		{"practitioner whose licence ended", token(t, key, "ehr-1", devca.EHRIssuer, aud, "jti-7", exp), "Practitioner/" + expiredPro, 403},
		{"userId not in the register", token(t, key, "ehr-1", devca.EHRIssuer, aud, "jti-8", exp), "Practitioner/nobody", 401},
		{"no userId", token(t, key, "ehr-1", devca.EHRIssuer, aud, "jti-9", exp), "", 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := denials(t, b.dir, patient)
			status, body := post(tc.tok, tc.user)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if after, _ := denials(t, b.dir, patient); tc.status != 200 && after <= before {
				t.Errorf("refusal not logged (%d -> %d)", before, after)
			}
			if tc.status != 200 {
				noLeak(t, []byte(body), patient)
			}
		})
	}
}
