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

// TestHelperAppender is not a test on its own: run by
// TestKill9LosesNoAcknowledgedEntry as a child process, it appends from
// four goroutines until killed and prints "ack ACTOR" after each Append
// returns.
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
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				e := entry(people[i%2], fmt.Sprintf("%s-%d-%d", os.Getenv(helperEnv+"_NAME"), g, i), true, i%60)
				if _, err := l.Append(context.Background(), e); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				mu.Lock()
				os.Stdout.WriteString("ack " + e.Actor + "\n")
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// TestKill9LosesNoAcknowledgedEntry kills appending processes (two at a
// time, sharing the log) with SIGKILL, several times, and checks that
// every entry acknowledged before the kill is in the log exactly once
// and that the log verifies.
func TestKill9LosesNoAcknowledgedEntry(t *testing.T) {
	t.Parallel()
	dir := fill(t, 1)
	acked := map[string]bool{}
	var mu sync.Mutex
	for round := range 5 {
		var procs []*exec.Cmd
		var readers sync.WaitGroup
		first := make(chan struct{}, 2)
		for p := range 2 {
			cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAppender$")
			cmd.Env = append(os.Environ(), helperEnv+"="+dir, fmt.Sprintf("%s_NAME=r%dp%d", helperEnv, round, p))
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
		for _, p := range procs {
			p.Wait()
		}
		readers.Wait()
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
	rep, err := VerifyLog(context.Background(), dir, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Checkpoint.Size != rep.Entries {
		t.Errorf("checkpoint of size %d after reopening, the log holds %d", rep.Checkpoint.Size, rep.Entries)
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
	t.Logf("%d acknowledged entries from 10 killed processes, all in the log of %d (checkpoint %d)", len(acked), rep.Entries, rep.Checkpoint.Size)
}
