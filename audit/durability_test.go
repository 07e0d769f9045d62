package audit

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

const helperEnv = "VARAMU_AUDIT_TEST_APPENDER"

// TestHelperAppender is not a test on its own: run by the kill -9 tests
// as a child process, it appends until killed and prints "ack ACTOR"
// after each entry is acknowledged. In mode "append" four goroutines
// call Append, one entry at a time; in mode "burst" 64 goroutines each
// keep 32 entries outstanding (Submit, then Wait), so that the kill falls
// in a burst of journaled entries not yet integrated into the tree.
func TestHelperAppender(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		return
	}
	l, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	name := os.Getenv(helperEnv + "_NAME")
	writers, depth := 4, 1
	if os.Getenv(helperEnv+"_MODE") == "burst" {
		writers, depth = 64, 32
	}
	var mu sync.Mutex
	ack := func(e *Entry) {
		mu.Lock()
		os.Stdout.WriteString("ack " + e.Actor + "\n")
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for g := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := appendUntilKilled(l, fmt.Sprintf("%s-%d", name, g), depth, ack); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
		}()
	}
	wg.Wait()
}

// appendUntilKilled appends entries named actor-i, keeping depth of them
// outstanding, and calls ack for each once it is acknowledged.
func appendUntilKilled(l *Log, actor string, depth int, ack func(*Entry)) error {
	var out []Pending
	for i := 0; ; i++ {
		p, err := l.Submit(context.Background(), entry(people[i%2], fmt.Sprintf("%s-%d", actor, i), true, i%60))
		if err != nil {
			return err
		}
		if out = append(out, p); len(out) < depth {
			continue
		}
		if _, err := out[0].Wait(); err != nil {
			return err
		}
		ack(out[0].e)
		out = out[1:]
	}
}

// TestKill9LosesNoAcknowledgedEntry kills appending processes (two at a
// time, sharing the log) with SIGKILL, several times, and checks that
// every entry acknowledged before the kill is in the log exactly once
// and that the log verifies.
func TestKill9LosesNoAcknowledgedEntry(t *testing.T) {
	t.Parallel()
	kill9Rounds(t, "append")
}

// TestKill9DuringJournaledBurst is TestKill9LosesNoAcknowledgedEntry with
// bursts of pipelined appends from 64 goroutines per process: the kills
// fall while acknowledged entries wait in the journal for integration,
// and reopening replays them into the tree exactly once.
func TestKill9DuringJournaledBurst(t *testing.T) {
	t.Parallel()
	kill9Rounds(t, "burst")
}

// kill9Rounds runs five rounds of two appenders in mode, kills them with
// SIGKILL, reopens the log and checks every acknowledged entry is in it
// exactly once and the log verifies.
func kill9Rounds(t *testing.T, mode string) {
	dir := fill(t, 1)
	acked := map[string]bool{}
	var mu sync.Mutex
	inSegment := 0
	for round := range 5 {
		var procs []*exec.Cmd
		var readers sync.WaitGroup
		first := make(chan struct{}, 2)
		for p := range 2 {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAppender$")
			cmd.Env = append(os.Environ(), helperEnv+"="+dir, fmt.Sprintf("%s_NAME=r%dp%d", helperEnv, round, p), helperEnv+"_MODE="+mode)
			cmd.Stderr = os.Stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			procs = append(procs, cmd)
			readers.Add(1)
			go func() {
				defer readers.Done()
				sc := bufio.NewScanner(out)
				n := 0
				for sc.Scan() {
					if a, ok := strings.CutPrefix(sc.Text(), "ack "); ok {
						mu.Lock()
						acked[a] = true
						mu.Unlock()
						if n++; n == 1 {
							first <- struct{}{}
						}
					}
				}
			}()
		}
		for range 2 {
			select {
			case <-first:
			case <-time.After(20 * time.Second):
				t.Fatal("appender did not start")
			}
		}
		time.Sleep(time.Duration(20+rand.IntN(200)) * time.Millisecond)
		for _, p := range procs {
			p.Process.Kill() // SIGKILL
		}
		// Read every acknowledgement to EOF before Wait, which closes
		// the pipes: a read cut off by the close hands the scanner's
		// half-read last line over as if it were whole.
		readers.Wait()
		for _, p := range procs {
			p.Wait()
		}
		if killedInSegment(t, dir) {
			inSegment++
		}
	}
	if inSegment < 3 {
		t.Errorf("only %d of 5 kills fell inside a preallocated segment: the journal is not allocated ahead", inSegment)
	}
	// The next process to open the log publishes a checkpoint covering
	// everything acknowledged.
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyLog(context.Background(), dir, VerifyConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Checkpoint.Size != rep.Entries || rep.Journaled != 0 {
		t.Errorf("checkpoint of size %d after reopening, the log holds %d, %d more journaled", rep.Checkpoint.Size, rep.Entries, rep.Journaled)
	}
	seen := map[string]int{}
	for e, err := range Entries(dir) {
		if err != nil {
			t.Fatal(err)
		}
		seen[e.Actor]++
	}
	lost := 0
	for a := range acked {
		if seen[a] != 1 {
			lost++
			if lost < 5 {
				t.Errorf("acknowledged entry %s found %d times", a, seen[a])
			}
		}
	}
	if lost > 0 || len(acked) == 0 {
		t.Fatalf("%d of %d acknowledged entries lost", lost, len(acked))
	}
	if distinct := len(seen); uint64(distinct) != rep.Entries {
		t.Errorf("%d distinct actors in a log of %d entries : an entry is in it twice", distinct, rep.Entries)
	}
	t.Logf("%d acknowledged entries from 10 killed processes, all in the log of %d (checkpoint %d)", len(acked), rep.Entries, rep.Checkpoint.Size)
}

// killedInSegment reports whether the kill left the journal as a
// preallocated file (whole segments) with room after its valid records, the
// state the journal is in between groups. The only other state a kill may
// leave is a group written past the allocated space before its zeros were
// (valid records to the end of the file); anything else fails the test.
func killedInSegment(t *testing.T, dir string) bool {
	t.Helper()
	b := journalFile(t, dir)
	_, _, valid, err := parseJournal(b)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case len(b)%journalSegment == 0 && valid < int64(len(b)):
		return true
	case valid == int64(len(b)):
		t.Logf("killed while a group grew the journal (%d bytes, all valid)", len(b))
		return false
	}
	t.Fatalf("journal of %d bytes with %d valid after the kill: want whole segments of %d with room left, or valid records to the end", len(b), valid, journalSegment)
	return false
}
