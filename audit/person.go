package audit

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// PersonView is what a person sees of who looked at their data: each
// access with its inclusion proof and whether that proof checked.
type PersonView struct {
	// Accesses are the person's entries, oldest first. An access is
	// Verified only when its proof checks offline against the log key and,
	// when witnesses are configured, their cosignatures; Proof is the
	// C2SP tlog-proof a person downloads and checks with
	// varamu audit verify-proof.
	Accesses []EntryProof
	// Checkpoint is the checkpoint the proofs are made against: the
	// latest witnessed checkpoint when witnesses are configured, else the
	// latest signed one.
	Checkpoint Checkpoint
	// Witnessed is true when Checkpoint carries a configured witness's
	// cosignature.
	Witnessed bool
	// WitnessErr says why the witnesses did not cosign the latest
	// checkpoint now (unreachable, or refusing: a refusal is the alarm for
	// a rewritten log). Entries the older witnessed checkpoint covers are
	// still proved; newer ones are "pending", never "verified".
	WitnessErr error
}

// witnessTimeout bounds one round of cosignature requests made for a
// person's view.
const witnessTimeout = 10 * time.Second

// ProveForPerson returns entries (as ByPerson returns them, e.g. through
// access.Decider.AccessLog) with their inclusion proofs: it waits until a
// published checkpoint covers every entry, has the configured witnesses
// cosign it (hc nil means http.DefaultClient), and proves each entry
// against the latest witnessed checkpoint, checking each proof as the
// person's own device would: offline, with the published keys only.
func (l *Log) ProveForPerson(ctx context.Context, entries []Entry, hc *http.Client) (*PersonView, error) {
	var need uint64
	for _, e := range entries {
		need = max(need, e.Index+1)
	}
	if err := l.waitCheckpoint(ctx, need); err != nil {
		return nil, err
	}
	keys := l.sh.keys
	opt := VerifyConfig{LogKey: keys.VerifierKey, WitnessKeys: []string{}}
	for _, w := range keys.Witnesses {
		opt.WitnessKeys = append(opt.WitnessKeys, w.Key)
	}
	view := &PersonView{}
	if len(keys.Witnesses) > 0 {
		view.WitnessErr = l.cosign(ctx, need, hc)
	}
	pr, err := NewProver(ctx, l.dir)
	if err != nil {
		return nil, err
	}
	view.Checkpoint = pr.Checkpoint()
	if cp, err := VerifyCheckpoint(view.Checkpoint.Signed, opt.LogKey, opt.WitnessKeys...); err == nil {
		view.Witnessed = len(cp.Witnesses) > 0
	}
	view.Accesses, err = proveWith(ctx, pr, entries, opt)
	if err != nil {
		return nil, err
	}
	return view, nil
}

// cosign has the witnesses cosign the latest checkpoint unless the kept
// witnessed checkpoint already covers need entries. Requests of one
// process are serialised: two racing requests would look to a witness
// like a rollback.
func (l *Log) cosign(ctx context.Context, need uint64, hc *http.Client) error {
	l.sh.witnessMu.Lock()
	defer l.sh.witnessMu.Unlock()
	if w, ok, err := ReadWitnessed(l.dir); err == nil && ok && w.Size >= need {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, witnessTimeout)
	defer cancel()
	_, err := RequestCosignaturesWith(ctx, l.dir, l.sh.keys.VerifierKey, l.sh.keys.Witnesses, hc)
	return err
}

// publishTimeout bounds the wait for a checkpoint (tessera publishes one
// within Config.CheckpointInterval while entries arrive).
const publishTimeout = 30 * time.Second

// waitCheckpoint waits until the published checkpoint covers size
// entries.
func (l *Log) waitCheckpoint(ctx context.Context, size uint64) error {
	if size == 0 {
		return nil
	}
	if err := l.sh.flush(ctx); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, publishTimeout)
	defer cancel()
	for {
		cp, err := ReadCheckpoint(l.dir)
		if err == nil && cp.Size >= size {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("audit: no checkpoint covers the %d entries: %w", size, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
