package cohort

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

const example = `{
  "pgx": [{"gene": "CYP2C19", "phenotypes": ["Poor Metabolizer", "Intermediate Metabolizer"]}],
  "conditions": ["I21", "I63"],
  "medications": ["B01AC04"],
  "age": {"min": 40, "max": 79},
  "sex": ["female", "male"],
  "dimensions": ["sex", "phenotype:CYP2C19"],
  "age_bands": [18, 40, 65]
}`

func TestDecodeExample(t *testing.T) {
	d, err := Decode("cohort.json", strings.NewReader(example))
	if err != nil {
		t.Fatal(err)
	}
	forty, seventynine := 40, 79
	want := &Definition{
		PGx:        []GeneCriterion{{Gene: "CYP2C19", Phenotypes: []string{"Poor Metabolizer", "Intermediate Metabolizer"}}},
		Conditions: []string{"I21", "I63"}, Medications: []string{"B01AC04"},
		Age: &AgeRange{Min: &forty, Max: &seventynine}, Sex: []string{"female", "male"},
		Dimensions: []string{"sex", "phenotype:CYP2C19"}, AgeBands: []int{18, 40, 65},
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"unknown field", "{\n  \"pgx\": [],\n  \"colour\": 1}", "cohort.json:3: cohort: bad cohort definition: json: unknown field \"colour\""},
		{"syntax", "{\n\"sex\": [\"female\",]}", "cohort.json:2: cohort: bad cohort definition: invalid character ']' looking for beginning of value"},
		{"type", "{\n\n\"age\": {\"min\": \"forty\"}}", "cohort.json:3: cohort: bad cohort definition: json: cannot unmarshal string into Go struct field AgeRange.age.min of type int"},
		{"two values", "{}\n{}", "cohort.json:2: cohort: bad cohort definition: want one JSON object, found more after it"},
		{"icd10", `{"conditions": ["diabetes"]}`, `cohort.json: conditions[0]: cohort: bad cohort definition: "diabetes": want an ICD-10 code prefix (E11, I21.0)`},
		{"atc", `{"medications": ["B1"]}`, `cohort.json: medications[0]: cohort: bad cohort definition: "B1": want an ATC code prefix (B01AC, B01AC04)`},
		{"gene", `{"pgx": [{"gene": "cyp2c19", "phenotypes": ["x"]}]}`, `cohort.json: pgx[0].gene: cohort: bad cohort definition: "cyp2c19": want a gene symbol (CYP2C19)`},
		{"gene without result", `{"pgx": [{"gene": "CYP2C19"}]}`, `cohort.json: pgx[0]: cohort: bad cohort definition: CYP2C19: want phenotypes or diplotypes`},
		{"sex", `{"sex": ["F"]}`, `cohort.json: sex[0]: cohort: bad cohort definition: "F": want one of female, male, other, unknown`},
		{"age order", `{"age": {"min": 70, "max": 60}}`, `cohort.json: age: cohort: bad cohort definition: min 70 above max 60`},
		{"three dimensions", `{"dimensions": ["sex", "age_band", "phenotype:CYP2D6"]}`, `cohort.json: dimensions: cohort: bad cohort definition: 3 dimensions, at most 2`},
		{"bad dimension", `{"dimensions": ["sex:x"]}`, `cohort.json: dimensions[0]: cohort: bad cohort definition: "sex:x": want sex, age_band, phenotype:GENE, diplotype:GENE, condition:ICD10 or medication:ATC`},
		{"bands", `{"age_bands": [40, 18]}`, `cohort.json: age_bands[1]: cohort: bad cohort definition: 18: want increasing ages from 1 to 150`},
		{"empty", ``, `cohort.json:1: cohort: bad cohort definition: EOF`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode("cohort.json", strings.NewReader(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrDefinition) {
				t.Errorf("%v does not wrap ErrDefinition", err)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %s\nwant %s", err, tc.want)
			}
		})
	}
}

// FuzzDecode: no input panics; a definition that decodes encodes and
// decodes to itself.
func FuzzDecode(f *testing.F) {
	f.Add(example)
	f.Add(`{}`)
	f.Add(`{"dimensions":["age_band","diplotype:CYP2D6"],"age_bands":[1,2]}`)
	f.Add(`{"pgx":[{"gene":"DPYD","diplotypes":["*1/*2A"]}],"age":{"max":0}}`)
	f.Fuzz(func(t *testing.T, in string) {
		d, err := Decode("fuzz.json", strings.NewReader(in))
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrDefinition) && de.Line == 0 {
				t.Fatalf("error %v is not a located DecodeError", err)
			}
			return
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		d2, err := Decode("again.json", bytes.NewReader(b))
		if err != nil {
			t.Fatalf("re-decoding %s: %v", b, err)
		}
		if diff := cmp.Diff(d, d2, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("round trip (-first +second):\n%s", diff)
		}
	})
}

func TestTabulate(t *testing.T) {
	pm := map[string]GeneResult{"CYP2C19": {Phenotype: "Poor Metabolizer", Diplotypes: []string{"*2/*2"}}}
	nm := map[string]GeneResult{"CYP2C19": {Phenotype: "Normal Metabolizer", Diplotypes: []string{"*1/*1"}}}
	amb := map[string]GeneResult{"CYP2C19": {Phenotype: "Intermediate Metabolizer", Diplotypes: []string{"*1/*2", "*2/*17"}}}
	ps := []Participant{
		{Key: "S1", Sex: "female", BirthYear: 1960, Conditions: []string{"I21.9"}, Medications: []string{"B01AC04"}, PGx: pm},
		{Key: "S2", Sex: "male", BirthYear: 1970, Conditions: []string{"E11"}, PGx: nm},
		{Key: "S3", Sex: "female", BirthYear: 2010, Conditions: []string{"I219"}, PGx: amb},
		{Key: "S4", BirthYear: 0, Conditions: []string{"I21"}},
		{Key: "S5", Sex: "male", BirthYear: 1950, Medications: []string{"B01AC06"}, PGx: nm},
	}
	for _, tc := range []struct {
		name string
		def  string
		rows []string
		cols []string
		want [][][]string
	}{
		{"total", `{}`, nil, nil, [][][]string{{{"S1", "S2", "S3", "S4", "S5"}}}},
		{"ICD-10 prefix with or without dot", `{"conditions":["I21"]}`, nil, nil, [][][]string{{{"S1", "S3", "S4"}}}},
		{"ATC prefix", `{"medications":["B01AC"]}`, nil, nil, [][][]string{{{"S1", "S5"}}}},
		{"unknown age never in a band", `{"age":{"min":0}}`, nil, nil, [][][]string{{{"S1", "S2", "S3", "S5"}}}},
		{"ambiguous diplotype never matches", `{"pgx":[{"gene":"CYP2C19","diplotypes":["*1/*2","*2/*2"]}]}`, nil, nil, [][][]string{{{"S1"}}}},
		{"phenotype case", `{"pgx":[{"gene":"CYP2C19","phenotypes":["poor metabolizer"]}]}`, nil, nil, [][][]string{{{"S1"}}}},
		{"sex by age band", `{"dimensions":["sex","age_band"],"age_bands":[18,65]}`,
			[]string{"female", "male", "unknown"}, []string{"<18", "18-64", "65+", "unknown"},
			[][][]string{{{"S3"}, nil, {"S1"}, nil}, {nil, {"S2"}, {"S5"}, nil}, {nil, nil, nil, {"S4"}}}},
		{"diplotype", `{"dimensions":["diplotype:CYP2C19"]}`, []string{"*1/*1", "*2/*2", "ambiguous", "not called"}, nil,
			[][][]string{{{"S2", "S5"}}, {{"S1"}}, {{"S3"}}, {{"S4"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Decode(tc.name, strings.NewReader(tc.def))
			if err != nil {
				t.Fatal(err)
			}
			got := Tabulate(d, ps, 2026)
			if diff := cmp.Diff(tc.rows, got.Rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.cols, got.Cols); diff != "" {
				t.Errorf("cols (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, memberKeys(got, ps)); diff != "" {
				t.Errorf("members (-want +got):\n%s", diff)
			}
		})
	}
}

// memberKeys returns a tabulation's members by key.
func memberKeys(t Tabulation, ps []Participant) [][][]string {
	out := make([][][]string, len(t.Members))
	for r, row := range t.Members {
		out[r] = make([][]string, len(row))
		for c, m := range row {
			for i, n := range m {
				if i > 0 && m[i-1] >= n {
					panic("members not increasing")
				}
				out[r][c] = append(out[r][c], ps[n].Key)
			}
		}
	}
	return out
}

// TestColumnsReused: one Columns answers many questions (its dimension
// columns kept between them) as a fresh tabulation does, with ages
// reckoned in each question's year and age bands, and a question nobody
// matches has one empty cell.
func TestColumnsReused(t *testing.T) {
	nm := map[string]GeneResult{"CYP2C19": {Phenotype: "Normal Metabolizer", Diplotypes: []string{"*1/*1"}}}
	ps := []Participant{
		{Key: "S1", Sex: "female", BirthYear: 1960, PGx: nm},
		{Key: "S2", Sex: "male", BirthYear: 2010},
		{Key: "S3", BirthYear: 1990, Conditions: []string{"E11"}, PGx: nm},
	}
	cols := NewColumns(ps)
	for _, q := range []struct {
		def  string
		year int
	}{
		{`{"dimensions":["age_band","sex"]}`, 2026},
		{`{"dimensions":["age_band","sex"]}`, 2030},
		{`{"dimensions":["age_band","sex"],"age_bands":[30]}`, 2030},
		{`{"dimensions":["phenotype:CYP2C19"]}`, 2026},
		{`{"dimensions":["sex","phenotype:CYP2C19"],"conditions":["E11"]}`, 2026},
		{`{"dimensions":["sex"],"conditions":["Z99"]}`, 2026},
	} {
		d, err := Decode("q", strings.NewReader(q.def))
		if err != nil {
			t.Fatal(err)
		}
		got, want := cols.Tabulate(d, q.year), NewColumns(ps).Tabulate(d, q.year)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s in %d (-fresh +reused):\n%s", q.def, q.year, diff)
		}
	}
	d, _ := Decode("q", strings.NewReader(`{"dimensions":["sex"],"conditions":["Z99"]}`))
	if got := cols.Tabulate(d, 2026); got.Rows != nil || len(got.Members) != 1 || len(got.Members[0]) != 1 || len(got.Members[0][0]) != 0 {
		t.Errorf("nobody matches: %+v", got)
	}
	d, _ = Decode("q", strings.NewReader(`{"dimensions":["age_band"]}`))
	if got := cols.Tabulate(d, 2030); !slices.Equal(got.Rows, []string{"18-29", "40-49", "70-79"}) {
		t.Errorf("age bands in 2030: %v", got.Rows)
	}
}
