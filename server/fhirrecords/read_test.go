package fhirrecords

import (
	"testing"
	"time"
)

func TestUpcoming(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		status string
		start  time.Time
		want   bool
	}{
		{"booked", now.Add(time.Hour), true},
		{"pending", now.AddDate(0, 1, 0), true},
		{"booked", now.Add(-time.Minute), false},
		{"booked", now, false},
		{"cancelled", now.Add(time.Hour), false},
		{"fulfilled", now.Add(time.Hour), false},
		{"noshow", now.Add(time.Hour), false},
		{"entered-in-error", now.Add(time.Hour), false},
	} {
		if got := (Appointment{Status: c.status, Start: c.start}).Upcoming(now); got != c.want {
			t.Errorf("%s at %s: %v, want %v", c.status, c.start, got, c.want)
		}
	}
}

func TestDocumentLabel(t *testing.T) {
	for _, c := range []struct {
		d    Document
		want string
	}{
		{Document{ID: "d", Kind: "DocumentReference", Type: "Discharge summary", Title: "Discharge 2025"}, "Discharge 2025"},
		{Document{ID: "d", Kind: "DocumentReference", Type: "Discharge summary"}, "Discharge summary"},
		{Document{ID: "d", Kind: "Composition"}, "Composition"},
		{Document{ID: "d"}, "d"},
	} {
		if got := c.d.Label(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.d, got, c.want)
		}
	}
}
