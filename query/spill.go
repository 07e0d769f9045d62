package query

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// spillPrefix names the private spill directories of research sessions:
// varamu-research-PID-RANDOM in the system temporary directory.
const spillPrefix = "varamu-research-"

// spillDir removes the spill directories of research sessions whose
// process no longer runs (killed before Close) and makes one for this
// session, readable by its owner only (0700).
func spillDir() (string, error) {
	removeStaleSpills(os.TempDir())
	dir, err := os.MkdirTemp("", spillPrefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return "", fmt.Errorf("query: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("query: %w", err)
	}
	return dir, nil
}

// removeStaleSpills removes spill directories in tmp owned by this user
// whose process is gone.
func removeStaleSpills(tmp string) {
	ents, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), spillPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
			continue
		}
		os.RemoveAll(filepath.Join(tmp, e.Name()))
	}
}

// processAlive reports whether a process with this id runs (signal 0
// checks without sending; EPERM means it runs as another user).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
