package main

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// readmeDay is the moment the README's examples are decided at, whatever
// the day of the run: the demo's synthetic biobank is anchored to its day
// (people's ages, current prescriptions, consents), and every decision is
// made as of it, so the README's outputs (counts, audit entry numbers,
// which consents hold) are the same on every day the test runs. It is
// 02:30 in Tallinn, hours from a change of day during the run.
//
// The certificates 'varamu dev-ca' makes in the README are valid from an
// hour before this moment for a year (the CA for ten), and curl and Go's
// TLS client check the server's with the wall clock: the README test
// needs readmeDay in the past, and moved forward (with -update) before
// 2027-12-02.
var readmeDay = time.Date(2026, 12, 2, 0, 30, 0, 0, time.UTC)

// clockEnv passes the README clock to the test binary run as "varamu":
// only the test binary reads it (readmeVaramu); the real command's
// decisions are always at the wall clock.
const clockEnv = "VARAMU_README_CLOCK"

// readmeClockValue is clockEnv's value for a README run that starts at
// start: readmeDay and start, so that every process of the run shares one
// clock that moves forward from readmeDay as the wall clock does.
func readmeClockValue(start time.Time) string {
	return readmeDay.Format(time.RFC3339Nano) + " " + strconv.FormatInt(start.UnixNano(), 10)
}

// readmeClock parses clockEnv's value into a clock: readmeDay plus the
// time since the run started.
func readmeClock(v string) (func() time.Time, error) {
	day, start, ok := strings.Cut(v, " ")
	if !ok {
		return nil, fmt.Errorf("%s=%q: want a time and a start in Unix nanoseconds", clockEnv, v)
	}
	t, err := time.Parse(time.RFC3339Nano, day)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", clockEnv, err)
	}
	ns, err := strconv.ParseInt(start, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: start: %w", clockEnv, err)
	}
	t0 := time.Unix(0, ns)
	return func() time.Time { return t.Add(time.Since(t0)) }, nil
}

func TestReadmeClock(t *testing.T) {
	start := time.Now().Add(-time.Minute)
	now, err := readmeClock(readmeClockValue(start))
	if err != nil {
		t.Fatal(err)
	}
	got := now()
	if d := got.Sub(readmeDay); d < time.Minute || d > 2*time.Minute {
		t.Errorf("README clock %s: want readmeDay plus the minute since the run started", got)
	}
	for _, bad := range []string{"", "2026-12-02T10:00:00Z", "yesterday 1", "2026-12-02T10:00:00Z soon"} {
		if _, err := readmeClock(bad); err == nil {
			t.Errorf("readmeClock(%q): no error", bad)
		}
	}
}
