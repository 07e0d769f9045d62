package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/query"
)

// researchSession opens a researcher's SQL session (research use HMB) on
// the store in dir as actor, runs sql when it is not empty, and returns the
// CSV result and the session's summary. The command line has no researcher
// session (researchers are clients of varamu serve); tests that need the
// decisions such a session logs open it through the library, as the
// research server does.
func researchSession(t *testing.T, dir, actor string, at time.Time, sql string) (string, string, error) {
	t.Helper()
	e, err := query.OpenAs(t.Context(), dir, query.Config{Role: query.Researcher, Actor: actor,
		Use: consent.ResearchUse{Purpose: consent.HMB, GeneticStudy: true}, At: at})
	if err != nil {
		return "", "", err
	}
	defer e.Close()
	if sql == "" {
		return "", e.Summary, nil
	}
	res, err := e.Run(t.Context(), sql)
	if err != nil {
		return "", e.Summary, err
	}
	var b bytes.Buffer
	err = res.WriteCSV(&b)
	return b.String(), e.Summary, err
}
