package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
)

// witnessed makes a store of n entries followed by a witness, cosigned
// once, and returns the store and the witness.
func witnessed(t *testing.T, n int) (string, *Witness) {
	t.Helper()
	dir := fill(t, n)
	keys, err := LoadKeys(KeyDirFor(dir))
	if err != nil {
		t.Fatal(err)
	}
	w, err := OpenWitness(filepath.Join(t.TempDir(), "witness"), "witness.test/w1", []string{keys.VerifierKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	t.Cleanup(srv.Close)
	if err := AddWitness(keys.Dir, WitnessConfig{URL: srv.URL, Key: w.VerifierKey()}); err != nil {
		t.Fatal(err)
	}
	if _, err := RequestCosignatures(context.Background(), dir, nil); err != nil {
		t.Fatal(err)
	}
	return dir, w
}

func bundlePath(dir string, n int) string {
	return filepath.Join(logDir(dir), layout.EntriesPath(0, uint8(n)))
}

func editBundle(t *testing.T, dir string, n int, f func([][]byte) [][]byte) {
	t.Helper()
	p := bundlePath(dir, n)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(b); err != nil {
		t.Fatal(err)
	}
	var out []byte
	for _, e := range f(eb.Entries) {
		out = binary.BigEndian.AppendUint16(out, uint16(len(e)))
		out = append(out, e...)
	}
	if err := os.WriteFile(p, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestTamperDetected(t *testing.T) {
	t.Parallel()
	const n = 9
	tests := []struct {
		name string
		edit func(t *testing.T, dir string)
		want error
	}{
		{"flip one byte of an entry", func(t *testing.T, dir string) {
			p := bundlePath(dir, n)
			b, _ := os.ReadFile(p)
			i := bytes.Index(b, []byte(`"allowed":`)) + len(`"allowed":`) + 1
			b[i] ^= 0x01
			os.WriteFile(p, b, 0o644)
		}, ErrTampered},
		{"delete one entry", func(t *testing.T, dir string) {
			editBundle(t, dir, n, func(e [][]byte) [][]byte { return append(e[:3:3], e[4:]...) })
		}, ErrTampered},
		{"delete the last entry", func(t *testing.T, dir string) {
			editBundle(t, dir, n, func(e [][]byte) [][]byte { return e[:len(e)-1] })
		}, ErrTampered},
		{"reorder two entries", func(t *testing.T, dir string) {
			editBundle(t, dir, n, func(e [][]byte) [][]byte { e[2], e[3] = e[3], e[2]; return e })
		}, ErrTampered},
		{"truncate the hash tile", func(t *testing.T, dir string) {
			p := filepath.Join(logDir(dir), layout.TilePath(0, 0, n))
			os.Truncate(p, 32*4)
		}, ErrTampered},
		{"remove the hash tile", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(logDir(dir), layout.TilePath(0, 0, n)))
		}, ErrTampered},
		{"checkpoint signed by another key", func(t *testing.T, dir string) {
			other := fill(t, n)
			b, _ := os.ReadFile(filepath.Join(logDir(other), "checkpoint"))
			os.WriteFile(filepath.Join(logDir(dir), "checkpoint"), b, 0o644)
		}, ErrSignature},
		{"witness cosignature removed", func(t *testing.T, dir string) {
			b, _ := os.ReadFile(witnessedPath(dir))
			i := bytes.LastIndex(b[:len(b)-1], []byte("\n"))
			os.WriteFile(witnessedPath(dir), b[:i+1], 0o644)
		}, ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir, _ := witnessed(t, n)
			if _, err := VerifyLog(context.Background(), dir, VerifyConfig{}); err != nil {
				t.Fatalf("before tampering: %v", err)
			}
			tt.edit(t, dir)
			_, err := VerifyLog(context.Background(), dir, VerifyConfig{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyLog after %s: err = %v, want %v", tt.name, err, tt.want)
			}
			t.Logf("detected: %v", err)
		})
	}
}

func copyLog(t *testing.T, from, to string) {
	t.Helper()
	if err := os.RemoveAll(to); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}

// TestRollbackDetected: the log put back to an older copy is found by
// Verify (the witnessed checkpoint is larger) and refused by the witness
// even when the witnessed checkpoint is rolled back too.
func TestRollbackDetected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _ := witnessed(t, 5)
	saved := filepath.Join(t.TempDir(), "saved")
	copyLog(t, filepath.Join(dir, "audit"), saved)
	appendN(t, dir, 5, 4)
	if _, err := RequestCosignatures(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	w, _ := os.ReadFile(witnessedPath(dir))
	copyLog(t, filepath.Join(saved, "log"), logDir(dir))
	if _, err := VerifyLog(ctx, dir, VerifyConfig{}); !errors.Is(err, ErrTampered) {
		t.Errorf("rolled-back log, witnessed checkpoint kept: err = %v, want ErrTampered", err)
	}
	copyLog(t, saved, filepath.Join(dir, "audit"))
	if _, err := RequestCosignatures(ctx, dir, nil); !errors.Is(err, ErrTampered) {
		t.Errorf("witness asked to cosign a rolled-back log: err = %v, want ErrTampered", err)
	}
	if _, err := VerifyLog(ctx, dir, VerifyConfig{Trusted: [][]byte{w}}); !errors.Is(err, ErrTampered) {
		t.Errorf("rolled-back log against a published checkpoint: err = %v, want ErrTampered", err)
	}
}

// TestInsiderRewriteCaughtByWitness: an insider with the log key rewrites
// the whole log consistently and re-signs it. The log verifies on its own
// (the signature is genuine); the witness refuses to cosign it, and the
// last witnessed checkpoint no longer matches.
func TestInsiderRewriteCaughtByWitness(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _ := witnessed(t, 6)
	forged := filepath.Join(t.TempDir(), "store")
	copyLog(t, KeyDirFor(dir), KeyDirFor(forged)) // the stolen key
	os.Chmod(KeyDirFor(forged), 0o700)
	for _, f := range []string{logKeyFile, personKeyFile} {
		os.Chmod(filepath.Join(KeyDirFor(forged), f), 0o600)
	}
	l, err := Open(forged)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		e := entry(people[i%2], "doc-a", true, i) // every access now "allowed", by someone else
		if _, err := l.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	copyLog(t, logDir(forged), logDir(dir))
	if _, err := VerifyLog(ctx, dir, VerifyConfig{}); !errors.Is(err, ErrTampered) {
		t.Errorf("rewritten log against the witnessed checkpoint: err = %v, want ErrTampered", err)
	}
	os.Remove(witnessedPath(dir))
	if _, err := VerifyLog(ctx, dir, VerifyConfig{WitnessKeys: []string{}}); err != nil {
		t.Fatalf("the re-signed log, its witness evidence removed, should verify on its signature alone: %v", err)
	}
	if _, err := RequestCosignatures(ctx, dir, nil); !errors.Is(err, ErrTampered) {
		t.Errorf("witness asked to cosign the rewritten log: err = %v, want ErrTampered (refused)", err)
	}
	if _, err := VerifyLog(ctx, dir, VerifyConfig{}); !errors.Is(err, ErrSignature) {
		t.Errorf("witness configured, witnessed checkpoint removed: err = %v, want ErrSignature", err)
	}
	if _, err := VerifyLog(ctx, dir, VerifyConfig{RequireWitness: true}); !errors.Is(err, ErrSignature) {
		t.Errorf("no witnessed checkpoint left: err = %v, want ErrSignature", err)
	}
}

func TestWitnessExtendsAndProves(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, w := witnessed(t, 3)
	for _, add := range []int{1, 300, 2} {
		appendN(t, dir, 0, add)
		cp, err := RequestCosignatures(ctx, dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(cp.Witnesses) != 1 {
			t.Errorf("cosigned checkpoint %d: witnesses %v", cp.Size, cp.Witnesses)
		}
	}
	keys, _ := LoadKeys(KeyDirFor(dir))
	last, ok, err := w.Latest(keys.Verifier.Name())
	if err != nil || !ok || last.Size != 306 {
		t.Fatalf("witness state: %+v %v %v", last, ok, err)
	}
	rep, err := VerifyLog(ctx, dir, VerifyConfig{RequireWitness: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Witnessed == nil || rep.Witnessed.Size != 306 {
		t.Fatalf("witnessed %+v", rep.Witnessed)
	}
	pr, err := NewProver(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	wkeys := []string{keys.Witnesses[0].Key}
	for _, i := range []uint64{0, 1, 255, 256, 305} {
		p, err := pr.Prove(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifyProof(p, keys.VerifierKey, wkeys, true)
		if err != nil {
			t.Fatalf("proof of %d: %v", i, err)
		}
		if got.Entry.Index != i || got.Checkpoint.Size != 306 {
			t.Errorf("proof of %d: entry %d, checkpoint %d", i, got.Entry.Index, got.Checkpoint.Size)
		}
		forged := bytes.Replace(p, []byte("extra "), []byte("extra e"), 1)
		if _, err := VerifyProof(forged, keys.VerifierKey, wkeys, true); err == nil {
			t.Errorf("proof of %d with changed entry verified", i)
		}
		other := fill(t, 1)
		ok, _ := LoadKeys(KeyDirFor(other))
		if _, err := VerifyProof(p, ok.VerifierKey, wkeys, false); err == nil {
			t.Errorf("proof of %d verified with another log's key", i)
		}
		if _, err := VerifyProof(p, keys.VerifierKey, nil, true); err == nil {
			t.Errorf("proof of %d verified as witnessed with no witness key", i)
		}
	}
}

func TestInclusionProofCompat(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := fill(t, 11)
	rep, err := VerifyLog(ctx, dir, VerifyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		p, err := InclusionProof(ctx, dir, e.Index, rep.Checkpoint.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(*e, rep.Checkpoint, p); err != nil {
			t.Errorf("entry %d: %v", e.Index, err)
		}
		forged := *e
		forged.Allowed = !forged.Allowed
		if err := VerifyInclusion(forged, rep.Checkpoint, p); !errors.Is(err, ErrProof) {
			t.Errorf("entry %d forged: err = %v, want ErrProof", e.Index, err)
		}
	}
}
