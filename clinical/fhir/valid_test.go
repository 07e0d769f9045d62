package fhir

import (
	"encoding/json"
	"strings"
	"testing"
)

var validSeeds = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `-0.5e+10`, `1E5`, `01`, `1.`, `.5`, `-`, `1e`, `true`, `tru`, `nul`, `null `, ` {"a" : [1, 2.5, "x\u00e4\n", {"b":null}], "c":false} `,
	`{"a":1,}`, `[1,]`, `{"a"}`, `{"a":}`, `{,}`, `[,1]`, `"\x"`, `"\u12g4"`, "\"\x01\"", "\"\xff\"", `"\/"`, `{"a":1}{}`, `{"a":1} x`, ``, ` `,
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000), strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000), strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
	goodPatient, goodObs,
}

func TestValidJSON(t *testing.T) {
	for _, s := range validSeeds {
		if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("validJSON(%.40q) = %v, json.Valid = %v", s, got, want)
		}
	}
}

// FuzzValidJSON holds validJSON equal to encoding/json.Valid.
func FuzzValidJSON(f *testing.F) {
	for _, s := range validSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validJSON(data), json.Valid(data); got != want {
			t.Fatalf("validJSON = %v, json.Valid = %v", got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	data := []byte(goodObs)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		validJSON(data)
	}
}

func BenchmarkStdValid(b *testing.B) {
	data := []byte(goodObs)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		json.Valid(data)
	}
}
