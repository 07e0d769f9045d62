package main

import (
	"context"
	"flag"
	"fmt"

	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/varamu/varamu/internal/testref"
)

var updateReadme = flag.Bool("update", false, "TestReadme: rewrite README.md's output blocks from the real output")

// actorEnv names, for the test binary run as "varamu", the operating-system
// user a README prompt stands for ("pr-00001$ varamu ..."). Only the test
// binary reads it: the real command always takes the user from the uid.
const actorEnv = "VARAMU_README_ACTOR"

// TestMain lets the test binary stand in for the varamu command: run under
// the name "varamu" (a link that TestReadme puts first on the PATH), it is
// the command itself, so the README's shell pipelines run the code under
// test.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "varamu" {
		os.Exit(readmeVaramu())
	}
	os.Exit(m.Run())
}

// readmeVaramu is main with the actor of the README prompt.
func readmeVaramu() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	who := osUser
	if a := os.Getenv(actorEnv); a != "" {
		who = func() (string, error) { return a, nil }
	}
	if v := os.Getenv(clockEnv); v != "" {
		now, err := readmeClock(v)
		if err != nil {
			fmt.Fprintln(os.Stderr, "varamu:", err)
			return 1
		}
		ctx = withClock(ctx, now)
	}
	if err := newRootCmdAs(who).ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "varamu:", err)
		return 1
	}
	return 0
}

// readmeFixtures are the inputs the README uses without making them: files
// of testdata/readme, and published reference files (the README says where
// each comes from).
var readmeFixtures = map[string]string{
	"calls.json": "../../pharmacogenomics/report/testdata/three_patients/calls.json",
}

// readmeReference are fixtures taken from ../shared/reference.
var readmeReference = map[string]string{
	"PGS001229_22.txt": "pgs/PGS001229_22.txt",
}

// TestReadme runs every example of README.md, in order, in one bash session
// in one working directory, with varamu on the PATH, and compares each
// output with the README: the README cannot drift from the program.
//
// Format of the README's examples (inside ``` code blocks):
//   - "$ CMD" runs CMD as the operator (the operating-system user root);
//     "NAME$ CMD" runs it as the operating-system user NAME (the test
//     binary takes the actor from VARAMU_README_ACTOR; the real command
//     from the uid). A line ending in "\" continues the command.
//   - The lines under a command, up to the next prompt or the end of the
//     block, are its output (standard output and standard error merged);
//     a failing command ends with "(exit status N)". A line "..." stands
//     for any number of lines. Timings, rates, /tmp paths, timestamps, the
//     day of the run, transaction ids, keys, signatures and SHA-256 hashes
//     are masked before comparing.
//   - A command ending in "&" runs in the background (a server, a
//     witness); its output so far is compared, and it is stopped at the end.
//   - A block whose first line starts with notRunMarker is not run; the
//     marker says why.
//   - Files of testdata/readme and readmeFixtures are copied into the
//     working directory first.
//
// To refresh the README after changing a command, run
//
//	go test ./cmd/varamu -run TestReadme -update
//
// It rewrites the output of every example that no longer matches with what
// the command printed (keeping a single "..." with as many lines around it
// as before), and leaves matching ones untouched. Review the diff: it is
// the program's real output, good or bad.
func TestReadme(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole README (a few minutes)")
	}
	path := filepath.Join("..", "..", "README.md")
	lines, err := readLines(path)
	if err != nil {
		t.Fatal(err)
	}
	examples, err := readmeExamples(lines)
	if err != nil {
		t.Fatal(err)
	}
	if len(examples) < 50 {
		t.Fatalf("only %d README examples found", len(examples))
	}
	work := readmeWorkDir(t)
	sh := startShell(t, work)
	defer sh.stop()
	changed := false
	for i := range examples {
		ex := &examples[i]
		got, err := sh.run(ex, i)
		if err != nil {
			t.Fatalf("README.md:%d: $ %s: %v", ex.line, ex.cmd, err)
		}
		if matchLines(ex.want, got) {
			continue
		}
		if *updateReadme {
			ex.want, changed = updatedOutput(ex.want, got), true
			continue
		}
		t.Errorf("README.md:%d: $ %s\n%s", ex.line, ex.cmd, diffText(ex.want, got))
	}
	if changed {
		if err := writeReadme(path, lines, examples); err != nil {
			t.Fatal(err)
		}
		t.Log("README.md updated: review the diff")
	}
}

// readmeWorkDir makes the working directory with the fixtures, and a bin
// directory where "varamu" is this test binary.
func readmeWorkDir(t *testing.T) string {
	work := t.TempDir()
	for _, d := range []string{".bin", ".tmp"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, filepath.Join(work, ".bin", "varamu")); err != nil {
		t.Fatal(err)
	}
	copies := map[string]string{}
	for name, p := range readmeFixtures {
		copies[name] = p
	}
	for name, rel := range readmeReference {
		copies[name] = testref.Path(t, rel)
	}
	entries, err := os.ReadDir(filepath.Join("testdata", "readme"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		copies[e.Name()] = filepath.Join("testdata", "readme", e.Name())
	}
	for name, from := range copies {
		if err := copyFile(from, filepath.Join(work, name)); err != nil {
			t.Fatal(err)
		}
	}
	return work
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// writeReadme writes lines with each example's output replaced by its want.
func writeReadme(path string, lines []string, examples []example) error {
	var out []string
	next := 0
	for _, ex := range examples {
		out = append(out, lines[next:ex.outStart]...)
		out = append(out, ex.want...)
		next = ex.outEnd
	}
	out = append(out, lines[next:]...)
	return os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644)
}

// readmeTimeout bounds one README command (the demo takes minutes on a
// loaded machine; go test's own -timeout bounds the whole run).
const readmeTimeout = 15 * time.Minute
