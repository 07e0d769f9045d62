package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/audit"
)

func TestAudit(t *testing.T) {
	tmp := t.TempDir()
	bb, dir := filepath.Join(tmp, "bb"), filepath.Join(tmp, "store")
	if _, _, err := run(t, "datasets", "synth", "--people", "60", "--seed", "2", "--background", "5", "--out", bb); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "ingest", "fhir", "--store", dir, "--biobank-samples", filepath.Join(bb, "biobank", "samples.tsv"), filepath.Join(bb, "fhir")); err != nil {
		t.Fatal(err)
	}
	// A researcher session logs one decision per linked person.
	if _, _, err := run(t, "query", "--store", dir, "--use", "HMB", "--actor", "res-1", "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "audit", "verify", "--store", dir)
	if err != nil || !strings.Contains(out, "audit log verified: 60 entries") || !strings.Contains(out, "witnessed: none") {
		t.Fatalf("verify: %q %v", out, err)
	}
	// The person sees who looked (and that request is logged too), each
	// access with a proof that checks.
	samples, _ := os.ReadFile(filepath.Join(bb, "biobank", "samples.tsv"))
	person := strings.Fields(strings.Split(string(samples), "\n")[1])[1]
	out, _, err = run(t, "audit", "who", "--store", dir, "--person", person, "--actor", person)
	if err != nil || !strings.Contains(out, "res-1") || !strings.Contains(out, "researcher") || !strings.Contains(out, "verified (log signature only") {
		t.Fatalf("who: %q %v", out, err)
	}
	// Another person may not.
	other := strings.Fields(strings.Split(string(samples), "\n")[2])[1]
	if _, _, err := run(t, "audit", "who", "--store", dir, "--person", person, "--actor", other); err == nil {
		t.Error("a stranger read someone's access log")
	}
	// Leaves hold commitments, never the personal code.
	bundle := lastBundle(t, dir)
	b, _ := os.ReadFile(bundle)
	if len(b) == 0 || strings.Contains(string(b), person) {
		t.Errorf("entry bundle: %d bytes, holds the personal code: %v", len(b), strings.Contains(string(b), person))
	}
	// Tampering is detected.
	os.WriteFile(bundle, []byte(strings.Replace(string(b), `"res-1"`, `"res-2"`, 1)), 0o644)
	if _, _, err := run(t, "audit", "verify", "--store", dir); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("a changed entry verified: %v", err)
	}
}

// lastBundle returns the path of the largest partial entry bundle.
func lastBundle(t *testing.T, dir string) string {
	t.Helper()
	ps, _ := filepath.Glob(filepath.Join(dir, "audit", "log", "tile", "entries", "000.p", "*"))
	best, bestN := "", -1
	for _, p := range ps {
		if n, err := strconv.Atoi(filepath.Base(p)); err == nil && n > bestN {
			best, bestN = p, n
		}
	}
	return best
}

// TestAuditWitnessAndProof walks the README: keygen, a witness process,
// cosigned checkpoints, the person's proofs checked offline.
func TestAuditWitnessAndProof(t *testing.T) {
	tmp := t.TempDir()
	bb, dir, keys := filepath.Join(tmp, "bb"), filepath.Join(tmp, "store"), filepath.Join(tmp, "keys")
	t.Setenv(audit.KeyDirEnv, keys)
	if _, _, err := run(t, "datasets", "synth", "--people", "20", "--seed", "3", "--background", "5", "--out", bb); err != nil {
		t.Fatal(err)
	}
	logKey, _, err := run(t, "audit", "keygen", "--store", dir, "--origin", "hospital.example/varamu")
	if err != nil || !strings.HasPrefix(logKey, "hospital.example/varamu+") {
		t.Fatalf("keygen: %q %v", logKey, err)
	}
	logKey = strings.TrimSpace(logKey)
	if st, err := os.Stat(filepath.Join(keys, "log.key")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("log.key: %v %v", st, err)
	}
	if _, _, err := run(t, "ingest", "fhir", "--store", dir, "--biobank-samples", filepath.Join(bb, "biobank", "samples.tsv"), filepath.Join(bb, "fhir")); err != nil {
		t.Fatal(err)
	}
	wdir := filepath.Join(tmp, "witness")
	wkey, _, err := run(t, "audit", "witness", "--dir", wdir, "--name", "witness.example/w1", "--log-key", logKey, "--print-key")
	if err != nil {
		t.Fatal(err)
	}
	wkey = strings.TrimSpace(wkey)
	url := startWitness(t, wdir, logKey)
	if _, _, err := run(t, "audit", "add-witness", "--store", dir, "--url", url, "--key", wkey); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "query", "--store", dir, "--use", "HMB", "--actor", "res-1", "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "audit", "checkpoint", "--store", dir)
	if err != nil || !strings.Contains(out, "— witness.example/w1 ") || !strings.HasPrefix(out, "hospital.example/varamu\n20\n") {
		t.Fatalf("checkpoint: %q %v", out, err)
	}
	published := writeFile(t, "published.cp", out)
	out, _, err = run(t, "audit", "verify", "--store", dir, "--require-witness", "--checkpoint", published)
	if err != nil || !strings.Contains(out, "witnessed: size 20, cosigned by [witness.example/w1]") || !strings.Contains(out, "extends the given checkpoint of size 20") {
		t.Fatalf("verify: %q %v", out, err)
	}
	samples, _ := os.ReadFile(filepath.Join(bb, "biobank", "samples.tsv"))
	person := strings.Fields(strings.Split(string(samples), "\n")[1])[1]
	proofs := filepath.Join(tmp, "proofs")
	out, _, err = run(t, "audit", "who", "--store", dir, "--person", person, "--actor", person, "--proofs", proofs)
	if err != nil || !strings.Contains(out, "res-1") || !strings.Contains(out, "  verified\n") {
		t.Fatalf("who: %q %v", out, err)
	}
	ps, _ := filepath.Glob(filepath.Join(proofs, "*.proof"))
	if len(ps) == 0 {
		t.Fatal("no proof written")
	}
	out, _, err = run(t, "audit", "verify-proof", ps[0], "--key", logKey, "--witness-key", wkey)
	if err != nil || !strings.Contains(out, "proof verified: entry") || !strings.Contains(out, "res-1") {
		t.Fatalf("verify-proof: %q %v", out, err)
	}
	b, _ := os.ReadFile(ps[0])
	forged := writeFile(t, "forged.proof", strings.Replace(string(b), "index ", "index 1", 1))
	if _, _, err := run(t, "audit", "verify-proof", forged, "--key", logKey, "--witness-key", wkey); err == nil {
		t.Error("a proof with a changed index verified")
	}
}

// startWitness runs "varamu audit witness" until the test ends and
// returns its URL.
func startWitness(t *testing.T, wdir, logKey string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		cmd := newRootCmd()
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		cmd.SetArgs([]string{"audit", "witness", "--dir", wdir, "--log-key", logKey, "--listen", addr})
		done <- cmd.ExecuteContext(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("witness: %v", err)
		}
	})
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "http://" + addr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("witness did not start")
	return ""
}

func TestConsentExport(t *testing.T) {
	tmp := t.TempDir()
	bb, dir := filepath.Join(tmp, "bb"), filepath.Join(tmp, "store")
	if _, _, err := run(t, "datasets", "synth", "--people", "40", "--seed", "4", "--background", "5", "--out", bb); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "ingest", "fhir", "--store", dir, filepath.Join(bb, "fhir")); err != nil {
		t.Fatal(err)
	}
	samples, _ := os.ReadFile(filepath.Join(bb, "biobank", "samples.tsv"))
	lines := strings.Split(string(samples), "\n")
	person, other := strings.Fields(lines[1])[1], strings.Fields(lines[2])[1]
	out, _, err := run(t, "consent", "export", "--store", dir, "--person", person, "--actor", person)
	if err != nil {
		t.Fatal(err)
	}
	n := strings.Count(out, `"resourceType":"Consent"`)
	if n == 0 || n != strings.Count(out, "\n") {
		t.Errorf("export: %d Consent resources in %d lines:\n%.500s", n, strings.Count(out, "\n"), out)
	}
	// What was exported ingests again as the same history.
	re := filepath.Join(tmp, "Consent.ndjson")
	os.WriteFile(re, []byte(out), 0o644)
	if _, _, err := run(t, "ingest", "fhir", "--store", dir, re); err != nil {
		t.Errorf("re-ingest of exported consents: %v", err)
	}
	if _, _, err := run(t, "consent", "export", "--store", dir, "--person", person, "--actor", other); err == nil {
		t.Error("a stranger exported someone's consents")
	}
}
