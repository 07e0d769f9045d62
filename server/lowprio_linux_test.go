package server

import (
	"errors"
	"runtime"
	"syscall"
	"testing"
)

// TestLowPriority: f runs on a thread at nice 19 with one more P, its
// error comes back, and afterwards GOMAXPROCS is what it was and the
// caller's thread kept its priority.
func TestLowPriority(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	mine, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	errF := errors.New("f's error")
	var prio, during int
	err = lowPriority(func() error {
		// getpriority's system call returns 20 - nice.
		p, err := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid())
		if err != nil {
			return err
		}
		prio, during = p, runtime.GOMAXPROCS(0)
		return errF
	})
	if !errors.Is(err, errF) {
		t.Fatalf("lowPriority returned %v, want f's error", err)
	}
	if prio != 20-19 {
		t.Errorf("f ran at getpriority %d, want 1 (nice 19)", prio)
	}
	if during != procs+1 || runtime.GOMAXPROCS(0) != procs {
		t.Errorf("GOMAXPROCS %d during f, %d after; want %d and %d", during, runtime.GOMAXPROCS(0), procs+1, procs)
	}
	if now, _ := syscall.Getpriority(syscall.PRIO_PROCESS, syscall.Gettid()); now != mine {
		t.Errorf("the caller's thread priority changed from %d to %d", mine, now)
	}
}
