package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sampleReadme = "# t\n" +
	"```\n" +
	"$ echo a\n" +
	"a\n" +
	"\n" +
	"pr-1$ long \\\n" +
	"    --flag\n" +
	"x\n" +
	"```\n" +
	"text\n" +
	"```toml\n" +
	"key = 1\n" +
	"```\n" +
	"```\n" +
	notRunMarker + " needs a network\n" +
	"$ curl example\n" +
	"out\n" +
	"```\n"

// TestReadmeExamples: prompts with their actor, continued commands, output
// up to the next prompt without trailing blank lines, code blocks without
// prompts and blocks marked not run left out; -update rewrites only the
// output lines.
func TestReadmeExamples(t *testing.T) {
	lines := strings.Split(strings.TrimSuffix(sampleReadme, "\n"), "\n")
	exs, err := readmeExamples(lines)
	if err != nil {
		t.Fatal(err)
	}
	type short struct {
		Line       int
		Actor, Cmd string
		Want       []string
	}
	var got []short
	for _, e := range exs {
		got = append(got, short{e.line, e.actor, e.cmd, e.want})
	}
	want := []short{{3, "", "echo a", []string{"a"}}, {6, "pr-1", "long \\\n    --flag", []string{"x"}}}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("examples (-want +got):\n%s", d)
	}
	exs[0].want = []string{"b", "c"}
	path := filepath.Join(t.TempDir(), "README.md")
	if err := writeReadme(path, lines, exs); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	wantText := strings.Replace(sampleReadme, "$ echo a\na\n", "$ echo a\nb\nc\n", 1)
	if d := cmp.Diff(wantText, string(b)); d != "" {
		t.Errorf("rewritten README (-want +got):\n%s", d)
	}
}

// TestReadmeMatch: masked values and "..." match; other differences do not;
// an update keeps a single "..." with the lines around it.
func TestReadmeMatch(t *testing.T) {
	for _, tt := range []struct {
		name      string
		want, got []string
		match     bool
	}{
		{"timing", []string{"store st at generation 1 (0.2s)"}, []string{"store st at generation 1 (13.75s)"}, true},
		{"rate", []string{"in 0.11s (85595 resources/s)"}, []string{"in 5.79s (1639 resources/s)"}, true},
		{"tmp path and port", []string{"x /tmp/a/b: listening on https://127.0.0.1:8443"}, []string{"x /tmp/TestReadme1/001/b: listening on https://127.0.0.1:41234"}, true},
		{"day of the run", []string{"consent decided 2026-12-01: 934"}, []string{"consent decided 2027-03-04: 934"}, true},
		{"txn", []string{"ingest 00000002-3b81c9d7: 8 files"}, []string{"ingest 00000002-a22b1428: 8 files"}, true},
		{"count differs", []string{"934 of 1000"}, []string{"935 of 1000"}, false},
		{"fixed date differs", []string{"withdrew on 2024-08-27"}, []string{"withdrew on 2024-08-28"}, false},
		{"dots", []string{"head", "...", "tail"}, []string{"head", "1", "2", "tail"}, true},
		{"dots, wrong tail", []string{"head", "...", "tail"}, []string{"head", "1", "end"}, false},
		{"missing line", []string{"a", "b"}, []string{"a"}, false},
	} {
		if got := matchLines(tt.want, tt.got); got != tt.match {
			t.Errorf("%s: matchLines = %v, want %v", tt.name, got, tt.match)
		}
	}
	up := updatedOutput([]string{"h", "...", "t"}, []string{"H", "1", "2", "T"})
	if d := cmp.Diff([]string{"H", "...", "T"}, up); d != "" {
		t.Errorf("updatedOutput (-want +got):\n%s", d)
	}
}
