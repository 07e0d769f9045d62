package audit

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// manifestJSON is a store manifest of generation gen (its content only
// needs a generation and something that differs).
func manifestJSON(gen int, what string) []byte {
	return fmt.Appendf(nil, "{\"format\": 1, \"generation\": %d, \"what\": %q}", gen, what)
}

// commitGen does what package store's Commit does: log, then write the
// history file, then switch manifest.json in.
func commitGen(t *testing.T, l *Log, gen int, what string) {
	t.Helper()
	b := manifestJSON(gen, what)
	if err := l.LogGeneration(context.Background(), int64(gen), b); err != nil {
		t.Fatal(err)
	}
	writeHist(t, l.Dir(), gen, b)
	if err := os.WriteFile(filepath.Join(l.Dir(), "manifest.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeHist(t *testing.T, dir string, gen int, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "history"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "history", fmt.Sprintf("%08d.json", gen)), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyHistory: each way a store's generations can disagree with the
// log is named, and an interrupted commit is reported without failing.
func TestVerifyHistory(t *testing.T) {
	for _, tc := range []struct {
		name string
		// after three committed generations
		change          func(t *testing.T, l *Log)
		problem, interr string // substrings; "" means none expected
	}{
		{name: "intact", change: func(*testing.T, *Log) {}},
		{name: "history rewritten", change: func(t *testing.T, l *Log) { writeHist(t, l.Dir(), 2, manifestJSON(2, "forged")) },
			problem: "generation 2: manifest changed"},
		{name: "manifest.json replaced", change: func(t *testing.T, l *Log) {
			os.WriteFile(filepath.Join(l.Dir(), "manifest.json"), manifestJSON(3, "forged"), 0o644)
		}, problem: "manifest.json: manifest changed"},
		{name: "history inserted", change: func(t *testing.T, l *Log) { writeHist(t, l.Dir(), 4, manifestJSON(4, "inserted")) },
			problem: "generation 4: not in the audit log"},
		{name: "history removed", change: func(t *testing.T, l *Log) { os.Remove(filepath.Join(l.Dir(), "history", "00000001.json")) },
			problem: "generation 1: logged generation missing"},
		{name: "old generation re-logged", change: func(t *testing.T, l *Log) {
			b := manifestJSON(2, "forged")
			if err := l.LogGeneration(context.Background(), 2, b); err != nil {
				t.Fatal(err)
			}
			writeHist(t, l.Dir(), 2, b)
		}, problem: "generation 2: logged again after generation 3"},
		{name: "commit interrupted after its history", change: func(t *testing.T, l *Log) {
			b := manifestJSON(4, "interrupted")
			if err := l.LogGeneration(context.Background(), 4, b); err != nil {
				t.Fatal(err)
			}
			writeHist(t, l.Dir(), 4, b)
		}, interr: "generation 4: logged, never committed"},
		{name: "generation committed again after an interruption", change: func(t *testing.T, l *Log) {
			if err := l.LogGeneration(context.Background(), 4, manifestJSON(4, "interrupted")); err != nil {
				t.Fatal(err)
			}
			commitGen(t, l, 4, "second try")
		}, interr: "generation 4: logged 2 times"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "store")
			l, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			for g := 1; g <= 3; g++ {
				commitGen(t, l, g, "ok")
			}
			tc.change(t, l)
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			rep, err := VerifyHistory(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := describe(rep.Problems); !matches(got, tc.problem) {
				t.Errorf("problems %q, want %q", got, tc.problem)
			}
			if got := describe(rep.Interrupted); !matches(got, tc.interr) {
				t.Errorf("interrupted %q, want %q", got, tc.interr)
			}
		})
	}
}

func describe(ps []HistoryProblem) string {
	var out []string
	for _, p := range ps {
		out = append(out, "generation "+p.Generation+": "+filepath.Base(p.Path)+": "+p.Problem)
	}
	return strings.Join(out, "\n")
}

// matches reports whether got is empty when want is, else contains it
// (the path is dropped from want's match when want names none).
func matches(got, want string) bool {
	if want == "" {
		return got == ""
	}
	if strings.Contains(got, want) {
		return true
	}
	g, rest, ok := strings.Cut(want, ": ")
	if !ok {
		return false
	}
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, g+": ") && strings.Contains(line, rest) {
			return true
		}
	}
	return false
}
