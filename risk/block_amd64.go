//go:build amd64 && !purego

package risk

import "golang.org/x/sys/cpu"

// bestKernel returns the block kernel for this machine: AVX2 assembly for
// runs of up to 16 scores where the CPU has it, else Go's.
func bestKernel() blockKernel {
	if cpu.X86.HasAVX2 {
		return blockAddAVX2
	}
	return blockAddGo
}

// kernels are the block kernels this machine runs, by name (for tests).
func kernels() map[string]blockKernel {
	ks := map[string]blockKernel{"go": blockAddGo}
	if cpu.X86.HasAVX2 {
		ks["avx2"] = blockAddAVX2
	}
	return ks
}

// blockAddAVX2 is blockAddGo with each sample's run of sums held in up to
// four AVX2 registers (the last one's tail as 128-bit or scalar loads and
// stores, never past the run); runs of more than 16 scores go to
// blockAddGo.
func blockAddAVX2(in *kernelInput) error {
	if in.m > 16 || in.stride != (in.m+3)&^3 {
		return blockAddGo(in)
	}
	if err := in.check(); err != nil {
		return err
	}
	n := len(in.count)
	if n == 0 || len(in.ddt) == 0 || in.slots == 0 {
		return blockAddGo(in) // no sample, or no event, or every event refused: no pointers to take
	}
	if bad := blockKernelAVX2(&in.sums[in.k0], &in.dm[0], &in.count[0], &in.codes[0], &in.table[0], &in.ddt[0],
		n, in.k, len(in.ddt), in.stride/4, (in.m-1)%4+1, in.slots); bad >= 0 {
		return errBlockKernel
	}
	return nil
}

// blockKernelAVX2 adds the events of samples 0..n-1 (block_amd64.s):
// sums points at sample 0's first sum of the run, k is the stride of a
// sample's sums, regs the registers a run fills (its stride/4), tail the
// sums in the last one (1-4), slots the stride of a sample's codes. It
// returns the first sample with a code not below ncodes (its sums
// unchanged), or -1.
//
//go:noescape
func blockKernelAVX2(sums *float64, dm *int64, count *int32, codes *uint16, table *float64, ddt *int64, n, k, ncodes, regs, tail, slots int) (bad int)
