package report

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

// FuzzReadCalls: any input decodes or gives a *ParseError; what decodes
// renders without error.
func FuzzReadCalls(f *testing.F) {
	if data, err := os.ReadFile("testdata/three_patients/calls.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"dataVersion":"v","samples":[{"sample":"s","genes":[{"gene":"CYP2D6","called":true,"diplotypes":["*1/*4"],"phenotype":"x","activityScore":1}]}]}`))
	f.Add([]byte(`{"samples":[{"sample":""}]}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cs, err := ReadCalls(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v, want *ParseError", err, err)
			}
			return
		}
		if err := WriteHTML(io.Discard, cs, nil); err != nil {
			t.Fatal(err)
		}
	})
}
