//go:build !linux

package server

// lowPriority runs f (at normal priority: lowering one thread's priority
// is done on Linux only).
func lowPriority(f func() error) error { return f() }
