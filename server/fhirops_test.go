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

// TestPGxReportBundle checks the $pgx-report Bundle against what the
// Genomics Reporting IG's profiles require and a test can check: a
// collection Bundle whose first entry is a genomic-report DiagnosticReport
// (LOINC 51969-4, status, subject, issued) whose every result resolves to an
// entry; genotype Observations (LOINC 84413-4) with a gene-studied
// component and a value or a dataAbsentReason; therapeutic-implication
// Observations naming the medication assessed and deriving from genotypes
// in the Bundle.
func TestPGxReportBundle(t *testing.T) {
	r := start(t, nil)
	p := r.People["patient"].Isikukood
	status, body := get(t, r.as(t, "patient"), r.URL+"/fhir/Patient/"+p+"/$pgx-report")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	type coding struct{ System, Code string }
	type resource struct {
		ResourceType string
		ID           string
		Meta         struct{ Profile []string }
		Status       string
		Code         struct{ Coding []coding }
		Subject      struct{ Reference string }
		Issued       string
		Result       []struct{ Reference string }
		Component    []struct {
			Code                 struct{ Coding []coding }
			ValueCodeableConcept *struct{ Text string }
		}
		ValueCodeableConcept *struct{ Text string }
		DataAbsentReason     any
		DerivedFrom          []struct{ Reference string }
	}
	var b struct {
		ResourceType, Type string
		Entry              []struct {
			FullURL  string `json:"fullUrl"`
			Resource resource
		}
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	if b.ResourceType != "Bundle" || b.Type != "collection" || len(b.Entry) < 2 {
		t.Fatalf("want a collection Bundle with a report and results, got %s %s, %d entries", b.ResourceType, b.Type, len(b.Entry))
	}
	ids := map[string]resource{}
	for _, e := range b.Entry {
		ids[e.Resource.ResourceType+"/"+e.Resource.ID] = e.Resource
		if !strings.HasSuffix(e.FullURL, "/"+e.Resource.ResourceType+"/"+e.Resource.ID) {
			t.Errorf("fullUrl %s does not name %s/%s", e.FullURL, e.Resource.ResourceType, e.Resource.ID)
		}
	}
	dr := b.Entry[0].Resource
	if dr.ResourceType != "DiagnosticReport" || dr.Code.Coding[0].Code != "51969-4" || dr.Status != "final" || dr.Issued == "" ||
		dr.Subject.Reference != "Patient/"+p || len(dr.Meta.Profile) == 0 || !strings.HasSuffix(dr.Meta.Profile[0], "/genomic-report") {
		t.Fatalf("report: %+v", dr)
	}
	genotypes, implications := 0, 0
	for _, res := range dr.Result {
		o, ok := ids[res.Reference]
		if !ok {
			t.Fatalf("result %s is not in the Bundle", res.Reference)
		}
		if o.Subject.Reference != "Patient/"+p || o.Status != "final" {
			t.Errorf("%s: subject %s status %s", o.ID, o.Subject.Reference, o.Status)
		}
		switch {
		case strings.HasSuffix(o.Meta.Profile[0], "/genotype"):
			genotypes++
			if o.Code.Coding[0].Code != "84413-4" || o.Component[0].Code.Coding[0].Code != "48018-6" || o.Component[0].ValueCodeableConcept == nil {
				t.Errorf("genotype %s lacks its code or gene-studied component", o.ID)
			}
			if (o.ValueCodeableConcept == nil) == (o.DataAbsentReason == nil) {
				t.Errorf("genotype %s: want exactly one of value and dataAbsentReason", o.ID)
			}
		case strings.HasSuffix(o.Meta.Profile[0], "/therapeutic-implication"):
			implications++
			if o.Component[0].Code.Coding[0].Code != "51963-7" || o.Component[0].ValueCodeableConcept.Text == "" {
				t.Errorf("implication %s lacks medication-assessed", o.ID)
			}
			for _, d := range o.DerivedFrom {
				if _, ok := ids[d.Reference]; !ok {
					t.Errorf("implication %s derives from %s, not in the Bundle", o.ID, d.Reference)
				}
			}
		default:
			t.Errorf("%s: unexpected profile %v", o.ID, o.Meta.Profile)
		}
	}
	if genotypes == 0 || implications == 0 {
		t.Errorf("%d genotypes, %d implications", genotypes, implications)
	}
}

// TestGenesByHGNC: genes may be asked by symbol or HGNC id (with or without
// the code system), every gene-studied component carries the HGNC id
// coding beside the symbol, and an unknown HGNC id is a 400
// OperationOutcome.
func TestGenesByHGNC(t *testing.T) {
	r := start(t, nil)
	c := r.as(t, "professional")
	p := r.People["patient"].Isikukood
	base := r.URL + "/fhir/$find-subject-haplotypes?subject=" + p + "&genes="
	for _, genes := range []string{"CYP2D6,CYP2C19", "HGNC:2625,HGNC:2621", "http://www.genenames.org/geneId|HGNC:2625,http://www.genenames.org/geneId|HGNC:2621"} {
		status, body := get(t, c, base+genes)
		if status != 200 {
			t.Fatalf("%s: status %d: %s", genes, status, body)
		}
		var out parameters
		json.Unmarshal([]byte(body), &out)
		ids := map[string]string{"CYP2D6": "HGNC:2625", "CYP2C19": "HGNC:2621"}
		want := map[string]string{"CYP2D6": "HGNC:2625", "CYP2C19": "HGNC:2621"}
		for _, prm := range out.Parameter {
			for _, part := range prm.Part {
				if part.Name != "genotype" && part.Name != "haplotype" {
					continue
				}
				var obs struct {
					Component []struct {
						Code                 struct{ Coding []struct{ Code string } }
						ValueCodeableConcept struct {
							Text   string
							Coding []struct{ System, Code, Display string }
						}
					}
				}
				json.Unmarshal(part.Resource, &obs)
				g := obs.Component[0]
				if g.Code.Coding[0].Code != "48018-6" || len(g.ValueCodeableConcept.Coding) != 1 {
					t.Fatalf("%s: gene studied %+v", genes, g)
				}
				gc := g.ValueCodeableConcept.Coding[0]
				if gc.System != "http://www.genenames.org/geneId" || gc.Code != ids[gc.Display] || g.ValueCodeableConcept.Text != gc.Display {
					t.Errorf("%s: gene coding %+v", genes, gc)
				}
				delete(want, gc.Display)
			}
		}
		if len(want) > 0 {
			t.Errorf("%s: no genotype for %v", genes, want)
		}
	}
	if status, body := get(t, c, base+"HGNC:1100"); status != 400 || !strings.Contains(body, "OperationOutcome") || !strings.Contains(body, "unknown HGNC id") {
		t.Errorf("unknown HGNC id: %d %s", status, body)
	}
	status, body := get(t, c, r.URL+"/fhir/$find-subject-tx-implications?subject="+p+"&genes=HGNC:2621&treatments=clopidogrel")
	if status != 200 || !strings.Contains(body, "clopidogrel") {
		t.Errorf("tx-implications by HGNC id: %d %s", status, body)
	}
}
