package audit

import (
	"encoding/json"
	"fmt"
	"time"
)

// Kinds of entry. An access decision has the zero Kind.
const (
	KindAccess     = ""           // a decision about person-level data
	KindGeneration = "generation" // a committed store generation (its manifest)
	KindRecord     = "record"     // an ingested clinical record version
	KindMigration  = "migration"  // the root of a round-1 log copied in
)

// Entry is one leaf of the log: an access decision, a committed store
// generation or an ingested record version. The fields are plain strings so
// that the log does not depend on the packages that make decisions.
//
// The leaf is the entry's JSON encoding (see Leaf). It never holds a
// personal code: Person is replaced by Subject, a keyed commitment.
type Entry struct {
	// Index is the entry's position in the log (0-based), set by Append and
	// by the readers; it is not part of the leaf (the tree position is).
	Index uint64 `json:"-"`
	// Kind is KindAccess (empty), KindGeneration or KindRecord.
	Kind string `json:"kind,omitempty"`
	// Logged is when the entry was written, set by Append.
	Logged time.Time `json:"logged"`
	Time   time.Time `json:"time"` // the moment the access is about
	// Actor identifies who asked: a professional's id, a researcher's id
	// or a batch job's name. A person (role patient or representative, or
	// any 11-digit personal code) is not written in clear: the leaf holds
	// ActorSealed instead and readers leave Actor empty until Resolve.
	Actor string `json:"actor,omitempty"`
	// ActorSealed is the actor's id encrypted (AES-256-GCM) under a key
	// derived from the log's person secret: only the log's holder, for the
	// person's own view, can read it; published tiles reveal nothing.
	ActorSealed string `json:"actor_sealed,omitempty"`
	Role        string `json:"role"`
	Licence     string `json:"licence,omitempty"` // professional licence number
	// Person is the person whose data the access is about. It is never
	// written to the log: Append replaces it by Subject. Readers leave it
	// empty unless they resolved the entry for a given person (ByPerson).
	Person string `json:"-"`
	// Subject is the keyed commitment to Person (Keys.Commit): 64 hex
	// digits, or "*" for the whole store.
	Subject string `json:"subject,omitempty"`
	Purpose string `json:"purpose,omitempty"`
	Reason  string `json:"reason,omitempty"` // stated reason (emergency access)
	Use     string `json:"use,omitempty"`    // research use, as DUO codes
	Allowed bool   `json:"allowed"`
	// Rule says which rule decided, in words a person can read.
	Rule string `json:"rule,omitempty"`
	// TextSealed holds Rule and Reason, encrypted like ActorSealed, when
	// either names a personal code (an 11-digit run): the leaf then has
	// them empty, and Resolve restores them.
	TextSealed string `json:"text_sealed,omitempty"`
	// Flagged marks accesses the person must be told about (emergency
	// access to closed data).
	Flagged bool `json:"flagged,omitempty"`
	// Record names the generation or record version of a KindGeneration or
	// KindRecord entry.
	Record *RecordRef `json:"record,omitempty"`
}

// RecordRef identifies what a KindGeneration or KindRecord entry commits
// to.
type RecordRef struct {
	// Type and ID are the FHIR resource type and logical id of a record
	// (the id as a keyed commitment, like Entry.Subject), or "generation"
	// and the generation number of a store generation.
	Type    string `json:"type"`
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	// SHA256 is the hex SHA-256 of the record's canonical JSON, or of the
	// generation's manifest file.
	SHA256 string `json:"sha256"`
}

// Leaf returns the bytes the log commits to for e: its JSON encoding
// (Person and Index are not part of it).
func (e *Entry) Leaf() ([]byte, error) {
	if b, ok := e.appendLeaf(make([]byte, 0, 512)); ok {
		return b, nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	return b, nil
}

// ParseLeaf decodes a leaf as written by Append.
func ParseLeaf(b []byte, index uint64) (*Entry, error) {
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("%w: entry %d: %v", ErrCorrupt, index, err)
	}
	e.Index = index
	return &e, nil
}
