package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// shell is one bash session that runs the README's commands in order, so
// that a "cd", a variable or a background server carries over from one
// example to the next as it does for a reader typing them.
type shell struct {
	t     *testing.T
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	work  string
}

// endMark ends the output of one command; the exit status follows it.
const endMark = "__README_END__"

// startShell starts bash in work with varamu (this test binary) first on
// the PATH and the C locale.
func startShell(t *testing.T, work string) *shell {
	t.Helper()
	c := exec.Command("bash", "--noprofile", "--norc")
	c.Dir = work
	c.Env = readmeEnv(work)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.Stdout, c.Stderr = pw, pw
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	sh := &shell{t: t, cmd: c, stdin: stdin, lines: make(chan string, 4096), work: work}
	go func() {
		defer close(sh.lines)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			sh.lines <- sc.Text()
		}
	}()
	return sh
}

// readmeEnv is the environment of the session: no VARAMU_ variable of the
// caller's (keys, actor), varamu first on the PATH, the C locale, and
// temporary files (the demo's) inside the working directory, removed with it.
func readmeEnv(work string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "VARAMU_") || strings.HasPrefix(kv, "PATH=") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PATH="+filepath.Join(work, ".bin")+string(os.PathListSeparator)+os.Getenv("PATH"), "LC_ALL=C",
		"TMPDIR="+filepath.Join(work, ".tmp"), clockEnv+"="+readmeClockValue(time.Now()))
}

// run runs one example and returns its output lines, with "(exit status
// N)" appended when it failed.
func (sh *shell) run(ex *example, i int) ([]string, error) {
	cmd := strings.Replace(ex.cmd, "go run ./cmd/varamu", "varamu", 1)
	actor := ex.actor
	if actor == "" {
		actor = "root"
	}
	script := fmt.Sprintf("export %s=%s\n", actorEnv, actor)
	bgLog := ""
	if trimmed := strings.TrimSpace(cmd); strings.HasSuffix(trimmed, "&") {
		bgLog = filepath.Join(sh.work, fmt.Sprintf(".background-%d.log", i))
		script += fmt.Sprintf("{\n%s\n} </dev/null >%s 2>&1 &\n", strings.TrimSuffix(trimmed, "&"), bgLog)
	} else {
		script += fmt.Sprintf("{\n%s\n} </dev/null\n", cmd)
	}
	script += fmt.Sprintf("printf '\\n%s %%d\\n' $?\n", endMark)
	if _, err := io.WriteString(sh.stdin, script); err != nil {
		return nil, err
	}
	got, err := sh.collect()
	if err == nil && bgLog != "" {
		got = sh.background(bgLog, ex.want)
	}
	for i := range got {
		got[i] = strings.ReplaceAll(got[i], sh.work, readmeWork)
	}
	return got, err
}

// readmeWork stands for the session's working directory in what the
// commands print, so that it is masked as a /tmp path wherever the
// machine's temporary directory is.
const readmeWork = "/tmp/readme"

// collect reads lines up to the end mark.
func (sh *shell) collect() ([]string, error) {
	var got []string
	timeout := time.After(readmeTimeout)
	for {
		select {
		case line, ok := <-sh.lines:
			if !ok {
				return got, fmt.Errorf("the shell ended")
			}
			rest, found := strings.CutPrefix(line, endMark+" ")
			if !found {
				got = append(got, line)
				continue
			}
			for n := len(got); n > 0 && strings.TrimSpace(got[n-1]) == ""; n-- {
				got = got[:n-1] // the end mark's newline, and trailing blank lines the README cannot show
			}
			if status, _ := strconv.Atoi(rest); status != 0 {
				got = append(got, fmt.Sprintf("(exit status %d)", status))
			}
			return got, nil
		case <-timeout:
			return got, fmt.Errorf("no end after %v; printed so far:\n%s", readmeTimeout, strings.Join(got, "\n"))
		}
	}
}

// background waits until a background command has printed what the README
// shows (or, updating, until it printed something and then nothing for a
// second), at most a minute, and returns what it printed.
func (sh *shell) background(logPath string, want []string) []string {
	deadline := time.Now().Add(time.Minute)
	var got []string
	stableSince := time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		b, _ := os.ReadFile(logPath)
		var now []string
		if s := strings.TrimRight(string(b), "\n"); s != "" {
			now = strings.Split(s, "\n")
		}
		if len(now) != len(got) {
			stableSince = time.Now()
		}
		got = now
		if !*updateReadme && matchLines(want, got) {
			time.Sleep(500 * time.Millisecond) // a tee'd copy of the output may lag the pipe
			break
		}
		if *updateReadme && len(got) > 0 && time.Since(stableSince) > time.Second {
			break
		}
	}
	return got
}

// stop ends the shell and everything it started (servers, witnesses: the
// shell's own process group) with SIGTERM, so that they shut down before
// the working directory is removed; what is left after 30 s is killed.
func (sh *shell) stop() {
	sh.stdin.Close()
	pgid := sh.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- sh.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	select {
	case <-done:
	case <-time.After(time.Until(deadline)):
	}
	for time.Now().Before(deadline) && syscall.Kill(-pgid, 0) == nil {
		time.Sleep(100 * time.Millisecond)
	}
	if syscall.Kill(-pgid, 0) == nil {
		sh.t.Errorf("README commands still running 30 s after SIGTERM; killed")
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	for range sh.lines {
	}
}
