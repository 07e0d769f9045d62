package alerts

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestWriteGolden(t *testing.T) {
	// Literal alerts: the golden files test formatting, not rule wording.
	got := []Alert{
		{Person: "49001010001", Sample: "V00000001", Drug: "codeine", Prescription: "mr-1", Authored: tln(2025, 12, 1),
			Requester: "pr-00001", Action: "avoid", Strength: "strong", Text: "Avoid codeine, it will not relieve pain.",
			Guideline: "CPIC PA166104996", GuidelineURL: "https://example.org/g", Rule: "CPIC-1-codeine",
			Genes: []GeneFact{{Gene: "CYP2D6", Diplotypes: []string{"*1/*1"}, Phenotype: "Poor Metabolizer", Activity: "0",
				Genotypic: "Normal Metabolizer", Conversion: "converted, paroxetine", Source: "outside"}},
			Caveats: []string{"CYP2D6 is an outside call"}, Facts: []string{"age 65", "co-medication paroxetine"},
			RuleDataVersion: "rules-v1", CallDataVersion: "calls-v1", AuditIndex: 4},
		{Person: "49001010001", Sample: "V00000001", Drug: "warfarin", Prescription: "mr-2", Authored: tln(2025, 11, 1),
			Action: "use-algorithm", Strength: "strong", Text: "Dose by the algorithm, \"quoted\", with a comma.",
			Guideline: "CPIC PA166104949", Population: "adults", Rule: "CPIC-2-warfarin",
			Genes: []GeneFact{{Gene: "CYP2C9", Diplotypes: []string{"*1/*2"}, Phenotype: "Intermediate Metabolizer", Activity: "1.5"},
				{Gene: "VKORC1", Diplotypes: []string{"rs9923231 reference (C)/rs9923231 variant (T)"}, Phenotype: "-1639 AG"}},
			Caveats: []string{}, Facts: []string{"age 65", "weight 80 kg"}, RuleDataVersion: "rules-v1", AuditIndex: 4},
	}
	for _, format := range Formats {
		t.Run(format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, format, got); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", "alerts."+format)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(want, b.Bytes()) {
				t.Errorf("%s output differs from %s (run with -update to accept):\n%s", format, path, b.String())
			}
		})
	}
	if err := Write(&bytes.Buffer{}, "xml", got); err == nil {
		t.Error("format xml accepted")
	}
	var empty bytes.Buffer
	if err := Write(&empty, "json", nil); err != nil || empty.String() != "[]\n" {
		t.Errorf("empty JSON = %q, %v", empty.String(), err)
	}
}
