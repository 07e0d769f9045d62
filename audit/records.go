package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
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

// historyFiles lists DIR/history/NNNNNNNN.json by generation.
func historyFiles(dir string) (map[string]string, error) {
	ms, err := filepath.Glob(filepath.Join(dir, "history", "*.json"))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	out := map[string]string{}
	for _, m := range ms {
		gen := strings.TrimSuffix(filepath.Base(m), ".json")
		if n, err := strconv.ParseUint(gen, 10, 64); err == nil {
			out[strconv.FormatUint(n, 10)] = m
		}
	}
	return out, nil
}

func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("audit: %w", err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// loggedGenerations returns the manifest hash logged for each generation.
func loggedGenerations(ctx context.Context, dir string) (map[string]string, error) {
	out := map[string]string{}
	for e, err := range EntriesContext(ctx, dir) {
		if err != nil {
			return nil, err
		}
		if e.Kind == KindGeneration && e.Record != nil {
			if prev, ok := out[e.Record.ID]; ok && prev != e.Record.SHA256 {
				return nil, fmt.Errorf("%w: generation %s logged twice with different manifests", ErrTampered, e.Record.ID)
			}
			out[e.Record.ID] = e.Record.SHA256
		}
	}
	return out, nil
}

// LogGenerations appends an entry for every committed generation of the
// store in dir (DIR/history/*.json) that the log does not hold yet: the
// SHA-256 of its manifest, which lists every data file's SHA-256. It
// returns how many it logged.
func (l *Log) LogGenerations(ctx context.Context) (int, error) {
	files, err := historyFiles(l.dir)
	if err != nil {
		return 0, err
	}
	logged, err := loggedGenerations(ctx, l.dir)
	if err != nil {
		return 0, err
	}
	var gens []string
	for g := range files {
		if _, ok := logged[g]; !ok {
			gens = append(gens, g)
		}
	}
	sort.Slice(gens, func(i, j int) bool { a, _ := strconv.Atoi(gens[i]); b, _ := strconv.Atoi(gens[j]); return a < b })
	var es []*Entry
	for _, g := range gens {
		h, err := fileSHA256(files[g])
		if err != nil {
			return 0, err
		}
		es = append(es, &Entry{Kind: KindGeneration, Time: time.Now(), Actor: "varamu", Role: "system", Allowed: true,
			Rule: "store generation committed", Record: &RecordRef{Type: "generation", ID: g, SHA256: h}})
	}
	if len(es) == 0 {
		return 0, nil
	}
	if _, err := l.Append(ctx, es...); err != nil {
		return 0, err
	}
	return len(es), nil
}

// HistoryProblem is one history manifest that does not match the log.
type HistoryProblem struct {
	Generation string
	Path       string
	Problem    string
}

// VerifyHistory checks every manifest in DIR/history against the
// generation entries of the log: a replaced or rewritten manifest, a
// removed one, or one the log does not hold is named. It does not verify
// the log itself (see VerifyLog).
func VerifyHistory(ctx context.Context, dir string) ([]HistoryProblem, error) {
	files, err := historyFiles(dir)
	if err != nil {
		return nil, err
	}
	logged, err := loggedGenerations(ctx, dir)
	if err != nil {
		return nil, err
	}
	var out []HistoryProblem
	for g, path := range files {
		h, err := fileSHA256(path)
		if err != nil {
			return nil, err
		}
		switch want, ok := logged[g]; {
		case !ok:
			out = append(out, HistoryProblem{g, path, "not in the audit log"})
		case want != h:
			out = append(out, HistoryProblem{g, path, fmt.Sprintf("manifest changed: sha256 %s, the log holds %s", h, want)})
		}
	}
	for g := range logged {
		if _, ok := files[g]; !ok {
			out = append(out, HistoryProblem{g, filepath.Join(dir, "history"), "logged generation missing from history/"})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, _ := strconv.Atoi(out[i].Generation)
		b, _ := strconv.Atoi(out[j].Generation)
		return a < b
	})
	return out, nil
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
	es := make([]*Entry, 0, len(resources))
	for _, raw := range resources {
		e, err := recordEntryJSON(raw)
		if err != nil {
			return err
		}
		e.Record.ID = l.sh.keys.Commit(e.Record.ID)
		es = append(es, e)
	}
	_, err := l.Append(ctx, es...)
	return err
}
