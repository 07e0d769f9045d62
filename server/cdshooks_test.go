package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/clinical"
	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/server"
	"github.com/varamu/varamu/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// withPhenotype finds a person with return-of-results consent and an open
// record whose gene has the phenotype.
func withPhenotype(t *testing.T, dir, gene, phenotype string) string {
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
		if !ok {
			continue
		}
		c, ok := pgx.Call(s, gene)
		if !ok || c.Phenotype != phenotype || c.Uncertain {
			continue
		}
		h, _ := consent.Load(p, evs[p])
		st := h.StateAt(time.Now())
		if st.ReturnOfResults && !st.RecordClosed && !st.Withdrawn {
			return p
		}
	}
	t.Fatalf("no person with %s %s and return-of-results consent in the fixture", gene, phenotype)
	return ""
}

func hookRequest(hook, person string, orders ...map[string]any) []byte {
	var entries []any
	for _, o := range orders {
		entries = append(entries, map[string]any{"resource": o})
	}
	req := map[string]any{"hook": hook, "hookInstance": "2f3e4a5b-0000-4000-8000-000000000001",
		"fhirServer": "https://ehr.example/fhir",
		"context": map[string]any{"userId": "Practitioner/x", "patientId": person,
			"draftOrders": map[string]any{"resourceType": "Bundle", "type": "collection", "entry": entries}}}
	b, _ := json.Marshal(req)
	return b
}

func medReq(id string, coding []map[string]string, text string) map[string]any {
	mcc := map[string]any{}
	if coding != nil {
		mcc["coding"] = coding
	}
	if text != "" {
		mcc["text"] = text
	}
	return map[string]any{"resourceType": "MedicationRequest", "id": id, "status": "draft", "intent": "order", "medicationCodeableConcept": mcc}
}

var uuidRe = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// TestGoldenCDSExchange pins whole order-sign exchanges for synthetic
// patients: clopidogrel for a CYP2C19 poor metabolizer (by ATC code),
// codeine for a CYP2D6 ultrarapid metabolizer (by name), simvastatin for
// decreased SLCO1B1 function (by ATC code), and paracetamol, a drug with no
// PGx rule, which gives no card. Advice naming an alternative drug gives a
// suggestion replacing the draft order (delete + coded create); advice
// naming none says so in the card and suggests no replacement.
func TestGoldenCDSExchange(t *testing.T) {
	r := start(t, nil)
	b := fixture(t)
	atc := func(code, display string) []map[string]string {
		return []map[string]string{{"system": "http://www.whocc.no/atc", "code": code, "display": display}}
	}
	cases := []struct {
		name, gene, phenotype string
		order                 map[string]any
		cards                 bool
		replaceBy             []string // ATC codes of suggested replacements
	}{
		{"clopidogrel-cyp2c19-pm", "CYP2C19", "Poor Metabolizer", medReq("mr-clop", atc("B01AC04", "clopidogrel"), ""), true, []string{"B01AC22", "B01AC24", "B01AC30"}},
		{"codeine-cyp2d6-um", "CYP2D6", "Ultrarapid Metabolizer", medReq("mr-cod", nil, "Codeine Phosphate 30 MG Oral Tablet"), true, []string{"N02AA01", "R05DA07"}},
		{"simvastatin-slco1b1-decreased", "SLCO1B1", "Decreased Function", medReq("mr-simva", atc("C10AA01", "simvastatin"), ""), true, nil},
		{"paracetamol-no-rule", "CYP2C19", "Poor Metabolizer", medReq("mr-para", atc("N02BE01", "paracetamol"), "Paracetamol 500 mg tablet"), false, nil},
	}
	c := r.as(t, "professional")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			person := withPhenotype(t, b.dir, tc.gene, tc.phenotype)
			req := hookRequest("order-sign", person, tc.order)
			resp, err := c.Post(r.URL+"/cds-services/varamu-pgx-order-sign", "application/json", bytes.NewReader(req))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var out struct {
				Cards []map[string]any `json:"cards"`
			}
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatal(err)
			}
			if tc.cards != (len(out.Cards) > 0) {
				t.Fatalf("%d cards, want cards: %v", len(out.Cards), tc.cards)
			}
			checkCards(t, out.Cards)
			checkReplacements(t, out.Cards, tc.replaceBy)
			var pretty bytes.Buffer
			json.Indent(&pretty, body, "", "  ")
			got := "# request\n" + indent(req) + "\n# response\n" + uuidRe.ReplaceAllString(pretty.String(), "UUID")
			path := filepath.Join("testdata", "golden", tc.name+".txt")
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				os.WriteFile(path, []byte(got), 0o644)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(string(want), got); d != "" {
				t.Errorf("exchange differs from %s (-want +got):\n%s", path, d)
			}
		})
	}
}

// checkReplacements checks that the cards suggest replacing the draft
// order by exactly the drugs coded atc (a delete of the draft, then a
// create of a MedicationRequest with the ATC coding), and that a card
// that asks for another drug (it offers to remove the order) but suggests
// no replacement says the advice names none.
func checkReplacements(t *testing.T, cards []map[string]any, atc []string) {
	t.Helper()
	var got []string
	for _, c := range cards {
		n := 0
		sugs, _ := c["suggestions"].([]any)
		for _, s := range sugs {
			acts := s.(map[string]any)["actions"].([]any)
			if len(acts) != 2 {
				continue
			}
			n++
			del, create := acts[0].(map[string]any), acts[1].(map[string]any)
			res, _ := create["resource"].(map[string]any)
			if del["type"] != "delete" || create["type"] != "create" || res["resourceType"] != "MedicationRequest" {
				t.Errorf("replacement %v: want delete then create of a MedicationRequest", acts)
				continue
			}
			coding := res["medicationCodeableConcept"].(map[string]any)["coding"].([]any)[0].(map[string]any)
			if coding["system"] != "http://www.whocc.no/atc" {
				t.Errorf("replacement coded %v, want ATC first", coding)
			}
			if code := coding["code"].(string); !slices.Contains(got, code) {
				got = append(got, code)
			}
		}
		if len(sugs) > 0 && n == 0 && !strings.Contains(c["detail"].(string), "No named alternative") {
			t.Errorf("card %q suggests no replacement and does not say the advice names none", c["summary"])
		}
	}
	slices.Sort(got)
	if d := cmp.Diff(atc, got); d != "" {
		t.Errorf("replacement drugs (-want +got):\n%s", d)
	}
}

func indent(b []byte) string {
	var out bytes.Buffer
	json.Indent(&out, b, "", "  ")
	return out.String()
}

// checkCards checks the CDS Hooks 2.0 card rules.
func checkCards(t *testing.T, cards []map[string]any) {
	t.Helper()
	for _, c := range cards {
		sum, _ := c["summary"].(string)
		if sum == "" || len([]rune(sum)) >= 140 {
			t.Errorf("summary %q: want 1..139 characters", sum)
		}
		if ind, _ := c["indicator"].(string); !slices.Contains([]string{"info", "warning", "critical"}, ind) {
			t.Errorf("indicator %v", c["indicator"])
		}
		if !uuidRe.MatchString(c["uuid"].(string)) {
			t.Errorf("uuid %v", c["uuid"])
		}
		src, _ := c["source"].(map[string]any)
		if src["label"] == "" || !strings.Contains(src["label"].(string), "version") || src["url"] == nil {
			t.Errorf("source %v: want guideline label with version and a link", src)
		}
		if s, ok := c["suggestions"].([]any); ok && len(s) > 0 && c["selectionBehavior"] != "at-most-one" {
			t.Errorf("suggestions without selectionBehavior")
		}
		if c["indicator"] != "info" && c["overrideReasons"] == nil {
			t.Errorf("%s card without overrideReasons", c["indicator"])
		}
		d, _ := c["detail"].(string)
		if !strings.Contains(d, "diplotype") || !strings.Contains(d, "phenotype") {
			t.Errorf("detail lacks diplotype or phenotype: %q", d)
		}
	}
}

func TestBadRequests(t *testing.T) {
	r := start(t, nil)
	patient := r.People["patient"].Isikukood
	c := r.as(t, "professional")
	big := bytes.Repeat([]byte("x"), 70<<10)
	cases := []struct {
		name, method, path string
		body               []byte
		status             int
		cards              int // -1: not checked
	}{
		{"malformed JSON", "POST", "/cds-services/varamu-pgx-order-sign", []byte(`{"hook": "order-sign", `), 400, -1},
		{"not an object", "POST", "/cds-services/varamu-pgx-order-sign", []byte(`[1,2]`), 400, -1},
		{"empty body", "POST", "/cds-services/varamu-pgx-order-sign", nil, 400, -1},
		{"oversized body", "POST", "/cds-services/varamu-pgx-order-sign", append([]byte(`{"hook":"`), big...), 413, -1},
		{"wrong hook for the service", "POST", "/cds-services/varamu-pgx-order-sign", hookRequest("order-select", patient), 400, -1},
		{"unknown service", "POST", "/cds-services/no-such-hook", hookRequest("order-sign", patient), 404, -1},
		{"no patientId", "POST", "/cds-services/varamu-pgx-order-sign", []byte(`{"hook":"order-sign","hookInstance":"x","context":{}}`), 400, -1},
		{"draft orders without codes", "POST", "/cds-services/varamu-pgx-order-sign", hookRequest("order-sign", patient, medReq("a", nil, ""), map[string]any{"resourceType": "MedicationRequest", "id": "b"}), 200, 0},
		{"unknown codes", "POST", "/cds-services/varamu-pgx-order-sign", hookRequest("order-sign", patient, medReq("a", []map[string]string{{"system": "http://www.whocc.no/atc", "code": "Z99ZZ99"}, {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "0"}}, "")), 200, 0},
		{"feedback without items", "POST", "/cds-services/varamu-pgx-order-sign/feedback", []byte(`{"feedback":[]}`), 400, -1},
		{"feedback", "POST", "/cds-services/varamu-pgx-order-sign/feedback", []byte(`{"feedback":[{"card":"9368d37b-283f-44a0-93ea-547cebab93ed","outcome":"overridden","overrideReason":{"reason":{"code":"no-alternative"}},"outcomeTimestamp":"2026-01-01T10:00:00Z"}]}`), 200, -1},
		{"FHIR subject not an isikukood", "GET", "/fhir/$find-subject-haplotypes?subject=alice&genes=CYP2C19", nil, 400, -1},
		{"FHIR without genes", "GET", "/fhir/$find-subject-haplotypes?subject=" + patient, nil, 400, -1},
		{"FHIR unknown operation", "GET", "/fhir/$find-everything?subject=" + patient, nil, 404, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, r.URL+tc.path, bytes.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if strings.HasPrefix(tc.path, "/fhir") && tc.status != 200 && !strings.Contains(string(body), `"OperationOutcome"`) {
				t.Errorf("FHIR error is not an OperationOutcome: %s", body)
			}
			if tc.cards >= 0 {
				var out struct{ Cards []any }
				json.Unmarshal(body, &out)
				if len(out.Cards) != tc.cards {
					t.Errorf("%d cards, want %d", len(out.Cards), tc.cards)
				}
			}
		})
	}
}
