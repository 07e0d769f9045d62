package devca

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/varamu/varamu/research/projects"
)

// DemoProject is the approved research project dev-ca writes to
// projects.json: purpose HMB (health/medical/biomedical research), its
// one member the "researcher" person, open from a year before the day
// dev-ca ran to a year after.
const DemoProject = "demo-hmb"

// projectsJSON is projects.json with DemoProject for researcher (their
// personal code); the file decodes with package research/projects.
func projectsJSON(researcher string, now time.Time) ([]byte, error) {
	day := func(t time.Time) projects.Date {
		y, m, d := t.UTC().Date()
		return projects.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
	}
	f := projects.File{Projects: []projects.Project{{
		ID: DemoProject, Title: "Development project: PGx in health and medical research", Purpose: "HMB",
		WillPublish: true, Members: []string{researcher}, EthicsApproval: "DEV-ETHICS-0001 (loopback trials only)",
		Start: day(now.AddDate(-1, 0, 0)), End: day(now.AddDate(1, 0, 0)), Threshold: projects.DefaultThreshold,
	}}}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("devca: projects.json: %w", err)
	}
	return append(b, '\n'), nil
}

// projects writes projects.json for the "researcher" person of people.
func (w *writer) projects(people []Person, now time.Time) error {
	for _, p := range people {
		if p.Name == "researcher" {
			b, err := projectsJSON(p.Isikukood, now)
			if err != nil {
				return err
			}
			w.file("projects.json", b, 0o644)
			return nil
		}
	}
	return fmt.Errorf("devca: no researcher among the people: %w", ErrNoCandidate)
}
