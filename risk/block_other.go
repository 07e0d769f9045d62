//go:build !amd64 || purego

package risk

// bestKernel returns the block kernel for this machine: Go's, without
// assembly.
func bestKernel() blockKernel { return blockAddGo }

// kernels are the block kernels this machine runs, by name (for tests).
func kernels() map[string]blockKernel { return map[string]blockKernel{"go": blockAddGo} }
