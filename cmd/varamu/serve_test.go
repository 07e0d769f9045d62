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
// on a free port, calls as a professional and without a certificate, then
// shutdown.
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
	if st, body := call(&rcert, "/research/demo-hmb/beacon/g_variants?referenceName=1&start=0&referenceBases=A&alternateBases=G"); st != 200 || !strings.Contains(body, `"exists": false`) {
		t.Errorf("researcher: %d %s", st, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}
