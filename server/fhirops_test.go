package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

type parameters struct {
	ResourceType string `json:"resourceType"`
	Parameter    []struct {
		Name string `json:"name"`
		Part []struct {
			Name         string          `json:"name"`
			ValueString  string          `json:"valueString"`
			ValueBoolean *bool           `json:"valueBoolean"`
			Resource     json.RawMessage `json:"resource"`
		} `json:"part"`
	} `json:"parameter"`
}

// TestFindSubjectVariants: every variant $find-subject-variants reports in
// a range is confirmed by $find-subject-specific-variants, a different ALT
// at the same place is not, and the IG's range syntax is enforced.
func TestFindSubjectVariants(t *testing.T) {
	r := start(t, nil)
	c := r.as(t, "professional")
	p := r.People["patient"].Isikukood
	status, body := get(t, c, r.URL+"/fhir/$find-subject-variants?subject="+p+"&ranges=NC_000010.11:94700000-94900000&includeVariants=true")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var out parameters
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.ResourceType != "Parameters" {
		t.Fatalf("not Parameters: %v %s", err, body)
	}
	var spdis []string
	for _, part := range out.Parameter[0].Part {
		if part.Name != "variant" {
			continue
		}
		var obs struct {
			Meta      struct{ Profile []string }
			Component []struct {
				ValueString string
				ValueRange  *struct{ Low struct{ Value int64 } }
			}
		}
		json.Unmarshal(part.Resource, &obs)
		if len(obs.Meta.Profile) != 1 || !strings.HasSuffix(obs.Meta.Profile[0], "/variant") {
			t.Errorf("variant profile %v", obs.Meta.Profile)
		}
		spdis = append(spdis, fmt.Sprintf("NC_000010.11:%d:%s:%s", obs.Component[2].ValueRange.Low.Value, obs.Component[3].ValueString, obs.Component[4].ValueString))
	}
	if len(spdis) == 0 {
		t.Fatal("the patient carries no CYP2C19-region variant in this fixture")
	}
	wrong := spdis[0][:strings.LastIndex(spdis[0], ":")+1] + "N"
	status, body = get(t, c, r.URL+"/fhir/$find-subject-specific-variants?subject="+p+"&variants="+strings.Join(append(spdis, wrong), ","))
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	out = parameters{}
	json.Unmarshal([]byte(body), &out)
	for i, prm := range out.Parameter {
		want := i < len(spdis)
		if got := prm.Part[1].ValueBoolean; got == nil || *got != want {
			t.Errorf("%s: presence %v, want %v", prm.Part[0].ValueString, got, want)
		}
	}
	for _, bad := range []string{"ranges=chr10:1-2", "ranges=NC_000010.11:5-1", "ranges=NC_000010.10:1-2", "ranges=NC_000010.11:0-99999999"} {
		if status, body := get(t, c, r.URL+"/fhir/$find-subject-variants?subject="+p+"&"+bad); status != 400 || !strings.Contains(body, "OperationOutcome") {
			t.Errorf("%s: %d %s", bad, status, body)
		}
	}
}

func TestPatientView(t *testing.T) {
	r := start(t, nil)
	p := r.People["patient"].Isikukood
	req := []byte(`{"hook":"patient-view","hookInstance":"x","context":{"userId":"Practitioner/x","patientId":"` + p + `"}}`)
	resp, err := r.as(t, "professional").Post(r.URL+"/cds-services/varamu-pgx-patient-view", "application/json", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Cards []map[string]any `json:"cards"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(out.Cards) != 1 {
		t.Fatalf("status %d, %d cards", resp.StatusCode, len(out.Cards))
	}
	d, _ := out.Cards[0]["detail"].(string)
	for _, g := range []string{"CYP2C19", "SLCO1B1", "CYP2D6"} {
		if !strings.Contains(d, "**"+g+"**") {
			t.Errorf("patient-view detail lacks %s: %s", g, d)
		}
	}
	// A researcher (no licence) may not see it.
	resp, err = r.as(t, "researcher").Post(r.URL+"/cds-services/varamu-pgx-patient-view", "application/json", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("researcher: %d", resp.StatusCode)
	}
}
