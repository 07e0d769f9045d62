package server

import (
	"runtime"
	"syscall"
)

// lowPriority runs f on an operating-system thread of its own at the
// lowest CPU priority (nice 19), with one more P for the Go scheduler
// while it runs, so that a new generation's build takes the cores only
// when requests leave them idle: the requests keep every P they had
// (the build's thread holds the extra one even while the kernel does not
// run it), and the collector's assists for the build's allocations are
// made on the build's thread. Goroutines f starts run at normal priority.
func lowPriority(f func() error) error {
	procs := runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(procs + 1)
	defer runtime.GOMAXPROCS(procs)
	done := make(chan error, 1)
	go func() {
		// The thread is never unlocked: it ends with this goroutine,
		// so its priority is never given to another goroutine.
		runtime.LockOSThread()
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19); err != nil {
			done <- f() // at normal priority: still correct, only not lower
			return
		}
		done <- f()
	}()
	return <-done
}
