package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"
)

// ErrRecordChanged is returned (wrapped) when a resource is not the record
// version a log entry commits to.
var ErrRecordChanged = errors.New("audit: resource differs from the logged record version")

// ErrNotLogged is returned (wrapped) when a record version or store
// generation has no entry in the log.
var ErrNotLogged = errors.New("audit: not in the log")

// CanonicalJSON returns the canonical form of a JSON value that a record
// entry's hash covers: object keys sorted, no insignificant white space,
// numbers as written, strings re-escaped by encoding/json without HTML
// escaping.
func CanonicalJSON(b []byte) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("audit: canonical JSON: %w", err)
	}
	if d.More() {
		return nil, errors.New("audit: canonical JSON: more than one value")
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil { // maps encode with sorted keys
		return nil, fmt.Errorf("audit: canonical JSON: %w", err)
	}
	return bytes.TrimSuffix(out.Bytes(), []byte("\n")), nil
}

// recordEntry returns the log entry for one version of a clinical record:
// its FHIR type, logical id (in clear: LogRecords commits it), version and
// the SHA-256 of its canonical JSON.
func recordEntry(typ, id, version string, resource []byte) (*Entry, error) {
	c, err := CanonicalJSON(resource)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(c)
	return &Entry{Kind: KindRecord, Time: time.Now(), Actor: "varamu", Role: "system", Allowed: true,
		Record: &RecordRef{Type: typ, ID: id, Version: version, SHA256: hex.EncodeToString(h[:])}}, nil
}

// MatchRecord checks that resource (JSON) is the record version e commits
// to.
func MatchRecord(e *Entry, resource []byte) error {
	if e.Kind != KindRecord || e.Record == nil {
		return fmt.Errorf("%w: entry %d is not a record version", ErrProof, e.Index)
	}
	c, err := CanonicalJSON(resource)
	if err != nil {
		return err
	}
	h := sha256.Sum256(c)
	if got := hex.EncodeToString(h[:]); got != e.Record.SHA256 {
		return fmt.Errorf("%w: it hashes to %s, the log holds %s for this %s version %q", ErrRecordChanged, got, e.Record.SHA256, e.Record.Type, e.Record.Version)
	}
	return nil
}

// ParseRecordPath parses "Type/id" or "Type/id/_history/v".
func ParseRecordPath(s string) (RecordRef, error) {
	f := strings.Split(s, "/")
	switch {
	case len(f) == 2 && f[0] != "" && f[1] != "":
		return RecordRef{Type: f[0], ID: f[1]}, nil
	case len(f) == 4 && f[0] != "" && f[1] != "" && f[2] == "_history" && f[3] != "":
		return RecordRef{Type: f[0], ID: f[1], Version: f[3]}, nil
	}
	return RecordRef{}, fmt.Errorf("audit: record %q: want Type/id or Type/id/_history/version", s)
}

// FindRecord returns the log entry of a record version: ref.Version, or
// the last version logged when ref.Version is empty. ref.ID is the logical
// id in clear, committed with the store's person secret to search.
func FindRecord(ctx context.Context, dir string, ref RecordRef) (*Entry, error) {
	keys, err := LoadKeys(KeyDirFor(dir))
	if err != nil {
		return nil, err
	}
	id := ref.ID
	ref.ID = keys.Commit(ref.ID)
	var found *Entry
	for e, err := range EntriesContext(ctx, dir) {
		if err != nil {
			return nil, err
		}
		r := e.Record
		if e.Kind == KindRecord && r != nil && r.Type == ref.Type && r.ID == ref.ID && (ref.Version == "" || r.Version == ref.Version) {
			c := *e
			found = &c
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w: record %s/%s version %q", ErrNotLogged, ref.Type, id, ref.Version)
	}
	return found, nil
}

// recordEntryJSON returns the log entry of a FHIR resource given as JSON:
// its resourceType, id and meta.versionId, and the SHA-256 of its
// canonical JSON.
func recordEntryJSON(resource []byte) (*Entry, error) {
	var head struct {
		ResourceType string `json:"resourceType"`
		ID           string `json:"id"`
		Meta         struct {
			VersionID string `json:"versionId"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(resource, &head); err != nil {
		return nil, fmt.Errorf("audit: record: %w", err)
	}
	e, err := recordEntry(head.ResourceType, head.ID, head.Meta.VersionID, resource)
	if err != nil {
		return nil, err
	}
	e.Rule = "record version ingested"
	return e, nil
}

// LogRecords appends one entry per FHIR resource (JSON): a record version
// with its type, version, the SHA-256 of its canonical JSON and its
// logical id as a keyed commitment (ids carry personal codes: Patient ids
// are isikukoods, others embed them).
func (l *Log) LogRecords(ctx context.Context, resources [][]byte) error {
	es, err := recordEntries(ctx, resources)
	if err != nil {
		return err
	}
	for _, e := range es {
		e.Record.ID = l.sh.keys.Commit(e.Record.ID)
	}
	_, err = l.Append(ctx, es...)
	return err
}

// recordEntries returns the record entries of resources, in order. The
// canonical JSON of each is most of an ingest's work, so the resources
// are split among the cores in contiguous runs.
func recordEntries(ctx context.Context, resources [][]byte) ([]*Entry, error) {
	es := make([]*Entry, len(resources))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(resources)/64))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*len(resources)/workers, (w+1)*len(resources)/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi && errs[w] == nil; i++ {
				if errs[w] = ctx.Err(); errs[w] == nil {
					es[i], errs[w] = recordEntryJSON(resources[i])
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return es, nil
}
