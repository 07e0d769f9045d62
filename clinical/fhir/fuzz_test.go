package fhir

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{goodPatient, goodObs, `{"resourceType":"Patient","birthDate":"2091-01-01"}`, `{"resourceType":`, `[]`, `{}`,
		`{"resourceType":"Consent","status":"active","scope":{"text":"r"},"category":[{"text":"b"}],"patient":{"reference":"Patient/1"},"provision":{"type":"permit","purpose":[{"system":"http://purl.obolibrary.org/obo/duo.owl","code":"GRU"}]}}`,
		`{"resourceType":"MedicationRequest","contained":[{"resourceType":"Medication","id":"m1","code":{"text":"x"}}],"status":"active","intent":"order","subject":{"reference":"Patient/1"},"medicationReference":{"reference":"#m1"}}`,
		`{"resourceType":"Bundle","type":"collection","entry":[{"resource":` + goodPatient + `}]}`} {
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
