package audit

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transparency-dev/tessera/client"
)

// TestWitnessProtocol pins the C2SP tlog-witness answers: 200 with a
// cosignature line, 409 with the last size, 422 for a bad consistency
// proof, 404 for an unknown log, 403 for a bad signature, 400 for a bad
// request, 405 for a GET.
func TestWitnessProtocol(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := fill(t, 5)
	keys, _ := LoadKeys(KeyDirFor(dir))
	w, err := OpenWitness(filepath.Join(t.TempDir(), "w"), "witness.test/w", []string{keys.VerifierKey})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(w)
	defer srv.Close()
	post := func(body []byte) (int, string) {
		resp, err := http.Post(srv.URL+"/add-checkpoint", "text/plain", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	cp5, _ := os.ReadFile(filepath.Join(logDir(dir), "checkpoint"))
	if code, body := post(FormatAddCheckpoint(0, nil, cp5)); code != 200 || !strings.HasPrefix(body, "— witness.test/w ") {
		t.Fatalf("first checkpoint: %d %q", code, body)
	}
	appendN(t, dir, 5, 20)
	cp25, _ := os.ReadFile(filepath.Join(logDir(dir), "checkpoint"))
	pb, err := client.NewProofBuilder(ctx, 25, tileFetcher(logDir(dir)))
	if err != nil {
		t.Fatal(err)
	}
	good, err := pb.ConsistencyProof(ctx, 5, 25)
	if err != nil {
		t.Fatal(err)
	}
	bad := [][]byte{bytes.Repeat([]byte{1}, 32), good[1]}
	other := filepath.Join(t.TempDir(), "other") // another origin
	appendN(t, other, 0, 3)
	otherCP, _ := os.ReadFile(filepath.Join(logDir(other), "checkpoint"))
	sameOriginDir := fill(t, 25) // also named "store": same origin, its own key
	sameOrigin, _ := os.ReadFile(filepath.Join(logDir(sameOriginDir), "checkpoint"))
	forgedSig := bytes.Replace(cp25, []byte("\n— "), []byte("\n— x"), 1)
	tests := []struct {
		name string
		body []byte
		code int
		want string
	}{
		{"stale old size", FormatAddCheckpoint(0, nil, cp25), 409, "5\n"},
		{"bad consistency proof (fork)", FormatAddCheckpoint(5, bad, cp25), 422, "not consistent"},
		{"unknown log", FormatAddCheckpoint(0, nil, otherCP), 404, "unknown log"},
		{"bad signature", FormatAddCheckpoint(5, good, forgedSig), 403, "signature"},
		{"same origin, another key", FormatAddCheckpoint(5, good, sameOrigin), 403, "signature"},
		{"old beyond size", FormatAddCheckpoint(30, nil, cp25), 400, "beyond"},
		{"garbage", []byte("hello\n"), 400, "old SIZE"},
		{"the same checkpoint again", FormatAddCheckpoint(5, nil, cp5), 200, "— witness.test/w "},
		{"good", FormatAddCheckpoint(5, good, cp25), 200, "— witness.test/w "},
		{"rollback after extension", FormatAddCheckpoint(25, nil, cp5), 400, "beyond"},
	}
	for _, tt := range tests {
		code, body := post(tt.body)
		if code != tt.code || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %q, want %d containing %q", tt.name, code, body, tt.code, tt.want)
		}
	}
	resp, err := http.Get(srv.URL + "/add-checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", resp.StatusCode)
	}
}
