package fhir

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/varamu/varamu/internal/testref"
)

// syntheaDir holds real Synthea R4 bundles (tests may read ../shared).

func TestSyntheaBundlesDecode(t *testing.T) {
	syntheaDir := testref.Path(t, "synthea-r4")
	files, _ := filepath.Glob(filepath.Join(syntheaDir, "*.json"))
	if len(files) == 0 {
		testref.Missing(t, "no Synthea reference bundles at "+syntheaDir)
	}
	dec := NewDecoder(Config{})
	counts := map[string]int{}
	unknown := map[string]int{}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		br := NewBundleReader(fh, filepath.Base(f))
		r := NewReader(br, dec)
		for {
			it, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if u, ok := it.Resource.(*Unknown); ok {
				unknown[u.ResourceType]++
				continue
			}
			counts[it.Resource.Type()]++
		}
		if br.BundleType() != "transaction" {
			t.Errorf("%s: type %q", f, br.BundleType())
		}
		fh.Close()
	}
	// Counts established with an independent JSON walk (python json) of
	// the same files.
	want := map[string]int{"Patient": 17, "Organization": 27, "Practitioner": 129, "Encounter": 324,
		"Condition": 142, "MedicationRequest": 129, "Observation": 2085}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%s: got %d, want %d", k, counts[k], n)
		}
	}
	if unknown["Claim"] != 453 || unknown["ExplanationOfBenefit"] != 324 {
		t.Errorf("unknown counts %v", unknown)
	}
	t.Logf("decoded %v; skipped %v", counts, unknown)
}
