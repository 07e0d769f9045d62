package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
)

// ErrSignature is returned (wrapped) when a checkpoint is not signed by
// the log key, or a required witness cosignature is missing or invalid.
var ErrSignature = errors.New("audit: checkpoint signature")

// Checkpoint is a C2SP tlog-checkpoint: the log's origin, tree size and
// root hash, as a note signed by the log key and possibly cosigned by
// witnesses.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
	// Signed is the signed note, as published.
	Signed []byte
	// Witnesses names the witnesses whose cosignatures were verified.
	Witnesses []string
}

// String returns the signed note.
func (c Checkpoint) String() string { return string(c.Signed) }

// ParseCheckpoint parses a signed checkpoint note without checking its
// signatures (use VerifyCheckpoint for that).
func ParseCheckpoint(s string) (Checkpoint, error) {
	body, _, ok := strings.Cut(s, "\n\n")
	if !ok {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: want a signed note (body, blank line, signatures)", ErrCorrupt)
	}
	c, err := torchwood.ParseCheckpoint(body + "\n")
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint: %v", ErrCorrupt, err)
	}
	return Checkpoint{Origin: c.Origin, Size: uint64(c.N), Root: c.Hash[:], Signed: []byte(s)}, nil
}

// VerifyCheckpoint checks that signed is a checkpoint signed by the log
// key logKey (a note verifier key) and returns it with the names of the
// witnesses among witnessKeys (cosignature/v1 verifier keys) whose
// cosignatures verify. Signatures by unknown keys are ignored.
func VerifyCheckpoint(signed []byte, logKey string, witnessKeys ...string) (Checkpoint, error) {
	lv, err := note.NewVerifier(logKey)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: log key: %w", err)
	}
	vs := []note.Verifier{lv}
	for _, k := range witnessKeys {
		wv, err := parseWitnessKey(k)
		if err != nil {
			return Checkpoint{}, err
		}
		vs = append(vs, wv)
	}
	n, err := note.Open(signed, note.VerifierList(vs...))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	c, err := ParseCheckpoint(string(signed))
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != lv.Name() {
		return Checkpoint{}, fmt.Errorf("%w: origin %q, want %q", ErrSignature, c.Origin, lv.Name())
	}
	logSigned := false
	for _, s := range n.Sigs {
		if s.Name == lv.Name() && s.Hash == lv.KeyHash() {
			logSigned = true
		} else {
			c.Witnesses = append(c.Witnesses, s.Name)
		}
	}
	if !logSigned {
		return Checkpoint{}, fmt.Errorf("%w: not signed by the log key %s", ErrSignature, lv.Name())
	}
	return c, nil
}

func parseWitnessKey(k string) (note.Verifier, error) {
	v, err := torchwood.NewCosignatureVerifier(k)
	if err != nil {
		return nil, fmt.Errorf("audit: witness key %q: %w", k, err)
	}
	return v, nil
}

// ReadCheckpoint returns the latest published checkpoint of the log of
// the store in dir, unverified.
func ReadCheckpoint(dir string) (Checkpoint, error) {
	b, err := os.ReadFile(filepath.Join(logDir(dir), "checkpoint"))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: %w", err)
	}
	return ParseCheckpoint(string(b))
}

// witnessedPath is where the latest checkpoint cosigned by witnesses is
// kept.
func witnessedPath(dir string) string { return filepath.Join(dir, "audit", "witnessed") }

// ReadWitnessed returns the latest witness-cosigned checkpoint of the log
// of the store in dir, unverified; ok is false when there is none.
func ReadWitnessed(dir string) (c Checkpoint, ok bool, err error) {
	b, err := os.ReadFile(witnessedPath(dir))
	if errors.Is(err, os.ErrNotExist) {
		return Checkpoint{}, false, nil
	}
	if err != nil {
		return Checkpoint{}, false, fmt.Errorf("audit: %w", err)
	}
	c, err = ParseCheckpoint(string(b))
	return c, err == nil, err
}
