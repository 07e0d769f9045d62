package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/server"
)

// TestPersonRoutes: a person's access log (with inclusion proofs) and
// consent history are for the person and their representatives only; every
// refusal has the right status, is logged and leaks nothing.
func TestPersonRoutes(t *testing.T) {
	r := start(t, nil)
	b := fixture(t)
	patient := r.People["patient"].Isikukood
	child := r.People["child"].Isikukood
	cases := []struct {
		name   string
		client *http.Client
		person string
		status int
	}{
		{"no certificate", r.client(nil), patient, 401},
		{"revoked certificate", r.as(t, "revoked"), patient, 401},
		{"professional (treatment is not a purpose here)", r.as(t, "professional"), patient, 403},
		{"patient A asking for patient B", r.as(t, "patient"), child, 403},
		{"child asking for parent", r.as(t, "child"), r.People["parent"].Isikukood, 403},
		{"patient for self", r.as(t, "patient"), patient, 200},
		{"parent for child", r.as(t, "parent"), child, 200},
	}
	for _, c := range cases {
		for _, route := range []string{"access-log", "consents"} {
			t.Run(c.name+"/"+route, func(t *testing.T) {
				before, _ := denials(t, b.dir, c.person)
				resp, err := c.client.Get(r.URL + "/people/" + c.person + "/" + route)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != c.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
				}
				if c.status != 200 {
					if after, _ := denials(t, b.dir, c.person); after <= before {
						t.Errorf("refusal not logged: %d denials before, %d after", before, after)
					}
					noLeak(t, body, c.person)
					return
				}
				checkPersonBody(t, route, c.person, body)
			})
		}
	}
}

func checkPersonBody(t *testing.T, route, person string, body []byte) {
	t.Helper()
	if route == "consents" {
		var bundle struct {
			ResourceType, Type string
			Entry              []struct{ Resource struct{ ResourceType string } }
		}
		if err := json.Unmarshal(body, &bundle); err != nil || bundle.ResourceType != "Bundle" || len(bundle.Entry) == 0 || bundle.Entry[0].Resource.ResourceType != "Consent" {
			t.Errorf("not a Bundle of Consents (%v): %.300s", err, body)
		}
		return
	}
	var log server.AccessLog
	if err := json.Unmarshal(body, &log); err != nil || log.Person != person || len(log.Entries) == 0 {
		t.Fatalf("access log (%v): %.300s", err, body)
	}
	// Earlier accesses are covered by a checkpoint (published every 100
	// ms) and carry a proof the server checked.
	proved := 0
	for _, e := range log.Entries {
		if e.Proof != nil && e.Verified == strings.HasPrefix(e.Status, "verified") {
			proved++
		}
		if e.Rule == "" || e.Purpose == "" || e.Logged.After(time.Now()) {
			t.Errorf("entry %+v", e)
		}
	}
	if proved == 0 {
		t.Errorf("no entry carries an inclusion proof: %+v", log.Entries)
	}
}
