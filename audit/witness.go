package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"filippo.io/torchwood"
	"github.com/transparency-dev/merkle/proof"
	"golang.org/x/mod/sumdb/note"
)

// Witness errors, each answered with its C2SP tlog-witness HTTP status
// (see witnessStatus).
var (
	// ErrUnknownLog: the checkpoint's origin is not a log this witness
	// follows (404).
	ErrUnknownLog = errors.New("audit: witness: unknown log")
	// ErrBadRequest: the request cannot be parsed, or old size exceeds the
	// checkpoint size (400).
	ErrBadRequest = errors.New("audit: witness: bad request")
	// ErrInconsistent: the consistency proof does not prove that the
	// checkpoint extends the last one cosigned (422): a fork or rewrite.
	ErrInconsistent = errors.New("audit: witness: checkpoint not consistent with the last one cosigned")
)

// ConflictError is returned when the request's old size is not the size
// of the last checkpoint the witness cosigned for the log (409; the body
// carries Size): a stale client, or a rollback.
type ConflictError struct{ Size uint64 }

// Error names the size the witness last cosigned.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("audit: witness: last cosigned size is %d", e.Size)
}

// Witness is a C2SP tlog-witness (https://c2sp.org/tlog-witness) for
// varamu logs: it cosigns a checkpoint (cosignature/v1, Ed25519) only
// after verifying the log's signature and a consistency proof from the
// last checkpoint it cosigned for that log, so it refuses a rollback or a
// fork. Its state lives in its own directory, apart from the log.
type Witness struct {
	dir    string
	signer *torchwood.CosignatureSigner
	logs   map[string]note.Verifier // by origin
	mu     sync.Mutex
}

// OpenWitness opens the witness in dir (made with mode 0700 on first use,
// with a new Ed25519 key under name) following the logs whose note
// verifier keys are logKeys.
func OpenWitness(dir, name string, logKeys []string) (*Witness, error) {
	seed, err := witnessKey(dir, name)
	if err != nil {
		return nil, err
	}
	nb, err := os.ReadFile(filepath.Join(dir, "witness.name"))
	if err != nil {
		return nil, fmt.Errorf("audit: witness: %w", err)
	}
	signer, err := torchwood.NewCosignatureSigner(strings.TrimSpace(string(nb)), ed25519.NewKeyFromSeed(seed))
	if err != nil {
		return nil, fmt.Errorf("audit: witness: %w", err)
	}
	w := &Witness{dir: dir, signer: signer, logs: map[string]note.Verifier{}}
	for _, k := range logKeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("audit: witness: log key %q: %w", k, err)
		}
		w.logs[v.Name()] = v
	}
	return w, nil
}

// witnessKey returns the witness's Ed25519 seed, making it on first use.
func witnessKey(dir, name string) ([]byte, error) {
	kp := filepath.Join(dir, "witness.key")
	if _, err := os.Stat(kp); errors.Is(err, os.ErrNotExist) {
		if name == "" || strings.ContainsAny(name, "+ \t\n") {
			return nil, fmt.Errorf("audit: witness: name %q: want a name without spaces or '+'", name)
		}
		if err := os.MkdirAll(filepath.Join(dir, "state"), 0o700); err != nil {
			return nil, fmt.Errorf("audit: witness: %w", err)
		}
		if err := os.Chmod(dir, 0o700); err != nil {
			return nil, fmt.Errorf("audit: witness: %w", err)
		}
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		if err := writeFileSync(filepath.Join(dir, "witness.name"), []byte(name+"\n"), 0o644); err != nil {
			return nil, err
		}
		if err := writeFileSync(kp, []byte(hex.EncodeToString(seed)+"\n"), 0o600); err != nil {
			return nil, err
		}
	}
	if err := checkMode(dir, true); err != nil {
		return nil, err
	}
	s, err := readPrivate(kp)
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(s)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("audit: witness: %s: want a 32-byte hex seed", kp)
	}
	return seed, nil
}

// VerifierKey returns the witness's cosignature verifier key, to give to
// the logs and verifiers that rely on it.
func (w *Witness) VerifierKey() string { return w.signer.Verifier().String() }

func (w *Witness) statePath(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return filepath.Join(w.dir, "state", hex.EncodeToString(h[:]))
}

// Latest returns the last checkpoint the witness cosigned for origin, as
// cosigned; ok is false when it has cosigned none.
func (w *Witness) Latest(origin string) (c Checkpoint, ok bool, err error) {
	b, err := os.ReadFile(w.statePath(origin))
	if errors.Is(err, os.ErrNotExist) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: witness: %w", err)
	}
	c, err = ParseCheckpoint(string(b))
	return c, err == nil, err
}

// AddCheckpoint is the witness's one operation: it verifies signed (a
// checkpoint signed by a followed log), checks that oldSize is the size it
// last cosigned and that proof proves consistency from that checkpoint,
// records the new checkpoint durably and returns its cosignature line(s).
func (w *Witness) AddCheckpoint(ctx context.Context, oldSize uint64, cproof [][]byte, signed []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c, err := ParseCheckpoint(string(signed))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadRequest, err)
	}
	lv, ok := w.logs[c.Origin]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownLog, c.Origin)
	}
	n, err := note.Open(signed, note.VerifierList(lv))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if oldSize > c.Size {
		return nil, fmt.Errorf("%w: old size %d beyond checkpoint size %d", ErrBadRequest, oldSize, c.Size)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	unlock, err := lockDir(w.dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	if err := w.checkConsistent(c, oldSize, cproof); err != nil {
		return nil, err
	}
	cosigned, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, fmt.Errorf("audit: witness: %w", err)
	}
	_, sig, _ := bytes.Cut(cosigned, []byte("\n\n"))
	// The state holds the log's signature and ours.
	_, logSigs, _ := bytes.Cut(signed, []byte("\n\n"))
	state := append(append([]byte(n.Text+"\n"), logSigs...), sig...)
	if err := writeFileSync(w.statePath(c.Origin), state, 0o600); err != nil {
		return nil, err
	}
	return sig, nil
}

func (w *Witness) checkConsistent(c Checkpoint, oldSize uint64, cproof [][]byte) error {
	last, ok, err := w.Latest(c.Origin)
	if err != nil {
		return err
	}
	if !ok {
		last = Checkpoint{Size: 0, Root: hasher.EmptyRoot()}
	}
	if oldSize != last.Size {
		return &ConflictError{Size: last.Size}
	}
	if last.Size == 0 {
		return nil
	}
	if err := proof.VerifyConsistency(hasher, last.Size, c.Size, cproof, last.Root, c.Root); err != nil {
		// The merkle package's message lists raw hashes; say it plainly.
		return fmt.Errorf("%w: the proof from size %d to %d does not lead to the root cosigned at %d (a fork or a rewritten log)", ErrInconsistent, last.Size, c.Size, last.Size)
	}
	return nil
}

// lockDir takes an exclusive flock(2) on dir/lock, serialising processes
// sharing a witness state directory or a key directory.
func lockDir(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("audit: lock %s: %w", dir, err)
	}
	return func() { f.Close() }, nil
}

// ParseAddCheckpoint decodes a tlog-witness add-checkpoint request body:
// "old N", the consistency proof (one base64 hash per line), a blank line,
// then the signed checkpoint.
func ParseAddCheckpoint(body []byte) (oldSize uint64, cproof [][]byte, signed []byte, err error) {
	line, rest, ok := bytes.Cut(body, []byte("\n"))
	s, isOld := strings.CutPrefix(string(line), "old ")
	if !ok || !isOld {
		return 0, nil, nil, fmt.Errorf("%w: line 1: want \"old SIZE\"", ErrBadRequest)
	}
	if oldSize, err = strconv.ParseUint(s, 10, 64); err != nil || (len(s) > 1 && s[0] == '0') {
		return 0, nil, nil, fmt.Errorf("%w: line 1: size %q", ErrBadRequest, s)
	}
	for n := 2; ; n++ {
		line, rest, ok = bytes.Cut(rest, []byte("\n"))
		if !ok {
			return 0, nil, nil, fmt.Errorf("%w: line %d: no blank line before the checkpoint", ErrBadRequest, n)
		}
		if len(line) == 0 {
			break
		}
		h, err := base64.StdEncoding.Strict().DecodeString(string(line))
		if err != nil || len(h) != sha256.Size {
			return 0, nil, nil, fmt.Errorf("%w: line %d: want a base64 SHA-256 hash", ErrBadRequest, n)
		}
		if len(cproof) == 63 {
			return 0, nil, nil, fmt.Errorf("%w: line %d: proof too long", ErrBadRequest, n)
		}
		cproof = append(cproof, h)
	}
	return oldSize, cproof, rest, nil
}

// FormatAddCheckpoint encodes an add-checkpoint request body.
func FormatAddCheckpoint(oldSize uint64, cproof [][]byte, signed []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", oldSize)
	for _, h := range cproof {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(signed)
	return b.Bytes()
}

// witnessStatus maps a witness error to its tlog-witness HTTP status.
func witnessStatus(err error) int {
	var conflict *ConflictError
	switch {
	case errors.As(err, &conflict):
		return http.StatusConflict
	case errors.Is(err, ErrUnknownLog):
		return http.StatusNotFound
	case errors.Is(err, ErrSignature):
		return http.StatusForbidden
	case errors.Is(err, ErrInconsistent):
		return http.StatusUnprocessableEntity
	case errors.Is(err, ErrBadRequest):
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}

// ServeHTTP answers POST /add-checkpoint.
func (w *Witness) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/add-checkpoint" {
		http.NotFound(rw, r)
		return
	}
	if r.Method != http.MethodPost {
		http.Error(rw, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	old, cproof, signed, err := ParseAddCheckpoint(body)
	var sig []byte
	if err == nil {
		sig, err = w.AddCheckpoint(r.Context(), old, cproof, signed)
	}
	if err != nil {
		var conflict *ConflictError
		if errors.As(err, &conflict) {
			rw.Header().Set("Content-Type", "text/x.tlog.size")
			rw.WriteHeader(http.StatusConflict)
			fmt.Fprintf(rw, "%d\n", conflict.Size)
			return
		}
		http.Error(rw, err.Error(), witnessStatus(err))
		return
	}
	rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rw.Write(sig)
}
