package server

import (
	"slices"
	"testing"

	"github.com/varamu/varamu/research"
)

// TestResearchTablesAreResearchs: the tables the snapshot leaves out of the
// records fingerprint (a research answer or view refresh keeps the access
// directory) are package research's own, named here without importing it.
func TestResearchTablesAreResearchs(t *testing.T) {
	want := []string{research.TableAnswers, research.TableViews, research.SectionViews}
	for _, name := range want {
		if !slices.Contains(researchTables, name) {
			t.Errorf("researchTables %q lacks research's %q", researchTables, name)
		}
	}
	for _, name := range researchTables {
		if !slices.Contains(want, name) {
			t.Errorf("researchTables holds %q, which package research does not write", name)
		}
	}
}
