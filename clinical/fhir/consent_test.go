package fhir

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/varamu/varamu/clinical/consent"
)

// TestConsentRoundTrip pins the boundary with package consent: every kind of
// event survives ToFHIR -> JSON -> Decode -> Model -> FromFHIR unchanged.
func TestConsentRoundTrip(t *testing.T) {
	at := time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
	events := []consent.Event{
		{Person: "p1", At: at, Kind: consent.CloseRecord},
		{Person: "p1", At: at, Kind: consent.OpenRecord},
		{Person: "p1", At: at, Kind: consent.CloseDocument, Document: "doc-7"},
		{Person: "p1", At: at, Kind: consent.GiveResearch, Use: consent.DataUse{Permission: consent.HMB, Modifiers: []consent.Code{consent.NCU}}},
		{Person: "p1", At: at, Kind: consent.GiveResearch, Use: consent.DataUse{Permission: consent.DS, Diseases: []string{"E11", "I10"}}},
		{Person: "p1", At: at, Kind: consent.Withdraw},
		{Person: "p1", At: at, Kind: consent.ReturnOfResults, Given: true},
		{Person: "p1", At: at, Kind: consent.SecondaryFindings, Given: false},
		{Person: "p1", At: at, Kind: consent.Authorise, Agent: "p2", From: at, Until: at.AddDate(1, 0, 0)},
		{Person: "p1", At: at, Kind: consent.Revoke, Agent: "p2"},
	}
	var buf bytes.Buffer
	for i, e := range events {
		r, err := consent.ToFHIR(e, "c"+string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteNDJSON(&buf, ConsentFromModel(r)); err != nil {
			t.Fatal(err)
		}
	}
	rd := NewReader(NewNDJSONReader(&buf, "consents.ndjson"), testDecoder())
	for i := 0; ; i++ {
		it, err := rd.Read()
		if err == io.EOF {
			if i != len(events) {
				t.Fatalf("read %d of %d", i, len(events))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := consent.FromFHIR(it.Resource.(*Consent).Model())
		if err != nil || !ok {
			t.Fatalf("event %d: %v %v", i, ok, err)
		}
		want := events[i]
		want.Source = "c" + string(rune('a'+i))
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("event %d (-want +got):\n%s", i, d)
		}
	}
}

func TestWriteBundleReadsBack(t *testing.T) {
	var buf bytes.Buffer
	r, _ := consent.ToFHIR(consent.Event{Person: "p1", At: time.Now(), Kind: consent.Withdraw}, "w1")
	if err := WriteBundle(&buf, ConsentFromModel(r)); err != nil {
		t.Fatal(err)
	}
	rd := NewReader(NewBundleReader(&buf, "b.json"), testDecoder())
	it, err := rd.Read()
	if err != nil {
		t.Fatal(err)
	}
	if it.Resource.ResourceID() != "w1" || it.Raw.FullURL != "Consent/w1" {
		t.Errorf("%+v", it.Raw)
	}
}
