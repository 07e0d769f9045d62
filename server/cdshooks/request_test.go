package cdshooks

import (
	"errors"
	"strings"
	"testing"
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
