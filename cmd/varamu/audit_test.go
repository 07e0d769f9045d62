package main

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
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
	if _, _, err := researchSession(t, dir, "res-1", time.Time{}, ""); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "audit", "verify", "--store", dir)
	if err != nil || !strings.Contains(out, "audit log verified: ") || !strings.Contains(out, "witnessed: none") ||
		!strings.Contains(out, "history: every committed generation's manifest matches the audit log") {
		t.Fatalf("verify: %q %v", out, err)
	}
	// Every record version and the committed generation are in the log.
	kinds := map[string]int{}
	for e, err := range audit.Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		kinds[e.Kind]++
	}
	if kinds[audit.KindRecord] == 0 || kinds[audit.KindGeneration] != 1 || kinds[audit.KindAccess] != 60 {
		t.Errorf("entries by kind: %v, want records, 1 generation, 60 accesses", kinds)
	}
	// The person sees who looked (and that request is logged too), each
	// access with a proof that checks.
	samples, _ := os.ReadFile(filepath.Join(bb, "biobank", "samples.tsv"))
	person := strings.Fields(strings.Split(string(samples), "\n")[1])[1]
	// (`audit who` asks varamu serve: TestDevCAAndServe; here the same
	// library calls the server's route makes.)
	if p := researcherAccess(t, dir, person); !strings.HasPrefix(p.Status, "verified (log signature only") {
		t.Fatalf("who: status %q", p.Status)
	}
	// Leaves hold commitments, never a personal code (record ids embed them).
	filepath.WalkDir(filepath.Join(dir, "audit"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			for _, line := range strings.Split(string(samples), "\n")[1:] {
				if f := strings.Fields(line); len(f) == 2 && strings.Contains(string(b), f[1]) {
					t.Errorf("%s holds personal code %s", p, f[1])
				}
			}
		}
		return err
	})
	bundle := lastBundle(t, dir)
	b, _ := os.ReadFile(bundle)
	// Tampering is detected.
	os.WriteFile(bundle, []byte(strings.Replace(string(b), `"res-1"`, `"res-2"`, 1)), 0o644)
	if _, _, err := run(t, "audit", "verify", "--store", dir); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("a changed entry verified: %v", err)
	}
	os.WriteFile(bundle, b, 0o644)
	// A rewritten history generation is found and named.
	hist, _ := filepath.Glob(filepath.Join(dir, "history", "*.json"))
	hb, _ := os.ReadFile(hist[0])
	os.WriteFile(hist[0], append(hb, ' '), 0o644)
	out, _, err = run(t, "audit", "verify", "--store", dir)
	if err == nil || !strings.Contains(out, "FAIL\tgeneration 1\t") || !strings.Contains(out, "manifest changed") {
		t.Errorf("a rewritten history manifest verified: %q %v", out, err)
	}
}

// lastBundle returns the path of the entry bundle written last.
func lastBundle(t *testing.T, dir string) string {
	t.Helper()
	var best string
	var bestT time.Time
	filepath.WalkDir(filepath.Join(dir, "audit", "log", "tile", "entries"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil && fi.ModTime().After(bestT) {
				best, bestT = p, fi.ModTime()
			}
		}
		return err
	})
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
	if _, _, err := researchSession(t, dir, "res-1", time.Time{}, ""); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "audit", "checkpoint", "--store", dir)
	if err != nil || !strings.Contains(out, "— witness.example/w1 ") || !strings.HasPrefix(out, "hospital.example/varamu\n") {
		t.Fatalf("checkpoint: %q %v", out, err)
	}
	size := strings.Split(out, "\n")[1]
	published := writeFile(t, "published.cp", out)
	out, _, err = run(t, "audit", "verify", "--store", dir, "--require-witness", "--checkpoint", published)
	if err != nil || !strings.Contains(out, "witnessed: size "+size+", cosigned by [witness.example/w1]") || !strings.Contains(out, "extends the given checkpoint of size "+size) {
		t.Fatalf("verify: %q %v", out, err)
	}
	samples, _ := os.ReadFile(filepath.Join(bb, "biobank", "samples.tsv"))
	person := strings.Fields(strings.Split(string(samples), "\n")[1])[1]
	proofs := filepath.Join(tmp, "proofs")
	p := researcherAccess(t, dir, person)
	if p.Status != "verified" {
		t.Fatalf("who: status %q", p.Status)
	}
	if err := saveProofs(proofs, []audit.EntryProof{p}); err != nil {
		t.Fatal(err)
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
	// A record version: its proof checks offline against the resource.
	proof, _, err := run(t, "audit", "prove", "--store", dir, "--record", "Patient/"+person)
	if err != nil || !strings.HasPrefix(proof, "c2sp.org/tlog-proof@v1\n") {
		t.Fatalf("prove: %q %v", proof, err)
	}
	pf := writeFile(t, "patient.proof", proof)
	patients, _ := os.ReadFile(filepath.Join(bb, "fhir", "Patient.ndjson"))
	var resource string
	for _, line := range strings.Split(string(patients), "\n") {
		if strings.Contains(line, `"id":"`+person+`"`) {
			resource = line
		}
	}
	rf := writeFile(t, "patient.json", resource)
	out, _, err = run(t, "audit", "verify-proof", pf, "--key", logKey, "--witness-key", wkey, "--resource", rf)
	if err != nil || !strings.Contains(out, "record: Patient") {
		t.Fatalf("verify-proof --resource: %q %v", out, err)
	}
	changed := writeFile(t, "changed.json", strings.Replace(resource, `"gender":"`, `"gender":"x`, 1))
	if _, _, err := run(t, "audit", "verify-proof", pf, "--key", logKey, "--resource", changed); err == nil {
		t.Error("a changed resource matched the record's proof")
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
