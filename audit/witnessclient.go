package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// tileFetcher reads hash tiles of the log in ldir.
func tileFetcher(ldir string) client.TileFetcherFunc {
	return func(_ context.Context, level, index uint64, p uint8) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(ldir, layout.TilePath(level, index, p)))
		if errors.Is(err, os.ErrNotExist) && p != 0 {
			// A partial tile may have been replaced by a larger one.
			b, err = os.ReadFile(filepath.Join(ldir, layout.TilePath(level, index, 0)))
		}
		return b, err
	}
}

// RequestCosignatures asks each witness of the log's key directory to cosign the
// latest checkpoint of the log of the store in dir (C2SP tlog-witness,
// with a consistency proof from the size each last cosigned), keeps the
// cosigned checkpoint with the log (audit/witnessed) and returns it. It
// fails if any witness refuses: a refusal is the alarm for a rollback or a
// rewritten log.
func RequestCosignatures(ctx context.Context, dir string, hc *http.Client) (Checkpoint, error) {
	keys, err := LoadKeys(KeyDirFor(dir))
	if err != nil {
		return Checkpoint{}, err
	}
	return RequestCosignaturesWith(ctx, dir, keys.VerifierKey, keys.Witnesses, hc)
}

// RequestCosignaturesWith is RequestCosignatures with the log key and witnesses given.
func RequestCosignaturesWith(ctx context.Context, dir, logKey string, ws []WitnessConfig, hc *http.Client) (Checkpoint, error) {
	if len(ws) == 0 {
		return Checkpoint{}, errors.New("audit: no witness configured (varamu audit witness add)")
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	ldir := logDir(dir)
	b, err := os.ReadFile(filepath.Join(ldir, layout.CheckpointPath))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: %w", err)
	}
	var wkeys []string
	for _, w := range ws {
		wkeys = append(wkeys, w.Key)
	}
	cp, err := VerifyCheckpoint(b, logKey, wkeys...)
	if err != nil {
		return Checkpoint{}, err
	}
	prev, _, err := ReadWitnessed(dir)
	if err != nil {
		return Checkpoint{}, err
	}
	signed := cp.Signed
	for _, w := range ws {
		sig, err := askWitness(ctx, hc, ldir, w, prev.Size, cp)
		if err != nil {
			return Checkpoint{}, err
		}
		signed = append(bytes.Clone(signed), sig...)
	}
	out, err := VerifyCheckpoint(signed, logKey, wkeys...)
	if err != nil {
		return Checkpoint{}, err
	}
	for _, w := range ws {
		v, _ := parseWitnessKey(w.Key)
		if !slices.Contains(out.Witnesses, v.Name()) {
			return Checkpoint{}, fmt.Errorf("%w: witness %s returned no valid cosignature", ErrSignature, w.URL)
		}
	}
	if err := writeFileSync(witnessedPath(dir), out.Signed, 0o644); err != nil {
		return Checkpoint{}, err
	}
	return out, nil
}

// askWitness sends one add-checkpoint request, retrying once with the
// size the witness reports on a conflict.
func askWitness(ctx context.Context, hc *http.Client, ldir string, w WitnessConfig, old uint64, cp Checkpoint) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		var cproof [][]byte
		if old > cp.Size {
			return nil, fmt.Errorf("%w: witness %s cosigned size %d, the log's checkpoint is of size %d (rolled back)", ErrTampered, w.URL, old, cp.Size)
		}
		if old > 0 && old < cp.Size {
			pb, err := client.NewProofBuilder(ctx, cp.Size, tileFetcher(ldir))
			if err != nil {
				return nil, fmt.Errorf("audit: %w", err)
			}
			if cproof, err = pb.ConsistencyProof(ctx, old, cp.Size); err != nil {
				return nil, fmt.Errorf("audit: consistency proof %d→%d: %w", old, cp.Size, err)
			}
		}
		body := FormatAddCheckpoint(old, cproof, cp.Signed)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(w.URL, "/")+"/add-checkpoint", bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("audit: witness %s: %w", w.URL, err)
		}
		rb, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("audit: witness %s: %w", w.URL, err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			return rb, nil
		case resp.StatusCode == http.StatusConflict && attempt == 0:
			if old, err = strconv.ParseUint(strings.TrimSpace(string(rb)), 10, 64); err != nil {
				return nil, fmt.Errorf("audit: witness %s: conflict with size %q", w.URL, rb)
			}
			continue
		case resp.StatusCode == http.StatusUnprocessableEntity || resp.StatusCode == http.StatusConflict:
			return nil, fmt.Errorf("%w: witness %s refused: %s", ErrTampered, w.URL, strings.TrimSpace(string(rb)))
		}
		return nil, fmt.Errorf("audit: witness %s: %s: %s", w.URL, resp.Status, strings.TrimSpace(string(rb)))
	}
}
