package rules

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/varamu/varamu/pharmacogenomics"
)

// FuzzCompileExpr: any text either compiles or gives positioned errors;
// never a panic.
func FuzzCompileExpr(f *testing.F) {
	for _, s := range []string{
		`phenotype["CYP2C19"] == "Poor Metabolizer"`,
		`("CYP2D6" in score && score["CYP2D6"] in [0.25, 0.5]) && !called["TPMT"]`,
		`(age == null || age >= 18.0) && "amiodarone" in medications`,
		`score["CYP2D6"] ==`, `"*57:01" in alleles["HLA-B"]`, `[1,2,3].map(x, x*2)`, `((((`, `"\u00`, "",
		`diplotypes["CYP2C9"].exists(d, d.startsWith("*3"))`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		errs := CompileExpr(expr)
		for _, e := range errs {
			if e.Msg == "" {
				t.Errorf("error without message for %q", expr)
			}
			if e.Line < 0 || e.Column < 0 {
				t.Errorf("negative position %d:%d", e.Line, e.Column)
			}
		}
	})
}

// FuzzLoad: the loader returns an engine or an error, never panics, and an
// engine it returns can evaluate a patient without data.
func FuzzLoad(f *testing.F) {
	f.Add(Embedded()[:4000])
	f.Add([]byte(`{"format":"varamu-pgx-rules/1","dataVersion":"v","guidelines":[{"id":"G","body":"CPIC","name":"n","source":"s"}],` +
		`"rules":[{"id":"r","drugs":["d"],"genes":["CYP2C19"],"when":"phenotype[\"CYP2C19\"] == \"Poor Metabolizer\"","action":"avoid","text":"t","strength":"strong","guideline":"G"}]}`))
	f.Add([]byte(`{"format":"varamu-pgx-rules/1","rules":[{"when":"1/0 == 1"}]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Load(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			var pe *ParseError
			var le *LoadError
			if !errors.As(err, &pe) && !errors.As(err, &le) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			return
		}
		for _, d := range e.Drugs() {
			if _, err := e.Recommend(context.Background(), pharmacogenomics.SampleCalls{Sample: "s"}, Patient{}, d); err != nil {
				t.Fatalf("drug %s: %v", d, err)
			}
		}
	})
}
