package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/varamu/varamu/audit"
)

type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDevCAAndServe runs the README's steps: a demo store, dev-ca, serve
// on a free port, calls as a professional and without a certificate, the
// CLI commands that are clients of the server, then shutdown.
func TestDevCAAndServe(t *testing.T) {
	tmp := t.TempDir()
	if _, _, err := run(t, "demo", "--people", "400", "--background", "200", "--out", tmp); err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(tmp, "ca")
	out, _, err := run(t, "dev-ca", "--store", filepath.Join(tmp, "store"), "--out", ca)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"ca.pem", "server.pem", "server.key", "crl.pem", "serve.toml", "ids.tsv", "ehr.jwks.json", "ehr.key", "projects.json",
		"professional.p12", "patient.pem", "parent.key", "child.pem", "representative.pem", "researcher.pem", "expired-licence.pem", "revoked.p12"} {
		if _, err := os.Stat(filepath.Join(ca, f)); err != nil {
			t.Errorf("dev-ca did not write %s", f)
		}
	}
	if !strings.Contains(out, "wrote 33 files") {
		t.Errorf("dev-ca output: %s", out)
	}
	ids, _ := os.ReadFile(filepath.Join(ca, "ids.tsv"))
	var patient string
	for _, l := range strings.Split(string(ids), "\n") {
		if f := strings.Split(l, "\t"); f[0] == "patient" {
			patient = f[1]
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cmd := newRootCmd()
	stdout, stderr := &syncBuf{}, &syncBuf{}
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	cmd.SetArgs([]string{"serve", "--store", filepath.Join(tmp, "store"), "--config", filepath.Join(ca, "serve.toml"), "--addr", "127.0.0.1:0"})
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	var url string
	for deadline := time.Now().Add(30 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if s, ok := strings.CutPrefix(stdout.String(), "listening on "); ok {
			url = strings.TrimSpace(s)
		}
	}
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		cancel()
		t.Fatalf("serve printed %q (stderr %s)", stdout.String(), stderr.String())
	}
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(filepath.Join(ca, "ca.pem"))
	pool.AppendCertsFromPEM(pem)
	cert, err := tls.LoadX509KeyPair(filepath.Join(ca, "professional.pem"), filepath.Join(ca, "professional.key"))
	if err != nil {
		t.Fatal(err)
	}
	call := func(c *tls.Certificate, path string) (int, string) {
		cfg := &tls.Config{RootCAs: pool}
		if c != nil {
			cfg.Certificates = []tls.Certificate{*c}
		}
		resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}).Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := call(&cert, "/fhir/$find-subject-haplotypes?subject="+patient+"&genes=CYP2C19"); st != 200 || !strings.Contains(body, "84413-4") {
		t.Errorf("professional: %d %s", st, body)
	}
	if st, _ := call(nil, "/fhir/$find-subject-haplotypes?subject="+patient+"&genes=CYP2C19"); st != 401 {
		t.Errorf("no certificate: %d", st)
	}
	// serve read dev-ca's projects.json: the researcher is a member of
	// demo-hmb (the research API's own tests are in server/research).
	rcert, err := tls.LoadX509KeyPair(filepath.Join(ca, "researcher.pem"), filepath.Join(ca, "researcher.key"))
	if err != nil {
		t.Fatal(err)
	}
	if st, body := call(&rcert, "/research/demo-hmb/beacon/g_variants?referenceName=1&start=0&referenceBases=A&alternateBases=G"); st != 200 || !strings.Contains(body, `"exists":false`) {
		t.Errorf("researcher: %d %s", st, body)
	}
	serverClients(t, url, ca, patient, filepath.Join(tmp, "store"))
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

// serverClients runs the commands that act as a professional or a patient
// against the server at url, with dev-ca's certificates in ca.
func serverClients(t *testing.T, url, ca, patient, store string) {
	as := func(name string) []string {
		return []string{"--server", url, "--cert", filepath.Join(ca, name+".pem"), "--key", filepath.Join(ca, name+".key"), "--ca", filepath.Join(ca, "ca.pem")}
	}
	cases := []struct {
		name    string
		args    []string
		want    string // in stdout
		wantErr string
	}{
		{"professional: recommendations", append([]string{"pgx", "recommend", "--patient", patient, "--drug", "clopidogrel,simvastatin"}, as("professional")...), "clopidogrel", ""},
		{"blank emergency reason", append([]string{"pgx", "recommend", "--patient", patient, "--emergency", " "}, as("professional")...), "", "not a sentence"},
		{"researcher is no professional", append([]string{"pgx", "recommend", "--patient", patient}, as("researcher")...), "", "403 access denied"},
		{"no certificate flags", []string{"pgx", "recommend", "--server", url, "--patient", patient}, "", "--cert, --key and --ca are required"},
		{"patient: who looked", append([]string{"audit", "who", "--person", patient, "--proofs", filepath.Join(t.TempDir(), "proofs")}, as("patient")...), "professional", ""},
		{"professional may not read the access log", append([]string{"audit", "who", "--person", patient}, as("professional")...), "", "403 access denied"},
		{"patient: own consents", append([]string{"consent", "export", "--person", patient}, as("patient")...), `"resourceType":"Consent"`, ""},
		{"stranger: someone's consents", append([]string{"consent", "export", "--person", patient}, as("researcher")...), "", "403 access denied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := run(t, c.args...)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q (out %.300s)", err, c.wantErr, out)
				}
				return
			}
			if err != nil || !strings.Contains(out, c.want) {
				t.Fatalf("%v: want %q in %.500s", err, c.want, out)
			}
		})
	}
	// What was exported ingests again as the same history.
	out, _, err := run(t, append([]string{"consent", "export", "--person", patient}, as("patient")...)...)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, `"resourceType":"Consent"`); n == 0 || n != strings.Count(out, "\n") {
		t.Errorf("export: %d Consent resources in %d lines", n, strings.Count(out, "\n"))
	}
	re := filepath.Join(t.TempDir(), "Consent.ndjson")
	os.WriteFile(re, []byte(out), 0o644)
	if _, _, err := run(t, "ingest", "fhir", "--store", store, re); err != nil {
		t.Errorf("re-ingest of exported consents: %v", err)
	}
}

// researcherAccess is the proved entry of res-1's access to person, as the
// access-log route of varamu serve proves it (audit.ProveEntries).
func researcherAccess(t *testing.T, dir, person string) audit.EntryProof {
	t.Helper()
	es, err := audit.ByPerson(context.Background(), dir, person)
	if err != nil {
		t.Fatal(err)
	}
	proved, err := audit.ProveEntries(context.Background(), dir, es, audit.VerifyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range proved {
		if p.Entry.Actor == "res-1" && p.Entry.Role == "researcher" && p.Proof != nil {
			return p
		}
	}
	t.Fatalf("no proved access of res-1 to %s in %d entries", person, len(proved))
	return audit.EntryProof{}
}

// whoLookedTable is what `audit who` prints for person: the entries the
// server's access-log route proves (without deciding a new access).
func whoLookedTable(t *testing.T, dir, person string) string {
	t.Helper()
	var es []audit.Entry
	for _, who := range []string{person, "*"} { // the person's and every participant's
		e, err := audit.ByPerson(context.Background(), dir, who)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, e...)
	}
	proved, err := audit.ProveEntries(context.Background(), dir, es, audit.VerifyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	cmd := newAuditWhoCmd()
	cmd.SetOut(&b)
	if err := whoTable(cmd, proved); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
