package clinical

import (
	"strings"
	"testing"
)

func TestViewSQL(t *testing.T) {
	got, ok := ViewSQL("persons", func(n string) string { return "raw_" + n })
	want := "SELECT * FROM raw_persons QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY ingest_seq DESC, row_seq DESC) = 1"
	if !ok || got != want {
		t.Errorf("got %q", got)
	}
	for name := range Views {
		sel, _ := ViewSQL(name, func(n string) string { return "x" })
		if strings.Contains(sel, "{{") {
			t.Errorf("%s: placeholder left in %q", name, sel)
		}
		if _, ok := Schemas[name]; !ok {
			t.Errorf("view %s has no table", name)
		}
	}
	for _, name := range TableNames {
		if _, ok := Views[name]; !ok {
			t.Errorf("table %s has no view", name)
		}
	}
	if _, ok := ViewSQL("nope", nil); ok {
		t.Error("unknown view")
	}
}
