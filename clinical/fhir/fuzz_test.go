package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{goodPatient, goodObs, `{"resourceType":"Patient","birthDate":"2091-01-01"}`, `{"resourceType":`, `[]`, `{}`,
		`{"resourceType":"Consent","status":"active","scope":{"text":"r"},"category":[{"text":"b"}],"patient":{"reference":"Patient/1"},"provision":{"type":"permit","purpose":[{"system":"http://purl.obolibrary.org/obo/duo.owl","code":"GRU"}]}}`,
		`{"resourceType":"MedicationRequest","contained":[{"resourceType":"Medication","id":"m1","code":{"text":"x"}}],"status":"active","intent":"order","subject":{"reference":"Patient/1"},"medicationReference":{"reference":"#m1"}}`,
		`{"resourceType":"Bundle","type":"collection","entry":[{"resource":` + goodPatient + `}]}`, goodAppointment, goodCommunication} {
		f.Add([]byte(s))
	}
}

// FuzzDecode checks that Decode never panics, that every error is a
// *ParseError, and that a decoded resource keeps its resourceType.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	d := testDecoder()
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := d.Decode(data)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v is not *ParseError", err, err)
			}
			return
		}
		if r.Type() == "" {
			t.Fatal("decoded a resource without a type")
		}
		if !json.Valid(data) {
			t.Fatal("accepted invalid JSON")
		}
	})
}

// FuzzNDJSON checks that the NDJSON reader never panics and reports
// located errors.
func FuzzNDJSON(f *testing.F) {
	fuzzSeeds(f)
	d := testDecoder()
	f.Fuzz(func(t *testing.T, data []byte) {
		in := append(append([]byte(goodPatient+"\n"), data...), '\n')
		r := NewReader(NewNDJSONReader(bytes.NewReader(in), "f.ndjson"), d)
		for {
			_, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.File != "f.ndjson" || pe.Line < 2 {
					t.Fatalf("error not located: %v", err)
				}
				return
			}
		}
	})
}

// FuzzBundle checks that the Bundle reader never panics or loops.
func FuzzBundle(f *testing.F) {
	fuzzSeeds(f)
	d := testDecoder()
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(NewBundleReader(bytes.NewReader(data), "b.json"), d)
		for i := 0; ; i++ {
			if i > len(data)+1 {
				t.Fatal("more entries than bytes")
			}
			_, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) || pe.File != "b.json" {
					t.Fatalf("error not located: %T %v", err, err)
				}
				return
			}
		}
	})
}

// FuzzDecodeDifferential checks that the fast decoding path
// (goccy/go-json) and encoding/json give the same result.
func FuzzDecodeDifferential(f *testing.F) {
	fuzzSeeds(f)
	for _, s := range []string{`{"resourceType":"Patient","GENDER":"male","birthdate":"1990-01-01"}`,
		`{"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/1"},"valueQuantity":{"value":1e400}}`,
		`{"resourceType":"Patient","id":"a","id":"b","name":[{"given":["\u00e4\ud83d\ude00"]}]}`,
		`{"resourceType":"Patient","name":null,"gender":null,"active":"true"}`} {
		f.Add([]byte(s))
	}
	fast := testDecoder()
	std := NewDecoder(Config{Now: testNow})
	std.std = true
	f.Fuzz(func(t *testing.T, data []byte) {
		r1, err1 := fast.Decode(data)
		r2, err2 := std.Decode(data)
		if hasCaseVariantKey(data) {
			// encoding/json matches keys case-insensitively and
			// goccy/go-json only partly; FHIR JSON is case-sensitive, so
			// such keys are not FHIR elements either way.
			t.Skip("a key differs from a FHIR element name only in case")
		}
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("fast: %v\nstd: %v", err1, err2)
		}
		if err1 != nil {
			if err1.Error() != err2.Error() {
				t.Fatalf("errors differ:\nfast: %v\nstd:  %v", err1, err2)
			}
			return
		}
		if d := cmp.Diff(r2, r1); d != "" {
			t.Fatalf("results differ (-std +fast):\n%s", d)
		}
	})
}

// fieldNames are the JSON names of every struct field of this package.
var fieldNames = func() map[string]bool {
	names := map[string]bool{}
	var walk func(t reflect.Type)
	seen := map[reflect.Type]bool{}
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
				names[name] = true
			}
			walk(f.Type)
		}
	}
	for _, r := range []any{Patient{}, RelatedPerson{}, Practitioner{}, PractitionerRole{}, Organization{}, Encounter{},
		Condition{}, Observation{}, MedicationRequest{}, MedicationStatement{}, AllergyIntolerance{}, DocumentReference{},
		Composition{}, Consent{}, Unknown{}} {
		walk(reflect.TypeOf(r))
	}
	return names
}()

// hasCaseVariantKey reports whether data has an object key equal to a
// field name except for case.
func hasCaseVariantKey(data []byte) bool {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return false
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if !fieldNames[k] {
					for n := range fieldNames {
						if strings.EqualFold(n, k) {
							return true
						}
					}
				}
				if walk(x) {
					return true
				}
			}
		case []any:
			for _, x := range v {
				if walk(x) {
					return true
				}
			}
		}
		return false
	}
	return walk(v)
}
