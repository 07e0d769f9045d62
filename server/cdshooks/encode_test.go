package cdshooks

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// encodingJSON is what the service wrote before AppendJSON: encoding/json's
// Encoder (compact, HTML-safe, a newline after the value).
func encodingJSON(t *testing.T, r *Response) string {
	t.Helper()
	var b bytes.Buffer
	if err := json.NewEncoder(&b).Encode(r); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func appendJSON(t *testing.T, r *Response) string {
	t.Helper()
	b, err := r.AppendJSON(nil)
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

// TestAppendJSONGolden: the golden exchanges' responses (every card shape
// the service makes: suggestions with resources, override reasons, topics)
// encode to encoding/json's bytes.
func TestAppendJSONGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "golden", "*.txt"))
	if err != nil || len(files) < 4 {
		t.Fatalf("golden exchanges: %v %v", files, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, body, ok := strings.Cut(string(b), "# response\n")
		if !ok {
			t.Fatalf("%s: no response", f)
		}
		var r Response
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if d := cmp.Diff(encodingJSON(t, &r), appendJSON(t, &r)); d != "" {
			t.Errorf("%s (-encoding/json +AppendJSON):\n%s", f, d)
		}
	}
}

// TestAppendJSONShapes: empty and nil members, escapes, extension maps.
func TestAppendJSONShapes(t *testing.T) {
	for name, r := range map[string]*Response{
		"nil cards":   {},
		"empty cards": {Cards: []Card{}},
		"bare card":   {Cards: []Card{{}}},
		"full card": {Cards: []Card{{UUID: "u", Summary: "a <b> & \"c\"", Detail: "- **x**\n\t\u2028", Indicator: "critical",
			Source:            Source{Label: "l", URL: "https://x/?a=1&b=2", Topic: &Coding{Code: "c"}},
			Suggestions:       []Suggestion{{Label: "s", UUID: "v", IsRecommended: true, Actions: []Action{{Type: "delete", ResourceID: []string{"MedicationRequest/1"}}, {Type: "create", Resource: replacementOrder(Alternative{Name: "<x>", ATC: "A", RxNorm: "1"}, "p&q")}, {Type: "create", Resource: &DraftOrder{}}}}, {Label: "t"}},
			SelectionBehavior: "at-most-one", OverrideReasons: overrideReasons, Links: []Link{{Label: "k", URL: "u", Type: "absolute"}},
			Extension: map[string]any{EmergencyExtension: map[string]any{"flagged": true, "audit": []uint64{1, 2}}}}}},
	} {
		if d := cmp.Diff(encodingJSON(t, r), appendJSON(t, r)); d != "" {
			t.Errorf("%s (-encoding/json +AppendJSON):\n%s", name, d)
		}
	}
}

// FuzzAppendJSON: any text in any card field encodes as encoding/json
// encodes it.
func FuzzAppendJSON(f *testing.F) {
	f.Add("clopidogrel: avoid", "- **CYP2C19**: *2/*2\n", "", "<&>", true)
	f.Add("\xff\u2028", "\x00\x1f\"\\", "u", "", false)
	f.Fuzz(func(t *testing.T, summary, detail, code, label string, flag bool) {
		c := Card{UUID: label, Summary: summary, Detail: detail, Indicator: code, Source: Source{Label: label, URL: detail},
			Suggestions: []Suggestion{{Label: summary, UUID: code, IsRecommended: flag,
				Actions: []Action{{Type: code, Description: label, ResourceID: []string{detail, code}}}}},
			OverrideReasons: []Coding{{System: summary, Code: code}}}
		if flag {
			c.Source.Topic = &Coding{Display: detail}
			c.Extension = map[string]any{label: summary}
			c.Suggestions[0].Actions[0].Resource = replacementOrder(Alternative{Name: detail, ATC: code, RxNorm: label}, summary)
		}
		r := &Response{Cards: []Card{c, {Summary: detail}}}
		if got, want := appendJSON(t, r), encodingJSON(t, r); got != want {
			t.Errorf("AppendJSON:\n%s\nencoding/json:\n%s", got, want)
		}
	})
}

// TestDraftOrderLikeMap: a replacement order encodes as the map it
// replaced did (members in name order, the RxNorm coding only when known).
func TestDraftOrderLikeMap(t *testing.T) {
	for _, alt := range []Alternative{{Name: "prasugrel", ATC: "B01AC22", RxNorm: "613391"}, {Name: "<b>&", ATC: "X"}} {
		codings := []map[string]string{{"system": atcSystem, "code": alt.ATC, "display": alt.Name}}
		if alt.RxNorm != "" {
			codings = append(codings, map[string]string{"system": rxnormSystem, "code": alt.RxNorm, "display": alt.Name})
		}
		old := map[string]any{
			"resourceType": "MedicationRequest", "status": "draft", "intent": "proposal",
			"subject":                   map[string]string{"reference": "Patient/39001010008"},
			"medicationCodeableConcept": map[string]any{"coding": codings, "text": alt.Name},
		}
		want, _ := json.Marshal(old)
		o := replacementOrder(alt, "39001010008")
		got, _ := json.Marshal(o)
		if d := cmp.Diff(string(want), string(got)); d != "" {
			t.Errorf("json.Marshal (-map +DraftOrder):\n%s", d)
		}
		if d := cmp.Diff(string(want), string(o.appendJSON(nil))); d != "" {
			t.Errorf("appendJSON (-map +DraftOrder):\n%s", d)
		}
	}
}
