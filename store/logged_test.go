package store

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/varamu/varamu/audit"
)

const commitChildEnv = "VARAMU_STORE_TEST_COMMIT_CHILD"

// commitOnce commits one transaction adding one file to table "things".
func commitOnce(t *testing.T, s *Store, body string, crashAt func(string)) error {
	t.Helper()
	tx, err := s.Begin(context.Background())
	if err != nil {
		return err
	}
	tx.crashAt = crashAt
	p := writeFile(t, tx, "x.parquet", body)
	tx.Add("things", p, "", 1)
	return tx.Commit("add "+body, nil)
}

// TestHelperCommitChild is not a test on its own: run by
// TestKill9BetweenLogAndCommit as a child process, it commits one
// generation to the store named by the environment and, at the crash
// point named there, prints "at POINT" and waits to be killed.
func TestHelperCommitChild(t *testing.T) {
	dir := os.Getenv(commitChildEnv)
	if dir == "" {
		return
	}
	point := os.Getenv(commitChildEnv + "_POINT")
	s, err := Open(dir, Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	err = commitOnce(t, s, "killed", func(p string) {
		if p == point {
			fmt.Println("at " + p)
			time.Sleep(time.Minute)
		}
	})
	fmt.Fprintln(os.Stderr, "the child was not killed:", err)
	os.Exit(3)
}

// loggedGenerations returns the manifest hashes logged for generation
// gen, in log order.
func loggedGenerations(t *testing.T, dir string, gen string) []string {
	t.Helper()
	var out []string
	for e, err := range audit.Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind == audit.KindGeneration && e.Record.ID == gen {
			out = append(out, e.Record.SHA256)
		}
	}
	return out
}

// TestKill9BetweenLogAndCommit kills a committing process with SIGKILL
// after its generation is logged and before the manifest is switched in
// (before and after the history file is written), then checks that the
// old generation is intact, that verification reports the interrupted
// commit without failing, and that the next writer's commit of the same
// generation is logged and verifies: no committed generation is ever
// missing from the log.
func TestKill9BetweenLogAndCommit(t *testing.T) {
	for _, point := range []string{"logged", "history written"} {
		t.Run(point, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "store")
			s, err := Open(dir, Config{Create: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := commitOnce(t, s, "first", nil); err != nil {
				t.Fatal(err)
			}
			killAt(t, dir, point)

			s, err = Open(dir, Config{})
			if err != nil {
				t.Fatal(err)
			}
			if g := s.Manifest().Generation; g != 1 {
				t.Fatalf("after the kill: generation %d, want 1 (the commit never switched in)", g)
			}
			if got := loggedGenerations(t, dir, "2"); len(got) != 1 {
				t.Fatalf("generation 2 logged %d times before the kill point %q, want 1", len(got), point)
			}
			rep, err := audit.VerifyHistory(context.Background(), dir)
			if err != nil || !rep.OK() {
				t.Fatalf("verify after the kill: %+v %v", rep, err)
			}
			if wantNote := point == "history written"; (len(rep.Interrupted) == 1) != wantNote {
				t.Errorf("interrupted commits reported: %+v, want one: %v", rep.Interrupted, wantNote)
			}

			// The next writer commits generation 2 again: logged, and the
			// interrupted one's history is gone.
			if err := commitOnce(t, s, "second", nil); err != nil {
				t.Fatal(err)
			}
			logged := loggedGenerations(t, dir, "2")
			b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
			if err != nil {
				t.Fatal(err)
			}
			if len(logged) != 2 || logged[1] != sha256Hex(b) {
				t.Fatalf("generation 2 logged as %v, want the interrupted and then the committed manifest %s", logged, sha256Hex(b))
			}
			rep, err = audit.VerifyHistory(context.Background(), dir)
			if err != nil || !rep.OK() || rep.Generation != 2 || rep.History != 2 {
				t.Fatalf("verify after the next commit: %+v %v", rep, err)
			}
			if len(rep.Interrupted) != 1 || !strings.Contains(rep.Interrupted[0].Problem, "logged 2 times") {
				t.Errorf("the interrupted commit is not reported: %+v", rep.Interrupted)
			}
		})
	}
}

// killAt runs TestHelperCommitChild on dir, waits until it reaches point
// and kills it with SIGKILL.
func killAt(t *testing.T, dir, point string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCommitChild$")
	cmd.Env = append(os.Environ(), commitChildEnv+"="+dir, commitChildEnv+"_POINT="+point)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "at "+point {
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if sc.Err() != nil {
		t.Fatal(sc.Err())
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
