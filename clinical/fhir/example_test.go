package fhir_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/varamu/varamu/clinical/fhir"
)

func ExampleReader() {
	ndjson := `{"resourceType":"Patient","id":"p1","birthDate":"1968-05-28","gender":"male"}
{"resourceType":"Claim","id":"c1"}
{"resourceType":"Patient","id":"p2","birthDate":"2091-01-01"}
`
	dec := fhir.NewDecoder(fhir.Config{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	r := fhir.NewReader(fhir.NewNDJSONReader(strings.NewReader(ndjson), "bulk/Patient.ndjson"), dec)
	for it, err := range r.All() {
		if err != nil {
			fmt.Println(err)
			break
		}
		switch res := it.Resource.(type) {
		case *fhir.Patient:
			fmt.Println("line", it.Raw.Line, "Patient", res.ID, res.BirthDate)
		case *fhir.Unknown:
			fmt.Println("line", it.Raw.Line, "skipped", res.Type())
		}
	}
	// Output:
	// line 1 Patient p1 1968-05-28
	// line 2 skipped Claim
	// bulk/Patient.ndjson:3: Patient.birthDate: "2091-01-01" is in the future
}
