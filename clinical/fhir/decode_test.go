package fhir

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/varamu/varamu/clinical/isikukood"
)

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func testDecoder() *Decoder { return NewDecoder(Config{Now: testNow}) }

const (
	goodPatient = `{"resourceType":"Patient","id":"p1","identifier":[{"system":"https://fhir.ee/sid/pid/est/ni","value":"36805280109"}],"gender":"male","birthDate":"1968-05-28"}`
	goodObs     = `{"resourceType":"Observation","id":"o1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"subject":{"reference":"Patient/p1"},"effectiveDateTime":"2020-01-02T03:04:05+02:00","valueQuantity":{"value":180.5,"unit":"cm","system":"http://unitsofmeasure.org","code":"cm"}}`
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
		msg  string
	}{
		{"syntax", `{"resourceType":"Patient",`, ErrSyntax, `malformed JSON at byte 26: unexpected end of JSON input`},
		{"syntax2", `{"resourceType":"Patient" "id":1}`, ErrSyntax, `malformed JSON at byte 27: invalid character '"' after object key:value pair`},
		{"utf8", "{\"resourceType\":\"Patient\",\"id\":\"\xfa\"}", ErrSyntax, `invalid UTF-8 at byte 32 (FHIR JSON is UTF-8)`},
		{"no type", `{"id":"x"}`, ErrResourceType, `resourceType: missing`},
		{"type not string", `{"resourceType":7}`, ErrResourceType, `resourceType: want a string`},
		{"type bad name", `{"resourceType":"patient"}`, ErrResourceType, `resourceType: "patient" is not a resource type name`},
		{"array", `[1,2]`, ErrResourceType, `want a JSON object (a FHIR resource)`},
		{"future birth", `{"resourceType":"Patient","birthDate":"2091-01-01"}`, ErrFuture, `Patient.birthDate: "2091-01-01" is in the future`},
		{"bad birth", `{"resourceType":"Patient","birthDate":"1990-13-01"}`, ErrInvalid, `Patient.birthDate: "1990-13-01" is not a FHIR date (want YYYY, YYYY-MM or YYYY-MM-DD)`},
		{"bad gender", `{"resourceType":"Patient","gender":"M"}`, ErrInvalid, `Patient.gender: "M" is not one of male, female, other, unknown`},
		{"wrong json type", `{"resourceType":"Patient","birthDate":19900101}`, ErrInvalid, `Patient.birthDate: JSON number where FHIR wants a string`},
		{"wrong json type nested", `{"resourceType":"Patient","name":[{"given":"Ann"}]}`, ErrInvalid, `Patient.name.given: JSON string where FHIR wants an array`},
		{"isikukood check", `{"resourceType":"Patient","identifier":[{"system":"x","value":"1"},{"system":"https://fhir.ee/sid/pid/est/ni","value":"36805280108"}]}`,
			isikukood.ErrCheckDigit, `Patient.identifier[1].value: isikukood: check digit does not match "36805280108": got 8, want 9`},
		{"isikukood birth mismatch", `{"resourceType":"Patient","identifier":[{"system":"https://fhir.ee/sid/pid/est/ni","value":"36805280109"}],"birthDate":"1968-05-29"}`,
			ErrInvalid, `Patient.birthDate: "1968-05-29" differs from the birth date 1968-05-28 in isikukood 36805280109`},
		{"isikukood sex mismatch", `{"resourceType":"Patient","identifier":[{"system":"https://fhir.ee/sid/pid/est/ni","value":"36805280109"}],"gender":"female"}`,
			ErrInvalid, `Patient.gender: "female" differs from sex male in isikukood 36805280109`},
		{"obs no code", `{"resourceType":"Observation","status":"final","subject":{"reference":"Patient/1"}}`, ErrRequired, `Observation.code: required (a coding or text)`},
		{"obs no subject", `{"resourceType":"Observation","status":"final","code":{"text":"x"}}`, ErrRequired, `Observation.subject: required (a reference)`},
		{"obs quantity no value", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1"},"valueQuantity":{"unit":"kg"}}`,
			ErrRequired, `Observation.valueQuantity.value: required`},
		{"obs component", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1"},"component":[{"code":{"text":"a"}},{"code":{"text":"b"},"valueQuantity":{"system":"http://unitsofmeasure.org","value":1}}]}`,
			ErrRequired, `Observation.component[1].valueQuantity.code: required with a UCUM system`},
		{"obs overflow", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1"},"valueQuantity":{"value":1e400}}`,
			ErrInvalid, `Observation.valueQuantity.value: number out of range`},
		{"obs date", `{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1"},"effectiveDateTime":"2020-01-01 10:00"}`,
			ErrInvalid, `Observation.effectiveDateTime: "2020-01-01 10:00" is not a FHIR dateTime (want YYYY-MM-DDThh:mm:ss[.f](Z|±hh:mm))`},
		{"period order", `{"resourceType":"Encounter","status":"finished","subject":{"reference":"Patient/1"},"period":{"start":"2020-02-01","end":"2020-01-01"}}`,
			ErrInvalid, `Encounter.period.end: "2020-01-01" is before start "2020-02-01"`},
		{"medreq no med", `{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"}}`,
			ErrRequired, `MedicationRequest.medication[x]: required (medicationCodeableConcept or medicationReference)`},
		{"medreq contained missing", `{"resourceType":"MedicationRequest","status":"active","intent":"order","subject":{"reference":"Patient/1"},"medicationReference":{"reference":"#m1"}}`,
			ErrInvalid, `MedicationRequest.medicationReference.reference: "#m1" names no contained Medication with a code`},
		{"related no patient", `{"resourceType":"RelatedPerson"}`, ErrRequired, `RelatedPerson.patient: required (a reference)`},
		{"consent duo", `{"resourceType":"Consent","status":"active","scope":{"coding":[{"code":"research"}]},"category":[{"text":"biobank"}],"patient":{"reference":"Patient/1"},"provision":{"type":"permit","purpose":[{"system":"http://purl.obolibrary.org/obo/duo.owl","code":"GRU"},{"system":"http://purl.obolibrary.org/obo/duo.owl","code":"XYZ"}]}}`,
			ErrUnknownDUO, `Consent.provision.purpose[1].code: "XYZ" is not a GA4GH DUO code`},
		{"consent nested duo", `{"resourceType":"Consent","status":"active","scope":{"text":"research"},"category":[{"text":"biobank"}],"patient":{"reference":"Patient/1"},"provision":{"type":"permit","provision":[{"type":"deny","code":[{"coding":[{"system":"http://purl.obolibrary.org/obo/DUO","code":"DUO:0000999"}]}]}]}}`,
			ErrUnknownDUO, `Consent.provision.provision[0].code[0].coding[0].code: "DUO:0000999" is not a GA4GH DUO code`},
		{"consent type", `{"resourceType":"Consent","status":"active","scope":{"text":"research"},"category":[{"text":"biobank"}],"patient":{"reference":"Patient/1"},"provision":{"type":"allow"}}`,
			ErrInvalid, `Consent.provision.type: "allow" is not one of deny, permit`},
		{"consent no category", `{"resourceType":"Consent","status":"active","scope":{"text":"research"},"patient":{"reference":"Patient/1"}}`,
			ErrRequired, `Consent.category: required`},
		{"docref no content", `{"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/1"}}`,
			ErrRequired, `DocumentReference.content: required`},
		{"composition title", `{"resourceType":"Composition","status":"final","type":{"text":"epicrisis"},"subject":{"reference":"Patient/1"},"date":"2020-01-01"}`,
			ErrRequired, `Composition.title: required`},
	}
	d := testDecoder()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Decode([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("%T is not *ParseError", err)
			}
			if err.Error() != tt.msg {
				t.Errorf("message\n got %s\nwant %s", err, tt.msg)
			}
		})
	}
}

func TestDecodeGood(t *testing.T) {
	d := testDecoder()
	r, err := d.Decode([]byte(goodPatient))
	if err != nil {
		t.Fatal(err)
	}
	p := r.(*Patient)
	if p.ID != "p1" || p.BirthDate != "1968-05-28" || p.Identifier[0].Value != "36805280109" {
		t.Errorf("%+v", p)
	}
	r, err = d.Decode([]byte(goodObs))
	if err != nil {
		t.Fatal(err)
	}
	o := r.(*Observation)
	if *o.ValueQuantity.Value != 180.5 || o.Code.Primary().Code != "8302-2" {
		t.Errorf("%+v", o)
	}
	// Contained medication.
	r, err = d.Decode([]byte(`{"resourceType":"MedicationRequest","contained":[{"resourceType":"Medication","id":"m1","code":{"coding":[{"system":"http://www.whocc.no/atc","code":"B01AC04","display":"clopidogrel"}]}}],"status":"active","intent":"order","subject":{"reference":"Patient/1"},"medicationReference":{"reference":"#m1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.(*MedicationRequest).Medication.Primary().Code; got != "B01AC04" {
		t.Errorf("contained medication code %q", got)
	}
	// Unknown types decode to *Unknown.
	r, err = d.Decode([]byte(`{"resourceType":"Claim","id":"c1","whatever":[1,2,{"resourceType":"Patient"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := r.(*Unknown); !ok || u.Type() != "Claim" || u.ResourceID() != "c1" {
		t.Errorf("got %#v", r)
	}
	// resourceType after other members, and a nested resourceType first.
	r, err = d.Decode([]byte(`{"contained":[{"resourceType":"Medication"}],"id":"x", "resourceType" : "Organization","name":"TÜK"}`))
	if err != nil || r.Type() != "Organization" || r.(*Organization).Name != "TÜK" {
		t.Errorf("got %v %v", r, err)
	}
}

func TestNDJSONReaderLocations(t *testing.T) {
	in := goodPatient + "\n\n" + goodObs + "\r\n" + `{"resourceType":"Patient","birthDate":"2091-01-01"}` + "\n"
	r := NewReader(NewNDJSONReader(strings.NewReader(in), "bulk/Patient.ndjson"), testDecoder())
	var lines []int
	var last error
	for it, err := range r.All() {
		if err != nil {
			last = err
			break
		}
		lines = append(lines, it.Raw.Line)
	}
	if d := cmp.Diff([]int{1, 3}, lines); d != "" {
		t.Error(d)
	}
	want := `bulk/Patient.ndjson:4: Patient.birthDate: "2091-01-01" is in the future`
	if last == nil || last.Error() != want {
		t.Errorf("got %v\nwant %s", last, want)
	}
}

func TestNDJSONLongLine(t *testing.T) {
	// A line far beyond bufio's default 64 KiB and beyond the 1 MiB buffer.
	long := `{"resourceType":"Organization","id":"o","name":"` + strings.Repeat("x", 3<<20) + `"}`
	r := NewReader(NewNDJSONReader(strings.NewReader(long+"\n"+long), "big.ndjson"), testDecoder())
	n := 0
	for it, err := range r.All() {
		if err != nil {
			t.Fatal(err)
		}
		if len(it.Resource.(*Organization).Name) != 3<<20 {
			t.Fatal("truncated")
		}
		n++
	}
	if n != 2 {
		t.Errorf("read %d", n)
	}
}

func TestBundleReader(t *testing.T) {
	in := `{"type":"collection","entry":[{"fullUrl":"urn:uuid:1","resource":` + goodPatient + `},{"request":{"method":"DELETE","url":"Patient/9"}},{"fullUrl":"urn:uuid:2","resource":` + goodObs + `}],"resourceType":"Bundle","meta":{"x":[1]}}`
	br := NewBundleReader(strings.NewReader(in), "b.json")
	var got []string
	for {
		raw, err := br.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, raw.FullURL+"|"+raw.Method+"|"+string(raw.Data[:min(len(raw.Data), 20)]))
	}
	want := []string{`urn:uuid:1||{"resourceType":"Pat`, `|DELETE|`, `urn:uuid:2||{"resourceType":"Obs`}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
	if br.BundleType() != "collection" {
		t.Error(br.BundleType())
	}
}

func TestBundleErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{`{"resourceType":"Patient","id":"1"}`, `b.json: resourceType: got "Patient", want "Bundle"`},
		{`{"type":"collection","entry":[]}`, `b.json: resourceType: missing, want "Bundle"`},
		{`{"resourceType":"Bundle","type":"pile"}`, `b.json: Bundle.type: "pile" is not a Bundle type`},
		{`{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient"}},{"resource":{"resourceType":"Patient"]}}]}`, `b.json: entry 1: malformed JSON near byte 74: invalid character ']' after object key:value pair`},
		{`{"resourceType":"Bundle","entry":[{"resource":` + goodPatient + `}, {"resource":{"resourceType":"Patient","birthDate":"2091-01-01"}}]}`, `b.json: entry 1: Patient.birthDate: "2091-01-01" is in the future`},
		{`{"resourceType":"Bundle","entry":[{"resource":` + goodPatient + `}`, `b.json: malformed JSON near byte 205: unexpected EOF`},
		{`[]`, `b.json: want a JSON object (a Bundle)`},
		{`{"resourceType":"Bundle"} {}`, `b.json: data after the end of the Bundle`},
	}
	for _, tt := range tests {
		r := NewReader(NewBundleReader(strings.NewReader(tt.in), "b.json"), testDecoder())
		var last error
		for _, err := range r.All() {
			last = err
		}
		if last == nil || last.Error() != tt.msg {
			t.Errorf("%s\n got %v\nwant %s", tt.in, last, tt.msg)
		}
	}
}

func TestSplitReference(t *testing.T) {
	tests := []struct {
		in, typ, id string
		ok          bool
	}{
		{"Patient/123", "Patient", "123", true},
		{"Patient/123/_history/4", "Patient", "123", true},
		{"https://x.ee/fhir/Patient/a-b", "Patient", "a-b", true},
		{"urn:uuid:0c89", "", "", false},
		{"#m1", "", "", false},
		{"Patient/", "", "", false},
		{"123", "", "", false},
		{"patient/1", "", "", false},
	}
	for _, tt := range tests {
		typ, id, ok := SplitReference(tt.in)
		if typ != tt.typ || id != tt.id || ok != tt.ok {
			t.Errorf("SplitReference(%q) = %q %q %v", tt.in, typ, id, ok)
		}
	}
}
