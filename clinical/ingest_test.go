package clinical

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/varamu/varamu/clinical/isikukood"
	"github.com/varamu/varamu/internal/testref"
	"github.com/varamu/varamu/store"
)

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func testConfig(t *testing.T) (Config, *memory.CheckedAllocator) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	return Config{Now: testNow, MapperKey: []byte("test"), Allocator: mem, BatchRows: 100}, mem
}

func openStore(t *testing.T) *store.Store {
	s, err := store.Open(t.TempDir(), store.Config{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// column reads one string column of a table from the committed store.
func column(t *testing.T, s *store.Store, table, col string) []string {
	t.Helper()
	var out []string
	err := readTable(context.Background(), s.Dir(), s.Manifest(), table, []string{col}, func(rec arrow.RecordBatch) error {
		a := rec.Column(0)
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				out = append(out, "")
				continue
			}
			switch a := a.(type) {
			case *array.String:
				out = append(out, a.Value(i))
			default:
				out = append(out, a.ValueStr(i))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestIngestSynthea(t *testing.T) {
	syntheaDir := testref.Path(t, "synthea-r4")
	files, _ := filepath.Glob(filepath.Join(syntheaDir, "*.json"))
	if len(files) == 0 {
		testref.Missing(t, "no Synthea bundles at "+syntheaDir)
	}
	s := openStore(t)
	cfg, mem := testConfig(t)
	sum, err := Ingest(context.Background(), s, []string{syntheaDir}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mem.AssertSize(t, 0)
	if sum.Files != 18 || sum.Persons != 17 || sum.NewPersons != 17 {
		t.Errorf("files %d persons %d new %d", sum.Files, sum.Persons, sum.NewPersons)
	}
	// Counts from an independent walk of the same files (python json).
	want := map[string]int64{"Patient": 17, "Organization": 27, "Practitioner": 129, "Encounter": 324,
		"Condition": 142, "MedicationRequest": 129, "Observation": 2085}
	for k, n := range want {
		if sum.Resources[k] != n {
			t.Errorf("resources %s: %d, want %d", k, sum.Resources[k], n)
		}
	}
	if sum.Skipped["Claim"] != 453 || sum.Skipped["ExplanationOfBenefit"] != 324 || sum.Skipped["Procedure"] != 194 {
		t.Errorf("skipped %v", sum.Skipped)
	}
	// 2085 observations, 147 with components (2 each for blood pressure),
	// valueless panels with components get no main row.
	if sum.Rows["persons"] != 17 || sum.Rows["medications"] != 129 || sum.Rows["conditions"] != 142 || sum.Rows["encounters"] != 324 {
		t.Errorf("rows %v", sum.Rows)
	}
	persons := column(t, s, "persons", "person_id")
	for _, p := range persons {
		if err := isikukood.Validate(p); err != nil {
			t.Error(err)
		}
	}
	// Every clinical row belongs to an ingested person.
	known := map[string]bool{}
	for _, p := range persons {
		known[p] = true
	}
	for _, table := range []string{"encounters", "conditions", "observations", "medications"} {
		for _, p := range column(t, s, table, "person_id") {
			if !known[p] {
				t.Fatalf("%s: person %q not in persons", table, p)
			}
		}
	}
	deceased := 0
	for _, d := range column(t, s, "persons", "deceased") {
		if d == "true" {
			deceased++
		}
	}
	if deceased != 7 { // 7 Patients carry deceasedDateTime
		t.Errorf("deceased %d, want 7", deceased)
	}
	// Heights are in cm, weights in kg (Synthea writes UCUM cm and kg).
	codes, units := column(t, s, "observations", "code"), column(t, s, "observations", "unit")
	for i, c := range codes {
		if c == LOINCBodyHeight && units[i] != "cm" || c == LOINCBodyWeight && units[i] != "kg" {
			t.Fatalf("observation %d: %s in %q", i, c, units[i])
		}
	}
	drugs := map[string]bool{}
	for _, d := range column(t, s, "medications", "drug") {
		drugs[d] = true
	}
	for _, d := range []string{"clopidogrel", "warfarin", "simvastatin", "ibuprofen", "acetaminophen / oxycodone", "metoprolol"} {
		if !drugs[d] {
			t.Errorf("drug %q missing from %v", d, drugs)
		}
	}

	var sec Section
	if ok, err := s.Manifest().Section(SectionKey, &sec); !ok || err != nil {
		t.Fatal("no clinical section", err)
	}
	if len(sec.Ingests) != 1 || sec.Ingests[0].InputCount != 18 || sec.Ingests[0].Resources["Patient"] != 17 || len(sec.MapperKey) != 32 {
		t.Errorf("section %+v", sec)
	}
	// Re-ingest: same people, same codes, no new id_map rows.
	idRows := len(column(t, s, "id_map", "person_id"))
	cfg2, _ := testConfig(t)
	sum2, err := Ingest(context.Background(), s, []string{syntheaDir}, cfg2)
	if err != nil {
		t.Fatal(err)
	}
	if sum2.NewPersons != 0 || sum2.Rows["id_map"] != 0 {
		t.Errorf("re-ingest: new persons %d, id_map rows %d", sum2.NewPersons, sum2.Rows["id_map"])
	}
	if n := len(column(t, s, "id_map", "person_id")); n != idRows {
		t.Errorf("id_map grew from %d to %d", idRows, n)
	}
	persons2 := column(t, s, "persons", "person_id")
	if len(persons2) != 34 {
		t.Fatalf("persons rows %d", len(persons2))
	}
	for i := 0; i < 17; i++ {
		if persons2[17+i] != persons[i] {
			t.Errorf("person %d: %s then %s", i, persons[i], persons2[17+i])
		}
	}
	seqs := column(t, s, "persons", "ingest_seq")
	if seqs[0] != "1" || seqs[17] != "2" {
		t.Errorf("ingest_seq %v", seqs)
	}
}
