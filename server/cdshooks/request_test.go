package cdshooks

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecodeRequest(t *testing.T) {
	cases := []struct {
		name, body, field string
	}{
		{"valid", `{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p","draftOrders":{"resourceType":"Bundle","entry":[]}}}`, ""},
		{"unknown members ignored", `{"hook":"order-sign","hookInstance":"i","fhirAuthorization":{"a":1},"context":{"patientId":"p","x":[1]}}`, ""},
		{"syntax", `{"hook":`, "$"},
		{"trailing", `{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p"}} {}`, "$"},
		{"type", `{"hook":1}`, "$"},
		{"other hook", `{"hook":"patient-view","hookInstance":"i","context":{"patientId":"p"}}`, "hook"},
		{"no instance", `{"hook":"order-sign","context":{"patientId":"p"}}`, "hookInstance"},
		{"no patient", `{"hook":"order-sign","hookInstance":"i","context":{}}`, "context.patientId"},
		{"draft orders not a bundle", `{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p","draftOrders":{"resourceType":"List"}}}`, "context.draftOrders.resourceType"},
		{"blank emergency", `{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p"},"extension":{"ee.varamu.emergency":{"reason":"  "}}}`, "extension.ee.varamu.emergency.reason"},
		{"emergency in context", `{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p","extension":{"ee.varamu.emergency":{"reason":"patient is unconscious now"}}}}`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeRequest(strings.NewReader(c.body), "order-sign")
			var re *RequestError
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case c.field != "" && !errors.As(err, &re):
				t.Fatalf("error %v, want a RequestError at %s", err, c.field)
			case c.field != "" && re.Field != c.field:
				t.Errorf("error at %s, want %s (%v)", re.Field, c.field, err)
			case c.field != "" && !errors.Is(err, ErrRequest):
				t.Errorf("%v does not wrap ErrRequest", err)
			}
		})
	}
}

// FuzzDecodeRequest: the decoder never panics, errors are RequestErrors
// that do not echo the input, and an accepted request has what the
// services rely on.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p","draftOrders":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"MedicationRequest","id":"1","medicationCodeableConcept":{"coding":[{"system":"http://www.whocc.no/atc","code":"B01AC04"}],"text":"clopidogrel"}}}]}}}`,
		`{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p"},"extension":{"ee.varamu.emergency":{"reason":"patient is unconscious now"}}}`,
		`{"hook":"order-sign"`, `[]`, `null`, `{"context":{"draftOrders":{"entry":[{"resource":1}]}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		req, err := DecodeRequest(strings.NewReader(string(b)), "order-sign")
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a RequestError", err)
			}
			return
		}
		if req.Hook != "order-sign" || req.HookInstance == "" || req.Context.PatientID == "" {
			t.Fatalf("accepted an incomplete request: %+v", req)
		}
		_ = req.Orders()
		if _, err := req.EmergencyReason(); err != nil {
			t.Fatalf("accepted a request whose emergency reason is invalid: %v", err)
		}
	})
}

func FuzzDecodeFeedback(f *testing.F) {
	f.Add([]byte(`{"feedback":[{"card":"9368d37b-283f-44a0-93ea-547cebab93ed","outcome":"accepted","acceptedSuggestions":[{"id":"x"}]}]}`))
	f.Add([]byte(`{"feedback":[{"card":"x","outcome":"maybe"}]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, b []byte) {
		fb, err := decodeFeedback(strings.NewReader(string(b)))
		if err != nil {
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a RequestError", err)
			}
			return
		}
		for _, x := range fb.Feedback {
			if x.Outcome != "accepted" && x.Outcome != "overridden" {
				t.Fatalf("accepted outcome %q", x.Outcome)
			}
		}
	})
}

func TestIndicator(t *testing.T) {
	cases := []struct{ action, strength, want string }{
		{"avoid", "strong", "critical"}, {"avoid", "moderate", "warning"}, {"alternative-preferred", "strong", "critical"},
		{"reduce-dose", "strong", "warning"}, {"no-genotype-recommendation", "", "warning"}, {"standard", "strong", "info"},
		{"no-recommendation", "", "info"}, {"something new", "", "warning"},
	}
	for _, c := range cases {
		if got := Indicator(c.action, c.strength); got != c.want {
			t.Errorf("Indicator(%q, %q) = %s, want %s", c.action, c.strength, got, c.want)
		}
	}
}

// fastSeeds are bodies for the differential tests of decodeFast: plain
// ones it takes, and the shapes it must leave to encoding/json.
var fastSeeds = []string{
	`{"context":{"draftOrders":{"entry":[{"resource":{"id":"mr","medicationCodeableConcept":{"text":"codeine"},"resourceType":"MedicationRequest"}}],"resourceType":"Bundle"},"patientId":"39001010008","userId":"Practitioner/load"},"hook":"order-sign","hookInstance":"5f2a"}`,
	`{"hook":"order-select","hookInstance":"i","fhirServer":"https://f","context":{"patientId":"p","encounterId":"e","selections":["MedicationRequest/1"],"draftOrders":{"resourceType":"Bundle","entry":[]},"extension":{"ee.varamu.emergency":{"reason":"patient is unconscious now"}}},"prefetch":{"patient":{"resourceType":"Patient","n":[1,2.5e-3,-0,true,false,null]}},"extension":{}}`,
	` { "hook" : "order-sign" , "hookInstance" : "i" , "context" : { "patientId" : "p" , "x" : [ { } , [ ] ] } } `,
	`{"hook":"order-sign","Hook":"x","hookInstance":"i","context":{"patientId":"p"}}`,
	`{"hook":"order-sign","hook":"order-sign","hookInstance":"i","context":{"patientId":"p"}}`,
	`{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p\u0041"}}`,
	`{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p"}}]`,
	`{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p"}}` + "\x00",
	`{"hook":"order-sign","hookInstance":"i","context":null}`,
	`{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p","draftOrders":{"entry":[{"resource":null},{"resource":{"resourceType":"X","medicationCodeableConcept":{"coding":[{"system":"s","code":"c","display":"d"}]}}}]}}}`,
	`{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p","selections":[]}}`,
	"{\"hook\":\"order-sign\",\"hookInstance\":\"\xff\",\"context\":{\"patientId\":\"p\"}}",
	`{"hook":"order-sign","hookInstance":"i","context":{"patientId":"p"},"n":01}`,
	`null`, `[]`, `{}`, `{"a":1e}`, `{"a":-}`, `{"a":tru}`,
}

// TestDecodeFastTakesPlainRequests: the load generator's body and a full
// request are decoded without encoding/json.
func TestDecodeFastTakesPlainRequests(t *testing.T) {
	for _, s := range fastSeeds[:3] {
		if _, ok := decodeFast([]byte(s)); !ok {
			t.Errorf("decodeFast gave up on %s", s)
		}
	}
	for _, s := range fastSeeds[3:9] {
		if _, ok := decodeFast([]byte(s)); ok {
			t.Errorf("decodeFast took %s, which encoding/json reads differently", s)
		}
	}
}

// FuzzDecodeFast: whatever decodeFast takes, encoding/json decodes to the
// same request, and the same orders; what it gives up on is decoded by
// encoding/json as before.
func FuzzDecodeFast(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fast, ok := decodeFast(b)
		if !ok {
			return
		}
		slow, err := decodeJSON(b)
		if err != nil {
			t.Fatalf("decodeFast took what encoding/json refuses (%v)", err)
		}
		if d := cmp.Diff(slow, fast); d != "" {
			t.Fatalf("decodeFast differs (-encoding/json +fast):\n%s", d)
		}
		if fast.Context.DraftOrders == nil {
			return
		}
		for _, e := range fast.Context.DraftOrders.Entry {
			o, ok := orderFast(e.Resource)
			if !ok {
				continue
			}
			var want Order
			if err := json.Unmarshal(e.Resource, &want); err != nil {
				t.Fatalf("orderFast took what encoding/json refuses (%v)", err)
			}
			if d := cmp.Diff(want, o); d != "" {
				t.Fatalf("orderFast differs (-encoding/json +fast):\n%s", d)
			}
		}
	})
}
