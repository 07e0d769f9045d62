package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/torchwood"
	merkleproof "github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrProof is returned (wrapped) when an inclusion proof does not check.
var ErrProof = errors.New("audit: proof does not verify")

// Prover makes inclusion proofs (C2SP tlog-proof@v1, the entry's leaf as
// the proof's extra data) against one checkpoint: the latest witnessed
// checkpoint when there is one, else the latest signed checkpoint.
type Prover struct {
	ldir string
	cp   Checkpoint
	pb   *client.ProofBuilder
}

// NewProver returns a Prover for the log of the store in dir.
func NewProver(ctx context.Context, dir string) (*Prover, error) {
	if err := flushOpen(ctx, dir); err != nil {
		return nil, err
	}
	ldir := logDir(dir)
	cp, ok, err := ReadWitnessed(dir)
	if err != nil {
		return nil, err
	}
	if !ok {
		b, err := os.ReadFile(filepath.Join(ldir, layout.CheckpointPath))
		if err != nil {
			return nil, fmt.Errorf("audit: %w", err)
		}
		if cp, err = ParseCheckpoint(string(b)); err != nil {
			return nil, err
		}
	}
	pb, err := client.NewProofBuilder(ctx, cp.Size, tileFetcher(ldir))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return &Prover{ldir: ldir, cp: cp, pb: pb}, nil
}

// Checkpoint returns the checkpoint the proofs are made against.
func (p *Prover) Checkpoint() Checkpoint { return p.cp }

// Prove returns the inclusion proof of entry index. It fails for an entry
// the checkpoint does not cover yet.
func (p *Prover) Prove(ctx context.Context, index uint64) ([]byte, error) {
	if index >= p.cp.Size {
		return nil, fmt.Errorf("audit: entry %d is not covered by the checkpoint of size %d yet", index, p.cp.Size)
	}
	b, err := readBundle(p.ldir, index/layout.EntryBundleWidth, p.cp.Size)
	if err != nil {
		return nil, err
	}
	leaf := b[index%layout.EntryBundleWidth]
	hs, err := p.pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("audit: inclusion proof of %d: %w", index, err)
	}
	rp := make(tlog.RecordProof, len(hs))
	for i, h := range hs {
		copy(rp[i][:], h)
	}
	return torchwood.FormatProofWithExtraData(int64(index), leaf, rp, p.cp.Signed), nil
}

// Proved is what a checked proof shows.
type Proved struct {
	Entry      *Entry
	Checkpoint Checkpoint
}

// VerifyProof checks an inclusion proof offline: the checkpoint's
// signature by logKey, the cosignatures of witnessKeys (at least one when
// requireWitness) and that the entry carried in the proof is in the tree
// at its index. It needs no access to the store.
func VerifyProof(proof []byte, logKey string, witnessKeys []string, requireWitness bool) (*Proved, error) {
	lv, err := note.NewVerifier(logKey)
	if err != nil {
		return nil, fmt.Errorf("audit: log key: %w", err)
	}
	leaf, err := torchwood.ProofExtraData(proof)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProof, err)
	}
	policy := torchwood.ThresholdPolicy(2, torchwood.OriginPolicy(lv.Name()), torchwood.SingleVerifierPolicy(lv))
	if err := torchwood.VerifyProof(policy, tlog.RecordHash(leaf), proof); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProof, err)
	}
	_, signed, ok := bytes.Cut(proof, []byte("\n\n"))
	if !ok {
		return nil, fmt.Errorf("%w: no checkpoint", ErrProof)
	}
	cp, err := VerifyCheckpoint(signed, logKey, witnessKeys...)
	if err != nil {
		return nil, err
	}
	if requireWitness && len(cp.Witnesses) == 0 {
		return nil, fmt.Errorf("%w: the checkpoint carries no cosignature from a given witness", ErrProof)
	}
	idx, err := proofIndex(proof)
	if err != nil {
		return nil, err
	}
	e, err := ParseLeaf(leaf, idx)
	if err != nil {
		return nil, err
	}
	return &Proved{Entry: e, Checkpoint: cp}, nil
}

func proofIndex(proof []byte) (uint64, error) {
	for _, line := range bytes.Split(proof, []byte("\n")) {
		if s, ok := bytes.CutPrefix(line, []byte("index ")); ok {
			var i uint64
			if _, err := fmt.Sscanf(string(s), "%d", &i); err != nil {
				return 0, fmt.Errorf("%w: index %q", ErrProof, s)
			}
			return i, nil
		}
	}
	return 0, fmt.Errorf("%w: no index line", ErrProof)
}

// sealedLeaf returns the leaf of an entry that may have been resolved:
// the clear forms of sealed fields are not part of the leaf.
func sealedLeaf(e Entry) ([]byte, error) {
	if e.ActorSealed != "" {
		e.Actor = ""
	}
	if e.TextSealed != "" {
		e.Rule, e.Reason = "", ""
	}
	return e.Leaf()
}

// EntryProof is an entry with its inclusion proof and what checking the
// proof found.
type EntryProof struct {
	Entry Entry
	// Proof is the tlog-proof, nil when the entry is not covered by a
	// checkpoint yet.
	Proof []byte
	// Verified is true only when Proof checks against the log key (and the
	// witnesses' cosignatures, when witnesses are configured) and carries
	// exactly this entry. Status tells a proof against a witnessed
	// checkpoint ("verified") from one against the log's signature alone.
	Verified bool
	// Status says "verified", or why not.
	Status string
}

// ProveEntries makes the inclusion proof of each entry (as ByPerson
// returns them) against the latest witnessed checkpoint, else the latest
// signed one, and checks each proof as the person's own device would:
// offline, with the published log key and witness keys of opt.
func ProveEntries(ctx context.Context, dir string, entries []Entry, opt VerifyConfig) ([]EntryProof, error) {
	opt, err := opt.resolve(dir)
	if err != nil {
		return nil, err
	}
	pr, err := NewProver(ctx, dir)
	if err != nil {
		return nil, err
	}
	return proveWith(ctx, pr, entries, opt)
}

// proveWith proves and checks each entry with pr (see ProveEntries).
func proveWith(ctx context.Context, pr *Prover, entries []Entry, opt VerifyConfig) ([]EntryProof, error) {
	var err error
	out := make([]EntryProof, len(entries))
	for i, e := range entries {
		out[i] = EntryProof{Entry: e}
		if e.Index >= pr.cp.Size {
			out[i].Status = "pending: not yet in a checkpoint"
			continue
		}
		if out[i].Proof, err = pr.Prove(ctx, e.Index); err != nil {
			return nil, err
		}
		out[i].Status = checkEntryProof(e, out[i].Proof, opt)
		out[i].Verified = strings.HasPrefix(out[i].Status, "verified")
	}
	return out, nil
}

func checkEntryProof(e Entry, p []byte, opt VerifyConfig) string {
	got, err := VerifyProof(p, opt.LogKey, opt.WitnessKeys, len(opt.WitnessKeys) > 0)
	if err != nil {
		return "NOT VERIFIED: " + err.Error()
	}
	want, err := sealedLeaf(e)
	if err != nil {
		return "NOT VERIFIED: " + err.Error()
	}
	have, _ := got.Entry.Leaf()
	if got.Entry.Index != e.Index || !bytes.Equal(want, have) {
		return "NOT VERIFIED: the proof carries another entry"
	}
	if len(got.Checkpoint.Witnesses) == 0 {
		return "verified (log signature only: no witness configured)"
	}
	return "verified"
}

// InclusionProof returns the RFC 6962 audit path proving that entry index
// is in the tree of the given size of the log of the store in dir; check
// it with VerifyInclusion against a checkpoint of that size.
func InclusionProof(ctx context.Context, dir string, index, size uint64) ([][]byte, error) {
	pb, err := client.NewProofBuilder(ctx, size, tileFetcher(logDir(dir)))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	p, err := pb.InclusionProof(ctx, index)
	if err != nil {
		return nil, fmt.Errorf("audit: inclusion proof of %d in %d: %w", index, size, err)
	}
	return p, nil
}

// VerifyInclusion checks that e (as read from the log, with its Index) is
// in the tree described by cp, using an inclusion proof. Resolved sealed
// fields are compared in their sealed form.
func VerifyInclusion(e Entry, cp Checkpoint, p [][]byte) error {
	leaf, err := sealedLeaf(e)
	if err != nil {
		return err
	}
	if err := merkleproof.VerifyInclusion(hasher, e.Index, cp.Size, hasher.HashLeaf(leaf), p, cp.Root); err != nil {
		return fmt.Errorf("%w: %v", ErrProof, err)
	}
	return nil
}
