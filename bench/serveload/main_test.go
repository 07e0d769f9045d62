package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestOrderSignBody: the appended body is byte for byte what marshalling
// the request as a map gives (the generator's former way).
func TestOrderSignBody(t *testing.T) {
	people := []string{"48501010001", `odd"name\`}
	next := orderSignTargeter("https://x", people)
	for range 50 {
		var tg vegeta.Target
		if err := next(&tg); err != nil {
			t.Fatal(err)
		}
		var got struct {
			HookInstance string `json:"hookInstance"`
			Context      struct {
				PatientID   string `json:"patientId"`
				DraftOrders struct {
					Entry []struct {
						Resource struct {
							Med struct {
								Text string `json:"text"`
							} `json:"medicationCodeableConcept"`
						} `json:"resource"`
					} `json:"entry"`
				} `json:"draftOrders"`
			} `json:"context"`
		}
		if err := json.Unmarshal(tg.Body, &got); err != nil {
			t.Fatalf("%s: %v", tg.Body, err)
		}
		p, d := got.Context.PatientID, got.Context.DraftOrders.Entry[0].Resource.Med.Text
		if !slices.Contains(people, p) || !slices.Contains(drugs, d) || tg.URL != "https://x/cds-services/varamu-pgx-order-sign" {
			t.Fatalf("patient %q, drug %q, URL %s", p, d, tg.URL)
		}
		want, _ := json.Marshal(map[string]any{"hook": "order-sign", "hookInstance": got.HookInstance,
			"context": map[string]any{"userId": "Practitioner/load", "patientId": p, "draftOrders": map[string]any{"resourceType": "Bundle",
				"entry": []any{map[string]any{"resource": map[string]any{"resourceType": "MedicationRequest", "id": "mr", "medicationCodeableConcept": map[string]any{"text": d}}}}}}})
		if string(tg.Body) != string(want) {
			t.Fatalf("body\n%s\nwant\n%s", tg.Body, want)
		}
	}
}

// TestSyncStats: the journal's fdatasync histogram is read from the text
// format and a run's share is the difference of two readings.
func TestSyncStats(t *testing.T) {
	read := func(text string) syncHist {
		h, err := parseSyncs(strings.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := read(`# HELP varamu_audit_journal_sync_seconds x
varamu_audit_journal_sync_seconds_bucket{le="0.01"} 10
varamu_audit_journal_sync_seconds_bucket{le="0.05"} 10
varamu_audit_journal_sync_seconds_bucket{le="0.1"} 10
varamu_audit_journal_sync_seconds_bucket{le="+Inf"} 10
varamu_audit_journal_sync_seconds_sum 0.01
varamu_audit_journal_sync_seconds_count 10
varamu_http_requests_total{route="x",status="200"} 5
`)
	after := read(`varamu_audit_journal_sync_seconds_bucket{le="0.01"} 16
varamu_audit_journal_sync_seconds_bucket{le="0.05"} 18
varamu_audit_journal_sync_seconds_bucket{le="0.1"} 19
varamu_audit_journal_sync_seconds_bucket{le="+Inf"} 20
varamu_audit_journal_sync_seconds_sum 0.51
varamu_audit_journal_sync_seconds_count 20
`)
	want := "audit journal fdatasyncs: 10, mean 50.00 ms, over 10 ms 4, over 50 ms 2, over 100 ms 1"
	if got := after.since(before); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := parseSyncs(strings.NewReader("varamu_audit_journal_sync_seconds_sum x\n")); err == nil {
		t.Error("a bad value is not an error")
	}
}
