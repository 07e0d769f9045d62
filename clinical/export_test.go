package clinical

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/varamu/varamu/clinical/consent"
	"github.com/varamu/varamu/clinical/fhir"
)

// TestExportConsentsRoundTrip: consents ingested as FHIR come back out as
// FHIR that decodes to the same events; a later version of a Consent
// resource replaces the earlier one; replay gives the state at a date.
func TestExportConsentsRoundTrip(t *testing.T) {
	s := openStore(t)
	at := testNow.AddDate(-2, 0, 0)
	events := []consent.Event{
		{Person: "a", At: at, Kind: consent.GiveResearch, Use: consent.DataUse{Permission: consent.DS, Diseases: []string{"E11"}}},
		{Person: "a", At: at.AddDate(0, 1, 0), Kind: consent.CloseRecord},
		{Person: "a", At: at.AddDate(0, 2, 0), Kind: consent.Authorise, Agent: "b", Until: at.AddDate(1, 0, 0)},
		{Person: "a", At: at.AddDate(0, 3, 0), Kind: consent.Withdraw},
	}
	var nd strings.Builder
	for i, e := range events {
		r, _ := consent.ToFHIR(e, "k"+string(rune('1'+i)))
		fhir.WriteNDJSON(&nd, fhir.ConsentFromModel(r))
	}
	dir := writeFiles(t, map[string]string{"Patient.ndjson": lines(patA, patB), "Consent.ndjson": nd.String()})
	cfg, _ := testConfig(t)
	if _, err := Ingest(context.Background(), s, []string{dir}, cfg); err != nil {
		t.Fatal(err)
	}
	pb := column(t, s, "persons", "person_id")[1]
	const pa = "36805280109"

	var buf bytes.Buffer
	n, err := ExportConsents(context.Background(), s, testPermit(pa), pa, &buf, false)
	if err != nil || n != 4 {
		t.Fatalf("exported %d: %v", n, err)
	}
	rd := fhir.NewReader(fhir.NewNDJSONReader(&buf, "export"), fhir.NewDecoder(fhir.Config{Now: testNow}))
	var got []consent.Event
	for {
		it, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		e, ok, err := consent.FromFHIR(it.Resource.(*fhir.Consent).Model())
		if err != nil || !ok {
			t.Fatal(err)
		}
		got = append(got, e)
	}
	var want []consent.Event
	for i, e := range events {
		e.Person, e.Source = pa, "k"+string(rune('1'+i))
		if e.Agent == "b" {
			e.Agent = pb
		}
		if e.Kind == consent.Authorise {
			e.From = e.At // ToFHIR writes the start it implies
		}
		want = append(want, e)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}

	// A new version of k2 (the record reopened instead of closed) wins.
	r, _ := consent.ToFHIR(consent.Event{Person: "a", At: at.AddDate(0, 1, 0), Kind: consent.OpenRecord}, "k2")
	var nd2 strings.Builder
	fhir.WriteNDJSON(&nd2, fhir.ConsentFromModel(r))
	dir2 := writeFiles(t, map[string]string{"Consent.ndjson": nd2.String()})
	cfg, _ = testConfig(t)
	if _, err := Ingest(context.Background(), s, []string{filepath.Join(dir2, "Consent.ndjson")}, cfg); err != nil {
		t.Fatal(err)
	}
	h, err := ConsentHistory(context.Background(), s, pa)
	if err != nil {
		t.Fatal(err)
	}
	if evs := h.Events(); len(evs) != 4 || evs[1].Kind != consent.OpenRecord {
		t.Errorf("history after new version: %+v", evs)
	}
	st := h.StateAt(at.AddDate(0, 2, 15))
	if st.RecordClosed || st.Research == nil || len(st.Authorisations) != 1 || st.Authorisations[0].Agent != pb {
		t.Errorf("state %+v", st)
	}
	if st := h.StateAt(at.AddDate(0, 4, 0)); st.Research != nil || !st.Withdrawn {
		t.Errorf("after withdrawal %+v", st)
	}
	var bb bytes.Buffer
	if n, err := ExportConsents(context.Background(), s, testPermit(pb), pb, &bb, true); err != nil || n != 0 || !strings.Contains(bb.String(), `"entry": []`) {
		t.Errorf("empty export: %d %v %s", n, err, bb.String())
	}
}

// testPermit stands in for access.Permit (package access imports clinical,
// so its tests cannot be used here): it covers one person.
type testPermit string

func (g testPermit) Actor() string { return "test" }

func (g testPermit) CheckPerson(p string) error {
	if p != string(g) {
		return errors.New("not covered")
	}
	return nil
}

// TestExportNeedsAPermit: the export refuses without a permit for the person.
func TestExportNeedsAPermit(t *testing.T) {
	s := openStore(t)
	var buf bytes.Buffer
	if _, err := ExportConsents(context.Background(), s, nil, "36805280109", &buf, false); !errors.Is(err, ErrNoPermit) {
		t.Errorf("without a permit: %v", err)
	}
	if _, err := ExportConsents(context.Background(), s, testPermit("36805280109"), "49403136515", &buf, false); err == nil {
		t.Error("a permit for another person exported")
	}
}
