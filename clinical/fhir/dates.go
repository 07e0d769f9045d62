package fhir

import (
	"fmt"
	"time"
)

// ParseDate parses a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) and returns
// the start of the period it names, in UTC.
func ParseDate(s string) (time.Time, error) {
	var layout string
	switch len(s) {
	case 4:
		layout = "2006"
	case 7:
		layout = "2006-01"
	case 10:
		layout = time.DateOnly
	default:
		return time.Time{}, fmt.Errorf("%q is not a FHIR date (want YYYY, YYYY-MM or YYYY-MM-DD)", s)
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a FHIR date (want YYYY, YYYY-MM or YYYY-MM-DD)", s)
	}
	return t, nil
}

// ParseDateTime parses a FHIR dateTime or instant: a FHIR date, or
// YYYY-MM-DDThh:mm:ss with optional fraction and a zone (Z or ±hh:mm). A
// time without a zone is taken as UTC. The result is in UTC.
func ParseDateTime(s string) (time.Time, error) {
	if len(s) <= 10 {
		return ParseDate(s)
	}
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a FHIR dateTime (want YYYY-MM-DDThh:mm:ss[.f](Z|±hh:mm))", s)
}
