package audit

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Store generations in the log.
//
// Package store commits a generation by renaming its manifest into place.
// It MUST log the generation (LogGeneration) before it writes
// history/NNNNNNNN.json or switches manifest.json in, so that every
// manifest that ever appears in history/ or as manifest.json was logged
// first, whatever moment a crash strikes. A crash after the entry is
// durable and before the rename leaves a generation that is logged but was
// never committed; the next commit of that generation number logs its own
// entry. The manifest a generation committed is therefore the one of its
// last entry before any entry of a later generation.

// generationEntry returns the entry of store generation gen whose
// manifest hashes to sum (hex SHA-256).
func generationEntry(gen, sum string) *Entry {
	return &Entry{Kind: KindGeneration, Time: time.Now(), Actor: "varamu", Role: "system", Allowed: true,
		Rule: "store generation committed", Record: &RecordRef{Type: "generation", ID: gen, SHA256: sum}}
}

// LogGeneration appends the entry of store generation gen whose manifest
// file holds manifest, and returns once it is durable. Package store calls
// it inside Commit, before the manifest is written anywhere.
func (l *Log) LogGeneration(ctx context.Context, gen int64, manifest []byte) error {
	if gen <= 0 {
		return fmt.Errorf("audit: generation %d: generations start at 1", gen)
	}
	h := sha256.Sum256(manifest)
	_, err := l.Append(ctx, generationEntry(strconv.FormatInt(gen, 10), hex.EncodeToString(h[:])))
	return err
}

// historyFiles lists DIR/history/NNNNNNNN.json by generation.
func historyFiles(dir string) (map[uint64]string, error) {
	ms, err := filepath.Glob(filepath.Join(dir, "history", "*.json"))
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	out := map[uint64]string{}
	for _, m := range ms {
		if n, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(m), ".json"), 10, 64); err == nil {
			out[n] = m
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

// generationLog is what the log says about store generations.
type generationLog struct {
	// manifest is the hash of each generation's manifest: its last entry
	// before any entry of a later generation.
	manifest map[uint64]string
	// entries counts each generation's entries before a later one's.
	entries map[uint64]int
	// late are the entries of a generation logged after a later
	// generation: history rewritten, or the store rolled back.
	late []HistoryProblem
}

// readGenerationLog reads the generation entries of the log of dir.
func readGenerationLog(ctx context.Context, dir string) (*generationLog, error) {
	g := &generationLog{manifest: map[uint64]string{}, entries: map[uint64]int{}}
	var highest uint64
	for e, err := range EntriesContext(ctx, dir) {
		if err != nil {
			return nil, err
		}
		if e.Kind != KindGeneration || e.Record == nil {
			continue
		}
		n, err := strconv.ParseUint(e.Record.ID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: generation %q", ErrCorrupt, e.Index, e.Record.ID)
		}
		if n < highest {
			g.late = append(g.late, HistoryProblem{Generation: e.Record.ID, Path: "audit log entry " + strconv.FormatUint(e.Index, 10),
				Problem: fmt.Sprintf("generation %d logged again after generation %d: history rewritten or the store rolled back", n, highest)})
			continue
		}
		highest = n
		g.manifest[n] = e.Record.SHA256
		g.entries[n]++
	}
	return g, nil
}

// HistoryProblem is one store generation that does not match the log.
type HistoryProblem struct {
	Generation string
	Path       string
	Problem    string
}

// HistoryReport is what VerifyHistory found.
type HistoryReport struct {
	// Generation is the store's current generation (manifest.json), 0 for
	// a store that never committed.
	Generation uint64
	// History counts the manifests of history/ checked (manifest.json is
	// checked too).
	History int
	// Problems are integrity failures: a manifest the log does not hold or
	// holds with another hash, a logged generation missing from history/,
	// a generation logged again after a later one.
	Problems []HistoryProblem
	// Interrupted are commits that were logged and never switched in (a
	// crash between logging and the rename): not failures. The store's
	// next writer removes their history file and logs its own commit.
	Interrupted []HistoryProblem
}

// OK reports whether no problem was found.
func (r *HistoryReport) OK() bool { return len(r.Problems) == 0 }

// currentGeneration returns the generation of DIR/manifest.json and its
// path, or 0 when there is none.
func currentGeneration(dir string) (uint64, string, error) {
	path := filepath.Join(dir, "manifest.json")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("audit: %w", err)
	}
	var m struct {
		Generation uint64 `json:"generation"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, "", fmt.Errorf("audit: %s: %w", path, err)
	}
	return m.Generation, path, nil
}

// VerifyHistory checks the store's manifest.json and every manifest in
// DIR/history against the generation entries of the log: a replaced or
// rewritten manifest, a removed one, one the log does not hold, or a
// generation logged again after a later one is named. It does not verify
// the log itself (see VerifyLog).
func VerifyHistory(ctx context.Context, dir string) (*HistoryReport, error) {
	files, err := historyFiles(dir)
	if err != nil {
		return nil, err
	}
	logged, err := readGenerationLog(ctx, dir)
	if err != nil {
		return nil, err
	}
	rep := &HistoryReport{Problems: logged.late}
	cur, curPath, err := currentGeneration(dir)
	if err != nil {
		return nil, err
	}
	rep.Generation = cur
	if curPath != "" {
		if err := rep.check(logged, cur, curPath, true); err != nil {
			return nil, err
		}
	}
	for g, path := range files {
		if err := rep.check(logged, g, path, g <= cur); err != nil {
			return nil, err
		}
		rep.History++
	}
	for g := range logged.manifest {
		if _, ok := files[g]; !ok && g <= cur && g > 0 {
			rep.Problems = append(rep.Problems, HistoryProblem{strconv.FormatUint(g, 10), filepath.Join(dir, "history"), "logged generation missing from history/"})
		}
	}
	for g, n := range logged.entries {
		if n > 1 && g <= cur {
			rep.Interrupted = append(rep.Interrupted, HistoryProblem{strconv.FormatUint(g, 10), "audit log",
				fmt.Sprintf("logged %d times: %d earlier commits of this generation were interrupted; the last entry is the committed manifest", n, n-1)})
		}
	}
	byGeneration := func(a, b HistoryProblem) int {
		x, _ := strconv.ParseUint(a.Generation, 10, 64)
		y, _ := strconv.ParseUint(b.Generation, 10, 64)
		return cmp.Or(cmp.Compare(x, y), strings.Compare(a.Path, b.Path))
	}
	slices.SortFunc(rep.Problems, byGeneration)
	slices.SortFunc(rep.Interrupted, byGeneration)
	return rep, nil
}

// check compares the manifest at path, of generation g, with the log.
// committed says whether g is at most the current generation.
func (r *HistoryReport) check(logged *generationLog, g uint64, path string, committed bool) error {
	h, err := fileSHA256(path)
	if err != nil {
		return err
	}
	gen := strconv.FormatUint(g, 10)
	want, ok := logged.manifest[g]
	switch {
	case !ok:
		r.Problems = append(r.Problems, HistoryProblem{gen, path, "not in the audit log"})
	case want != h:
		r.Problems = append(r.Problems, HistoryProblem{gen, path, fmt.Sprintf("manifest changed: sha256 %s, the log holds %s", h, want)})
	case !committed:
		r.Interrupted = append(r.Interrupted, HistoryProblem{gen, path, "logged, never committed (the commit was interrupted before the manifest was switched in); the next writer removes it"})
	}
	return nil
}

// LogGenerations appends an entry for every generation in DIR/history
// that the log does not hold, in generation order, and returns how many it
// logged. It is for migrating a store whose generations were committed
// before package store logged each commit (Migrate calls it); on any
// other store it would bless an inserted manifest, so the commands never
// call it.
func (l *Log) LogGenerations(ctx context.Context) (int, error) {
	files, err := historyFiles(l.dir)
	if err != nil {
		return 0, err
	}
	logged, err := readGenerationLog(ctx, l.dir)
	if err != nil {
		return 0, err
	}
	var gens []uint64
	for g := range files {
		if _, ok := logged.manifest[g]; !ok {
			gens = append(gens, g)
		}
	}
	slices.Sort(gens)
	var es []*Entry
	for _, g := range gens {
		h, err := fileSHA256(files[g])
		if err != nil {
			return 0, err
		}
		es = append(es, generationEntry(strconv.FormatUint(g, 10), h))
	}
	if len(es) == 0 {
		return 0, nil
	}
	if _, err := l.Append(ctx, es...); err != nil {
		return 0, err
	}
	return len(es), nil
}
