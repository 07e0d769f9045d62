// Package audit keeps varamu's transparency log: every access decision
// about person-level data (allowed or denied), every ingested clinical
// record version and every committed store generation, in an append-only
// Merkle tree whose signed, witnessed checkpoints let anyone check that
// nothing was changed, removed, reordered or rewritten — also by an insider
// holding the log key.
//
// It implements, through github.com/transparency-dev/tessera v1.0.4 (POSIX
// storage) and filippo.io/torchwood:
//
//   - C2SP tlog-tiles: entry bundles and hash tiles under STORE/audit/log/
//     (RFC 6962 hashing: leaf SHA-256(0x00 || entry JSON));
//   - C2SP tlog-checkpoint as a C2SP signed-note, Ed25519 via
//     golang.org/x/mod/sumdb/note (STORE/audit/log/checkpoint);
//   - C2SP tlog-witness (Witness, RequestCosignatures) with cosignature/v1;
//     the latest cosigned checkpoint is kept in STORE/audit/witnessed;
//   - C2SP tlog-proof@v1 inclusion proofs carrying the entry (Prover,
//     VerifyProof), checkable offline with the published keys.
//
// # Privacy
//
// Leaves never hold a personal code. Entry.Person becomes Subject, an
// HMAC-SHA256 commitment under the store's person secret; an actor who is a
// person, and a rule or reason that names a personal code (an 11-digit run,
// e.g. a sample re-link), are sealed (AES-256-GCM); record ids, which embed
// personal codes, are commitments. Only the holder of the secret resolves them (ByPerson,
// Resolve, FindRecord), for the person's own view.
//
// # Keys
//
// The log key and the person secret live outside the store directory:
// KeyDirFor(dir) (DIR.keys beside the store, or $VARAMU_AUDIT_KEYS), made on
// first use with mode 0700/0600 and refused when readable by others.
//
// # Durability contract
//
// Append MUST NOT return a nil error before every entry is durable: in
// the write-ahead journal (STORE/audit/journal, checksummed records, see
// journal.go) and fdatasynced. A caller that gets a nil error may release
// data; a caller that gets an error MUST NOT. Submit and Pending.Wait split
// the same contract for a writer that keeps many entries outstanding: an
// entry counts only once its Wait returns a nil error. Entries arriving
// while a group is being written and flushed go together in the next
// group, one fdatasync for the group (group commit, see groupCommit).
//
// Journaled entries are integrated into the tessera tree asynchronously,
// in large batches, at the index the journal gave them; Open replays the
// journal's entries the tree does not hold yet (left by a killed
// process), each exactly once. Entries and ByPerson read journaled
// entries too; everything that proves or checkpoints (Flush, Size,
// ProveForPerson, NewProver, VerifyLog, Close) integrates the journal of
// an open log first.
//
// Package store logs every generation it commits (LogGeneration) before
// the manifest is written anywhere; VerifyHistory checks manifest.json and
// history/ against those entries.
// Several goroutines and several processes (a server and CLI commands) may
// append to one log at once: the journal is written under its flock, only
// the holder of journal.lock adds to the tree (tessera serialises its own
// files with fcntl locks), and Logs of one process share one appender.
package audit
